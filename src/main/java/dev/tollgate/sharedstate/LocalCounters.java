package dev.tollgate.sharedstate;

import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Counting in this process's memory: the rate limiter's windows and the budget accounts
 * themselves. Exact for one process; every answer is an already-completed future.
 */
public final class LocalCounters implements CounterStore {

    private final LongSupplier clock;
    private final RateLimiter limiter;

    public LocalCounters(LongSupplier clockMillis) {
        this.clock = clockMillis;
        this.limiter = new RateLimiter(clockMillis);
    }

    @Override
    public Future<Decision> admit(Claim claim) {
        return Future.succeededFuture(decide(claim));
    }

    /** The admission itself, synchronous. */
    public Decision decide(Claim claim) {
        RateLimiter.Result r = limiter.acquire(claim.subjects(), claim.tokens());
        if (r.denial() != null) return Decision.limited(r.denial(), limiter.state(claim.subjects()));
        long now = clock.getAsLong();
        List<BudgetAccount> reserved = new ArrayList<>(claim.accounts().size());
        for (BudgetAccount a : claim.accounts()) {
            long remaining = a.reserve(claim.worstNanoUsd(), now);
            if (remaining >= 0) {
                for (BudgetAccount done : reserved) done.settle(claim.worstNanoUsd(), 0, now);
                r.permit().release(true, 0);
                return Decision.overBudget(a, remaining);
            }
            reserved.add(a);
        }
        List<WindowState> windows = r.permit().empty() ? List.of() : limiter.state(claim.subjects());
        return Decision.admitted(new LocalHold(r.permit(), reserved, claim.worstNanoUsd()), windows);
    }

    @Override
    public Future<List<WindowState>> windows(List<RateLimiter.Subject> subjects) {
        return Future.succeededFuture(limiter.state(subjects));
    }

    @Override
    public Future<List<BudgetState>> budgets(List<BudgetAccount> accounts) {
        long now = clock.getAsLong();
        List<BudgetState> out = new ArrayList<>(accounts.size());
        for (BudgetAccount a : accounts) out.add(new BudgetState(a.spent(now), a.remaining(now)));
        return Future.succeededFuture(out);
    }

    @Override
    public long remainingHint(BudgetAccount account, long now) {
        return account.remaining(now);
    }

    @Override
    public RateLimiter.Counted countRequests(RateLimiter.Subject subject, long want, java.util.function.LongUnaryOperator share) {
        return limiter.count(subject, want, share);
    }

    @Override
    public long recountRequests(RateLimiter.Subject subject, long from, long n) {
        return limiter.recount(subject, from, n);
    }

    @Override
    public void sweep() {
        limiter.sweep();
    }

    private final class LocalHold implements Hold {
        private final RateLimiter.Permit permit;
        private final List<BudgetAccount> accounts;
        private final long reserved;
        private boolean settled;

        LocalHold(RateLimiter.Permit permit, List<BudgetAccount> accounts, long reserved) {
            this.permit = permit;
            this.accounts = accounts;
            this.reserved = reserved;
        }

        @Override
        public void settle(boolean refundRequest, long actualTokens, long costNanoUsd) {
            if (settled) return;
            settled = true;
            permit.release(refundRequest, actualTokens);
            long now = clock.getAsLong();
            for (BudgetAccount a : accounts) a.settle(reserved, costNanoUsd, now);
        }

        @Override
        public boolean limited() {
            return !permit.empty();
        }
    }
}
