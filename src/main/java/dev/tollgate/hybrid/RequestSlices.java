package dev.tollgate.hybrid;

import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.sharedstate.CounterStore;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The control plane's request slices (hybrid mode without Redis): a data plane admits a subject's
 * requests from slices it was granted, each slice counted in the control plane's own windows when
 * granted, so slices, the control plane's own traffic and the other data planes' slices together
 * never exceed a subject's rpm, rph and rpd. A slice is a share of the room left
 * ({@code room / (2 × data planes holding slices of it)}, at least 1): large far from the limit,
 * 1 near it. It is usable for a short time only; then (or when its data plane gives it back
 * earlier) what it admitted is counted again at that moment, so every request admitted on it stays
 * counted for a whole window after it was admitted, and what it did not admit is uncounted.
 * A slice never given back stays counted whole. Slices live in memory only.
 */
public final class RequestSlices {

    /** A data plane asked about a subject without request limits on this control plane. */
    public static final class NoSuchLimit extends RuntimeException {
        NoSuchLimit() {
            super("no such limit", null, false, false);
        }
    }

    private static final class Slice {
        final String id;
        final String planeId;
        final RateLimiter.Subject subject;
        final long granted;
        final long usableUntil;
        /** When its requests are counted now: when granted, then when moved forward. */
        long countedAt;
        boolean moved;

        Slice(String id, String planeId, RateLimiter.Subject subject, long granted, long countedAt, long usableUntil) {
            this.id = id;
            this.planeId = planeId;
            this.subject = subject;
            this.granted = granted;
            this.countedAt = countedAt;
            this.usableUntil = usableUntil;
        }
    }

    private final CounterStore store;
    private final Function<String, Limits> limits;
    private final LongSupplier clock;
    private final long sliceMs;
    private final long graceMs;
    private final Map<String, Slice> slices = new HashMap<>();

    public RequestSlices(CounterStore store, Function<String, Limits> limits, LongSupplier clock, long sliceMs, long graceMs) {
        this.store = store;
        this.limits = limits;
        this.clock = clock;
        this.sliceMs = sliceMs;
        this.graceMs = graceMs;
    }

    /** Gives back the slice named (at what it admitted) and, unless only releasing, grants a new one. */
    public synchronized Future<RequestSlice> handle(String planeId, SliceRequest r) {
        try {
            Slice held = r.sliceId() == null ? null : slices.get(r.sliceId());
            if (held != null && held.planeId.equals(planeId) && held.subject.name().equals(r.subject())) close(held, r.used());
            if (r.release()) return Future.succeededFuture(RequestSlice.none());
            Limits l = limits.apply(r.subject());
            if (l == null || (l.rpm() == 0 && l.rph() == 0 && l.rpd() == 0)) return Future.failedFuture(new NoSuchLimit());
            RateLimiter.Subject subject = new RateLimiter.Subject(r.subject(), l);
            long planes = planes(r.subject(), planeId);
            RateLimiter.Counted c = store.countRequests(subject, Long.MAX_VALUE, room -> Math.max(1, room / (2 * planes)));
            if (c.count() == 0) {
                return Future.succeededFuture(new RequestSlice(null, 0, 0, Math.max(0, c.denial().retryAfterMs()),
                        c.denial().window(), c.denial().limit()));
            }
            Slice s = new Slice(dev.tollgate.keys.RandomIds.of("rs_", 8), planeId, subject, c.count(), c.at(), c.at() + sliceMs);
            slices.put(s.id, s);
            return Future.succeededFuture(new RequestSlice(s.id, s.granted, sliceMs, 0, null, 0));
        } catch (UnsupportedOperationException e) {
            return Future.failedFuture(e);
        }
    }

    /** Data planes holding usable slices of the subject, the asking one included. */
    private long planes(String subject, String planeId) {
        Set<String> out = new HashSet<>();
        out.add(planeId);
        for (Slice s : slices.values()) if (!s.moved && s.subject.name().equals(subject)) out.add(s.planeId);
        return out.size();
    }

    /** Ends a slice: what it did not admit is uncounted, what it admitted is counted from now (its last use was before). */
    private void close(Slice s, long used) {
        slices.remove(s.id);
        long admitted = Math.max(0, Math.min(used, s.granted));
        if (admitted < s.granted) store.recountRequests(s.subject, s.countedAt, -(s.granted - admitted));
        if (!s.moved && admitted > 0) store.recountRequests(s.subject, s.countedAt, admitted);
    }

    /**
     * Counts again from now the slices no longer usable (their data plane admits nothing more on
     * them) and forgets, counted whole, those not given back within the grace time. Run every second.
     */
    public synchronized int expire() {
        long now = clock.getAsLong();
        List<Slice> over = new ArrayList<>();
        for (Slice s : slices.values()) {
            if (!s.moved && now >= s.usableUntil) {
                s.countedAt = store.recountRequests(s.subject, s.countedAt, s.granted);
                s.moved = true;
            }
            if (now >= s.usableUntil + graceMs) over.add(s);
        }
        for (Slice s : over) slices.remove(s.id);
        return over.size();
    }

    /** Slices open now (tests). */
    public synchronized int size() {
        return slices.size();
    }
}
