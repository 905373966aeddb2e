package dev.tollgate.sharedstate;

import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import io.vertx.core.Future;

import java.util.List;

/**
 * Where rate-limit windows and budget reservations are counted: in this process's memory
 * ({@link LocalCounters}) or shared by replicas (Redis). An admission is one atomic step over every
 * subject and budget it names: all counted, or none. The in-memory store answers with completed
 * futures, so the request path pays nothing for the interface being asynchronous.
 */
public interface CounterStore extends AutoCloseable {

    /** Counts the claim in every subject and reserves its worst case in every budget, or in none. */
    Future<Decision> admit(Claim claim);

    /** The windows of these subjects now (for GET /ratelimit), tightest request window first. */
    Future<List<WindowState>> windows(List<RateLimiter.Subject> subjects);

    /** What each budget has spent and has left in its current period (for GET /ratelimit). */
    Future<List<BudgetState>> budgets(List<BudgetAccount> accounts);

    /**
     * A cheap guess at what a budget has left, for deciding whether to count a prompt exactly
     * before admitting (memory: exact; shared: the last figure this replica saw).
     */
    long remainingHint(BudgetAccount account, long now);

    /**
     * Sets what a budget had spent in the period starting at {@code periodStart}, unless the store
     * already holds a figure for it (set-if-absent). Only shared stores ever ask for it.
     */
    default Future<Void> initPeriod(BudgetAccount account, long periodStart, long spentNanoUsd) {
        return Future.succeededFuture();
    }

    /**
     * Counts a slice of up to {@code want} requests of one subject for a data plane (hybrid mode
     * without Redis), at most {@code share} of the room left. Only the in-memory store can.
     */
    default RateLimiter.Counted countRequests(RateLimiter.Subject subject, long want, java.util.function.LongUnaryOperator share) {
        throw new UnsupportedOperationException("request slices need the in-memory counters");
    }

    /** Moves {@code n} requests of a slice counted at {@code from} to now; {@code n < 0} uncounts {@code -n}. Returns now. */
    default long recountRequests(RateLimiter.Subject subject, long from, long n) {
        throw new UnsupportedOperationException("request slices need the in-memory counters");
    }

    /** Sends counts a store holds back for a moment (deferred settlements); before shutting down. */
    default Future<Void> flush() {
        return Future.succeededFuture();
    }

    /** Reports each round trip to the store to the observer it makes: only shared stores make any, and ask for one. */
    default void observeCalls(java.util.function.Supplier<CallObserver> observer) {}

    /** Forgets idle subjects (client IPs come and go); run now and then. */
    default void sweep() {}

    @Override
    default void close() {}

    /** A budget's figures in nano-dollars. */
    record BudgetState(long spentNanoUsd, long remainingNanoUsd) {}
}
