package dev.tollgate.sharedstate;

import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.limits.Denial;
import dev.tollgate.limits.WindowState;

import java.util.List;

/**
 * The outcome of an admission: admitted (with what it holds), refused by a rate limit, refused by
 * a budget, or (shared stores only) unable to decide because some budget's current period is not
 * known to the store yet. {@code windows} are the subjects' windows as the admission left them,
 * for the rate-limit headers; {@code local} says the decision was made in this replica's memory
 * because the shared store was unreachable.
 */
public record Decision(Hold hold, Denial denial, BudgetAccount shortAccount, long remainingNanoUsd, List<BudgetAccount> unknownPeriods,
                       List<WindowState> windows, boolean local) {

    public static Decision admitted(Hold hold, List<WindowState> windows) {
        return new Decision(hold, null, null, 0, List.of(), windows, false);
    }

    public static Decision limited(Denial denial, List<WindowState> windows) {
        return new Decision(null, denial, null, 0, List.of(), windows, false);
    }

    public static Decision overBudget(BudgetAccount account, long remainingNanoUsd) {
        return new Decision(null, null, account, remainingNanoUsd, List.of(), List.of(), false);
    }

    public static Decision periodsUnknown(List<BudgetAccount> accounts) {
        return new Decision(null, null, null, 0, accounts, List.of(), false);
    }

    public Decision asLocal() {
        return new Decision(hold, denial, shortAccount, remainingNanoUsd, unknownPeriods, windows, true);
    }

    public boolean admitted() {
        return hold != null;
    }
}
