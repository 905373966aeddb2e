package dev.tollgate.hybrid;

import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.CounterStore;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.Hold;
import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The control plane's budget leases (hybrid mode without Redis). Each slice granted to a data
 * plane is reserved in the control plane's own counter store, exactly like a request's worst case,
 * so slices, the control plane's own traffic and every other data plane's slices together never
 * exceed what the budget has left. A slice is {@code remaining / (2 × leases on that budget)} but
 * at least one waiting request's worst case: large far from the limit, down to that worst case
 * near it. Reported spending settles the slices in the order granted; a lease ends when its
 * data plane releases it (settled at what it reports spent) or, unreported, a grace time after it
 * expires (settled whole: the safe side). Leases live in this process's memory and, for a restart,
 * in the control plane's data directory ({@link LeaseFile}).
 */
public final class LeaseBook {

    /** A data plane asked about a budget this control plane does not have (its snapshot is behind). */
    public static final class NoSuchBudget extends RuntimeException {
        NoSuchBudget() {
            super("no such budget", null, false, false);
        }
    }

    private record Slice(long amount, Hold hold) {}

    private static final class Lease {
        final String id;
        final String planeId;
        final String subject;
        final long periodStart;
        final ArrayDeque<Slice> slices = new ArrayDeque<>();
        long granted;
        long reported;
        /** Spending already settled into slices that were wholly used. */
        long settledThrough;
        long expiresAt;

        Lease(String id, String planeId, String subject, long periodStart) {
            this.id = id;
            this.planeId = planeId;
            this.subject = subject;
            this.periodStart = periodStart;
        }
    }

    private final CounterStore store;
    private final Function<String, BudgetAccount> accounts;
    private final LongSupplier clock;
    private final long leaseMs;
    private final long graceMs;
    private final Map<String, Lease> leases = new HashMap<>();
    /** Changed since last saved to disk. */
    private boolean dirty;

    /** Request slices live at most this long: what a slice admitted is counted up to this much longer than a window. */
    static final long SLICE_MS = 5_000;

    private final RequestSlices requests;

    public LeaseBook(CounterStore store, Function<String, BudgetAccount> accounts, LongSupplier clock, long leaseMs, long graceMs) {
        this(store, accounts, subject -> null, clock, leaseMs, graceMs);
    }

    public LeaseBook(CounterStore store, Function<String, BudgetAccount> accounts, Function<String, dev.tollgate.limits.Limits> limits,
                     LongSupplier clock, long leaseMs, long graceMs) {
        this.requests = new RequestSlices(store, limits, clock, Math.min(SLICE_MS, leaseMs), graceMs);
        this.store = store;
        this.accounts = accounts;
        this.clock = clock;
        this.leaseMs = leaseMs;
        this.graceMs = graceMs;
    }

    /** Renews, tops up, opens or releases the lease a data plane asks about. */
    public synchronized Future<LeaseGrant> handle(String planeId, LeaseRequest r) {
        long now = clock.getAsLong();
        dirty = true;
        Lease held = r.leaseId() == null ? null : leases.get(r.leaseId());
        if (held != null && (!held.planeId.equals(planeId) || !held.subject.equals(r.budget()))) held = null; // never another's
        if (held != null) report(held, r.spentNanoUsd());
        BudgetAccount account = accounts.apply(r.budget());
        if (r.release()) {
            if (held != null) close(held);
            return Future.succeededFuture(LeaseGrant.none(held != null ? held.periodStart : 0,
                    account == null ? 0 : store.remainingHint(account, now)));
        }
        if (account == null) {
            if (held != null) held.expiresAt = Math.min(held.expiresAt, now); // unusable now; its data plane releases it
            return Future.failedFuture(new NoSuchBudget());
        }
        long period = account.budget().period().start(now);
        // A lease of a period that has ended stays open until its data plane releases it (what is in flight settles there).
        Lease lease = held != null && held.periodStart == period ? held : open(planeId, r.budget(), period);
        lease.expiresAt = now + leaseMs;
        long slice = sliceFor(account, r.budget(), r.minNanoUsd(), now);
        if (slice == 0) return Future.succeededFuture(answer(lease, account, now));
        return store.admit(new Claim(List.of(), 0, List.of(account), slice)).map(d -> granted(lease, account, slice, d));
    }

    /**
     * How much to add to a lease now: a share of what remains ({@code remaining / (2 × leases)}), or
     * {@code min} (one waiting request's worst case) when that is more; 0 when not even {@code min}
     * fits. What the data plane would like ({@code need}) is not given beyond the share: a burst on
     * one data plane must not take a budget the others are about to ask for.
     */
    private long sliceFor(BudgetAccount account, String subject, long min, long now) {
        long remaining = store.remainingHint(account, now);
        long slice = Math.max(min, remaining / (2L * openLeases(subject)));
        slice = Math.min(slice, remaining);
        return slice < Math.max(1, min) ? 0 : slice;
    }

    private synchronized LeaseGrant granted(Lease lease, BudgetAccount account, long slice, Decision d) {
        dirty = true;
        if (d.admitted()) {
            if (leases.containsKey(lease.id)) {
                lease.slices.add(new Slice(slice, d.hold()));
                lease.granted += slice;
            } else {
                d.hold().settle(false, -1, 0); // closed meanwhile: nothing to hold
            }
        }
        return answer(lease, account, clock.getAsLong());
    }

    private LeaseGrant answer(Lease lease, BudgetAccount account, long now) {
        long remaining = store.remainingHint(account, now);
        if (lease.granted == 0) { // nothing on it: no lease to keep
            leases.remove(lease.id);
            return LeaseGrant.none(lease.periodStart, remaining);
        }
        return new LeaseGrant(lease.id, lease.granted, leaseMs, lease.periodStart, remaining);
    }

    private Lease open(String planeId, String subject, long periodStart) {
        Lease l = new Lease(dev.tollgate.keys.RandomIds.of("ls_", 8), planeId, subject, periodStart);
        leases.put(l.id, l);
        return l;
    }

    private int openLeases(String subject) {
        int n = 0;
        for (Lease l : leases.values()) if (l.subject.equals(subject)) n++;
        return Math.max(1, n);
    }

    /** Settles the slices the reported spending has used up wholly; what a lease reports only grows, up to what it was granted. */
    private static void report(Lease l, long spent) {
        l.reported = Math.min(l.granted, Math.max(l.reported, spent));
        while (!l.slices.isEmpty() && l.settledThrough + l.slices.peekFirst().amount() <= l.reported) {
            Slice s = l.slices.pollFirst();
            s.hold().settle(false, -1, s.amount());
            l.settledThrough += s.amount();
        }
    }

    /** Ends a lease at what it reported spent: the part of a slice used is spent, the rest returns. */
    private void close(Lease l) {
        leases.remove(l.id);
        long left = l.reported - l.settledThrough;
        for (Slice s : l.slices) {
            long used = Math.max(0, Math.min(left, s.amount()));
            s.hold().settle(false, -1, used);
            left -= used;
        }
        l.slices.clear();
    }

    /** The request slices (rate limits across data planes) granted alongside the budget leases. */
    public RequestSlices requests() {
        return requests;
    }

    /** Ends, whole, the leases not renewed or released within the grace time after they expired. Run now and then. */
    public synchronized int expire() {
        requests.expire();
        long now = clock.getAsLong();
        List<Lease> over = new ArrayList<>();
        for (Lease l : leases.values()) if (now >= l.expiresAt + graceMs) over.add(l);
        for (Lease l : over) {
            report(l, l.granted);
            close(l);
        }
        if (!over.isEmpty()) dirty = true;
        return over.size();
    }

    /** One open lease as it is kept on disk. */
    public record Saved(String id, String planeId, String subject, long periodStart, long granted, long reported, long expiresAt) {}

    /** Whether leases changed since the last {@link #saved}. */
    public synchronized boolean dirty() {
        return dirty;
    }

    /** The open leases, to be kept on disk; clears {@link #dirty}. */
    public synchronized List<Saved> saved() {
        dirty = false;
        List<Saved> out = new ArrayList<>(leases.size());
        for (Lease l : leases.values()) out.add(new Saved(l.id, l.planeId, l.subject, l.periodStart, l.granted, l.reported, l.expiresAt));
        return out;
    }

    /**
     * Takes back the leases a previous run of this control plane granted (at start-up, before any
     * request): what they may still spend is reserved again, so it is not granted twice. What
     * they spent before is the ledger's business. When the budget has less left than that now
     * (lowered, or spent meanwhile), the lease keeps only what fits, and its data plane learns so
     * at its next renewal. Returns how many were taken back.
     */
    public synchronized int restore(List<Saved> saved) {
        long now = clock.getAsLong();
        int n = 0;
        for (Saved s : saved) {
            BudgetAccount account = accounts.apply(s.subject());
            if (account == null || now >= s.expiresAt() + graceMs || leases.containsKey(s.id())) continue;
            Lease l = new Lease(s.id(), s.planeId(), s.subject(), s.periodStart());
            l.reported = Math.min(s.reported(), s.granted());
            l.settledThrough = l.reported;
            l.granted = l.reported;
            l.expiresAt = s.expiresAt();
            long unspent = Math.min(s.granted() - l.reported, store.remainingHint(account, now));
            if (unspent > 0) {
                Decision d = store.admit(new Claim(List.of(), 0, List.of(account), unspent)).toCompletionStage().toCompletableFuture().join();
                if (d.admitted()) {
                    l.slices.add(new Slice(unspent, d.hold()));
                    l.granted += unspent;
                }
            }
            leases.put(l.id, l);
            n++;
        }
        dirty = true;
        return n;
    }

    /** Leases open now (tests and logs). */
    public synchronized int size() {
        return leases.size();
    }

    public long leaseMs() {
        return leaseMs;
    }
}
