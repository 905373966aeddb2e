package dev.tollgate.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.access.KeyRegistry;
import dev.tollgate.budget.Budget;
import dev.tollgate.json.Json;
import dev.tollgate.usage.Cost;
import dev.tollgate.limits.WindowState;
import io.vertx.core.Future;

import java.util.List;

/** The body of {@code GET /ratelimit}: the caller's limits with current usage, and its budgets. */
public final class RateLimitStatus {

    private RateLimitStatus() {}

    /** Reads the windows and budgets from wherever they are counted (memory, or the shared store). */
    public static Future<ObjectNode> of(AccessControl access, KeyRegistry.Entry key, String clientIp) {
        return access.windows(key, clientIp).compose(windows -> access.budgetsOf(key).map(budgets -> body(key, windows, budgets)));
    }

    private static ObjectNode body(KeyRegistry.Entry key, List<WindowState> windows, List<AccessControl.BudgetView> budgetViews) {
        ObjectNode o = Json.object();
        o.put("object", "tollgate.rate_limits");
        if (key == null) {
            o.putNull("key");
        } else {
            ObjectNode k = o.putObject("key");
            k.put("id", key.key().id());
            k.put("prefix", key.key().prefix());
            k.put("user", key.key().user());
            k.put("team", key.key().team());
        }
        ArrayNode limits = o.putArray("limits");
        for (WindowState w : windows) {
            ObjectNode l = limits.addObject();
            l.put("subject", w.subject());
            l.put("window", w.window());
            l.put("limit", w.limit());
            l.put("used", w.used());
            l.put("remaining", w.remaining());
            l.put("reset_seconds", (w.resetMs() + 999) / 1000);
        }
        ArrayNode budgets = o.putArray("budgets");
        for (AccessControl.BudgetView b : budgetViews) {
            ObjectNode j = budgets.addObject();
            j.put("subject", b.subject());
            j.put("period", b.budget().period().id());
            j.put("amount_usd", Cost.dollars(b.budget().amountNanoUsd()));
            j.put("spent_usd", Cost.dollars(b.spentNanoUsd()));
            j.put("remaining_usd", Cost.dollars(b.remainingNanoUsd()));
        }
        return o;
    }
}
