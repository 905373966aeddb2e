package dev.tollgate.hybrid;

import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.CounterStore;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.Hold;
import dev.tollgate.sharedstate.LocalCounters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A data plane's counter store without Redis: budgets are spent from leases the control plane
 * grants ({@link LeaseBook}), so budgets shared by several data planes are never exceeded. A
 * request's worst case is reserved in its budgets' leases, all or none, like any store; a lease
 * that lacks room asks the control plane for more (asynchronously: the admission waits on a
 * future, never on a thread) and is renewed ahead of need while in use. A data plane that cannot
 * reach the control plane spends what its leases hold until they expire, then refuses with the
 * budget error: it fails closed. A key's, user's and team's requests per minute, hour and day are
 * admitted from request slices the control plane grants ({@link SlicedRequests}), so they hold
 * across data planes too; the other limits (tokens per minute, concurrency, models, client IPs)
 * are counted in this data plane's memory only.
 */
public final class LeasedCounters implements CounterStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");
    /** Rounds of "ask for more, try again" before a request is refused. */
    static final int ROUNDS = 3;
    static final long TICK_MS = 500;
    private static final long LOG_EVERY_MS = 30_000;

    private final LocalCounters limits;
    private final LeaseSource source;
    private final SlicedRequests requests;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Budget> budgets = new ConcurrentHashMap<>();
    private volatile long lastFailureLog;
    private Vertx vertx;
    private long timer = -1;

    /** One lease as this data plane sees it. */
    static final class Lease {
        final String id;
        final Budget owner;
        long granted;
        long spent;
        long reserved;
        /** After this (local clock, with a margin), nothing more is admitted on it. */
        long deadline;
        long lastSlice;
        int releaseAttempts;

        Lease(String id, Budget owner) {
            this.id = id;
            this.owner = owner;
        }

        long room() {
            return granted - spent - reserved;
        }
    }

    /** One budget's leases here: the one in use, those being given back, and what is waiting for more. */
    final class Budget {
        final String subject;
        Lease current;
        final List<Lease> retiring = new ArrayList<>();
        Future<Void> pending;
        long demand;
        long minDemand;
        long lastUsed;
        long leaseMs = 30_000;
        /** What the control plane last said the budget had left outside every lease; -1 unknown. */
        long outside = -1;

        Budget(String subject) {
            this.subject = subject;
        }

        /** Reserves {@code worst} in the current lease, or null when it has no room for it. */
        synchronized Lease reserve(long worst, long now) {
            lastUsed = now;
            Lease l = current;
            if (l == null || now >= l.deadline || l.room() < worst) return null;
            l.reserved += worst;
            if (pending == null && l.room() < l.lastSlice / 2) send(now); // ahead of need
            return l;
        }

        synchronized void settle(Lease l, long worst, long cost) {
            l.reserved = Math.max(0, l.reserved - worst);
            l.spent += Math.max(0, cost);
        }

        /** Asks for {@code worst} more; completes when the control plane has answered (or could not). */
        synchronized Future<Void> more(long worst, long now) {
            demand += worst;
            minDemand = minDemand == 0 ? worst : Math.min(minDemand, worst);
            return pending != null ? pending : send(now);
        }

        synchronized long left() {
            Lease l = current;
            long room = l == null ? 0 : Math.max(0, l.room());
            return room + Math.max(0, outside);
        }

        private Future<Void> send(long sentAt) {
            Lease l = current;
            LeaseRequest req = new LeaseRequest(subject, l == null ? null : l.id, l == null ? 0 : Math.min(l.spent, l.granted),
                    demand, minDemand, false);
            demand = 0;
            minDemand = 0;
            Future<Void> f = source.ask(req).transform(ar -> {
                synchronized (this) {
                    pending = null;
                    if (ar.succeeded()) applyGrant(ar.result(), sentAt);
                    else unreachable(ar.cause());
                }
                return Future.<Void>succeededFuture();
            });
            if (!f.isComplete()) pending = f;
            return f;
        }

        private void applyGrant(LeaseGrant g, long sentAt) {
            outside = g.remainingNanoUsd();
            Lease l = current;
            if (g.leaseId() == null) {
                if (l != null) retire(l);
                current = null;
                return;
            }
            if (l == null || !l.id.equals(g.leaseId())) {
                if (l != null) retire(l);
                l = new Lease(g.leaseId(), this);
                current = l;
            }
            long added = g.grantedNanoUsd() - l.granted;
            if (added > 0) l.lastSlice = added;
            l.granted = g.grantedNanoUsd(); // the control plane's word: less only when a restarted one could not take all of it back
            leaseMs = g.expiresInMs();
            // Counted from when the request left, less a margin: this data plane stops before the control plane's clock says so.
            l.deadline = sentAt + g.expiresInMs() - Math.min(2_000, g.expiresInMs() / 5);
        }

        private void retire(Lease l) {
            if (!retiring.contains(l)) retiring.add(l);
        }

        /** Renews a lease in use before it runs out, gives back leases no longer in use once nothing is in flight on them. */
        synchronized void tick(long now) {
            for (Lease r : List.copyOf(retiring)) { // a copy: an answer may come at once and remove one
                if (r.reserved > 0) continue;
                if (++r.releaseAttempts > 5) { // the control plane settles it whole after its grace time
                    retiring.remove(r);
                    continue;
                }
                source.ask(new LeaseRequest(subject, r.id, Math.min(r.spent, r.granted), 0, 0, true)).onComplete(ar -> {
                    if (ar.succeeded()) {
                        synchronized (this) {
                            retiring.remove(r);
                        }
                    }
                });
            }
            Lease l = current;
            if (l == null || pending != null) return;
            boolean inUse = now - lastUsed < leaseMs;
            if (now >= l.deadline) {
                if (inUse) send(now);
                else {
                    retire(l);
                    current = null;
                }
            } else if (inUse && (now >= l.deadline - leaseMs / 3 || l.room() < l.lastSlice / 2)) {
                send(now);
            }
        }

        synchronized boolean idle(long now) {
            return current == null && retiring.isEmpty() && pending == null && now - lastUsed > leaseMs;
        }

        /** Gives every lease back once nothing is in flight on it (shutting down). */
        synchronized Future<Void> releaseAll() {
            if (current != null) retire(current);
            current = null;
            List<Future<LeaseGrant>> all = new ArrayList<>();
            for (Lease r : List.copyOf(retiring)) {
                if (r.reserved > 0) continue;
                all.add(source.ask(new LeaseRequest(subject, r.id, Math.min(r.spent, r.granted), 0, 0, true)));
                retiring.remove(r);
            }
            return Future.join(all).mapEmpty();
        }
    }

    public LeasedCounters(LongSupplier clock, LeaseSource source) {
        this.clock = clock;
        this.limits = new LocalCounters(clock);
        this.source = source;
        this.requests = new SlicedRequests(source, clock, this::unreachable);
    }

    /** Renews and gives back leases on a timer of this Vert.x. */
    public synchronized void start(Vertx v) {
        vertx = v;
        timer = v.setPeriodic(TICK_MS, t -> tick());
    }

    /** One round of renewing and giving back (the timer's; tests call it with their own clock). */
    public void tick() {
        requests.tick();
        long now = clock.getAsLong();
        for (Budget b : budgets.values()) {
            b.tick(now);
            if (b.idle(now)) budgets.remove(b.subject, b);
        }
    }

    @Override
    public Future<Decision> admit(Claim claim) {
        Decision d = limits.decide(new Claim(claim.subjects(), claim.tokens(), List.of(), 0));
        if (!d.admitted()) return Future.succeededFuture(d);
        List<RateLimiter.Subject> shared = SlicedRequests.shared(claim.subjects());
        Future<Decision> limited = shared.isEmpty() ? Future.succeededFuture(d) : requests.take(shared).map(t -> {
            if (t.denial() == null) return Decision.admitted(new SlicedRequests.SlicedHold(d.hold(), t.slices()), d.windows());
            d.hold().settle(true, 0, 0);
            return Decision.limited(t.denial(), refusedWindows(claim.subjects(), t.denial()));
        });
        if (claim.accounts().isEmpty()) return limited;
        return limited.compose(l -> l.admitted() ? reserve(claim, l, 1) : Future.succeededFuture(l));
    }

    /** This data plane's windows for the headers, the one the control plane found full shown full. */
    private List<WindowState> refusedWindows(List<RateLimiter.Subject> subjects, dev.tollgate.limits.Denial denial) {
        List<WindowState> out = new ArrayList<>();
        for (WindowState w : limits.windows(subjects).result()) {
            boolean full = w.subject().equals(denial.subject()) && w.window().equals(denial.window());
            out.add(full ? new WindowState(w.subject(), w.window(), w.limit(), w.limit(), 0, Math.max(w.resetMs(), denial.retryAfterMs())) : w);
        }
        return out;
    }

    private Future<Decision> reserve(Claim claim, Decision limited, int round) {
        long now = clock.getAsLong();
        long worst = claim.worstNanoUsd();
        List<Lease> got = new ArrayList<>(claim.accounts().size());
        for (BudgetAccount a : claim.accounts()) {
            Budget b = budget(a);
            Lease l = b.reserve(worst, now);
            if (l == null) {
                for (Lease g : got) g.owner.settle(g, worst, 0);
                if (round >= ROUNDS) {
                    limited.hold().settle(true, 0, 0);
                    return Future.succeededFuture(Decision.overBudget(a, Math.min(b.left(), a.budget().amountNanoUsd())));
                }
                return b.more(worst, now).compose(v -> reserve(claim, limited, round + 1));
            }
            got.add(l);
        }
        return Future.succeededFuture(Decision.admitted(new LeasedHold(limited.hold(), got, worst), limited.windows()));
    }

    /** What the lease in use for this budget has room for now (0 without one). */
    long room(String subject) {
        Budget b = budgets.get(subject);
        if (b == null) return 0;
        synchronized (b) {
            return b.current == null ? 0 : Math.max(0, b.current.room());
        }
    }

    private Budget budget(BudgetAccount a) {
        return budgets.computeIfAbsent(a.subject(), Budget::new);
    }

    private void unreachable(Throwable e) {
        long now = clock.getAsLong();
        if (now - lastFailureLog < LOG_EVERY_MS) return;
        lastFailureLog = now;
        LOG.warn("data plane: cannot renew budget leases or request slices ({}); spending only what they hold, then refusing",
                e instanceof ControlPlaneLeases.Refused ? e.getMessage() : "control plane unreachable (" + e.getClass().getSimpleName() + ")");
    }

    @Override
    public Future<List<WindowState>> windows(List<RateLimiter.Subject> subjects) {
        return limits.windows(subjects);
    }

    @Override
    public Future<List<BudgetState>> budgets(List<BudgetAccount> accounts) {
        List<BudgetState> out = new ArrayList<>(accounts.size());
        for (BudgetAccount a : accounts) {
            long left = remainingHint(a, clock.getAsLong());
            out.add(new BudgetState(Math.max(0, a.budget().amountNanoUsd() - left), left));
        }
        return Future.succeededFuture(out);
    }

    /** What this data plane could spend here and now plus what the control plane last said was outside every lease. */
    @Override
    public long remainingHint(BudgetAccount account, long now) {
        Budget b = budgets.get(account.subject());
        return b == null || b.outside < 0 ? account.budget().amountNanoUsd() : Math.min(b.left(), account.budget().amountNanoUsd());
    }

    /** Gives the leases back (before shutting down): the control plane settles them at what was spent. */
    @Override
    public Future<Void> flush() {
        List<Future<Void>> all = new ArrayList<>();
        all.add(requests.releaseAll());
        for (Budget b : budgets.values()) all.add(b.releaseAll());
        return Future.join(all).mapEmpty();
    }

    @Override
    public void sweep() {
        limits.sweep();
    }

    @Override
    public synchronized void close() {
        if (vertx != null && timer >= 0) vertx.cancelTimer(timer);
    }

    /** Ends a request: frees its rate-limit hold and settles each lease's reservation to the cost. */
    private static final class LeasedHold implements Hold {
        private final Hold limits;
        private final List<Lease> leases;
        private final long reserved;
        private boolean settled;

        LeasedHold(Hold limits, List<Lease> leases, long reserved) {
            this.limits = limits;
            this.leases = leases;
            this.reserved = reserved;
        }

        @Override
        public synchronized void settle(boolean refundRequest, long actualTokens, long costNanoUsd) {
            if (settled) return;
            settled = true;
            limits.settle(refundRequest, actualTokens, 0);
            for (Lease l : leases) l.owner.settle(l, reserved, costNanoUsd);
        }

        @Override
        public boolean limited() {
            return limits.limited();
        }
    }
}
