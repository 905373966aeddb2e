package dev.tollgate.budget;

import dev.tollgate.usage.Saturating;

/**
 * What one subject (key, user or team) has spent in its current period and has reserved for calls
 * in flight. Before a call the worst-case cost is reserved; the call is refused if that could
 * overspend; afterwards the reservation is settled to the actual cost. So concurrent calls can
 * never together spend more than the budget, whatever their timing.
 */
public final class BudgetAccount {

    private final String subject;
    private volatile Budget budget;
    private long periodStart;
    private long periodEnd;
    private long spent;
    private long reserved;
    /** What a shared store (Redis) last said this budget had left, and in which period: a hint only. */
    private volatile Seen seen;

    private record Seen(long periodStart, long remainingNanoUsd) {}

    public BudgetAccount(String subject, Budget budget, long periodStart, long spentInPeriod) {
        this.subject = subject;
        this.budget = budget;
        this.periodStart = periodStart;
        this.periodEnd = budget.period().end(periodStart);
        this.spent = spentInPeriod;
    }

    public String subject() {
        return subject;
    }

    public Budget budget() {
        return budget;
    }

    /** Notes what a shared store said this budget had left in the period starting at {@code periodStart}. */
    public void noteRemainingSeen(long periodStart, long remainingNanoUsd) {
        seen = new Seen(periodStart, remainingNanoUsd);
    }

    /** The last figure {@link #noteRemainingSeen} noted for that period; {@link Long#MAX_VALUE} when none. */
    public long remainingSeen(long periodStart) {
        Seen s = seen;
        return s != null && s.periodStart() == periodStart ? s.remainingNanoUsd() : Long.MAX_VALUE;
    }

    /** A changed budget keeps what was spent in the period (same period kind) or restarts (new kind). */
    public synchronized void update(Budget b, long periodStartNow, long spentInNewPeriod) {
        if (b.period() != budget.period()) {
            periodStart = periodStartNow;
            periodEnd = b.period().end(periodStartNow);
            spent = spentInNewPeriod;
        }
        budget = b;
    }

    /** Reserves {@code worst} nano-dollars, or returns the remaining amount (≥ 0) when it does not fit. */
    public synchronized long reserve(long worst, long now) {
        roll(now);
        long remaining = budget.amountNanoUsd() - spent - reserved;
        if (worst > remaining) return Math.max(0, remaining);
        reserved += worst; // worst ≤ remaining ≤ the budget: no overflow
        return -1;
    }

    /** Settles a reservation to the actual cost. */
    public synchronized void settle(long reservedAmount, long actual, long now) {
        roll(now);
        reserved = Math.max(0, reserved - reservedAmount);
        spent = Saturating.add(spent, Math.max(0, actual));
    }

    public synchronized long spent(long now) {
        roll(now);
        return spent;
    }

    public synchronized long remaining(long now) {
        roll(now);
        return Math.max(0, budget.amountNanoUsd() - spent - reserved);
    }

    /** A new period starts with nothing spent. Checked on every call, so the common case is one comparison. */
    private void roll(long now) {
        if (now < periodEnd) return;
        periodStart = budget.period().start(now);
        periodEnd = budget.period().end(periodStart);
        spent = 0;
    }
}
