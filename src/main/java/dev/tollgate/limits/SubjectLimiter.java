package dev.tollgate.limits;

import java.util.ArrayList;
import java.util.List;

/**
 * The counters of one subject ("key:key_abc", "ip:10.0.0.1", ...). Only windows that have a limit
 * are counted, so memory stays bounded by the limits. Event loops share subjects, so every
 * method locks the subject; the lock is held for a few array operations.
 */
final class SubjectLimiter {

    private static final long MINUTE = 60_000, HOUR = 3_600_000, DAY = 86_400_000;

    final String name;
    private final SlidingCounter rpm = new SlidingCounter(MINUTE);
    private final SlidingCounter rph = new SlidingCounter(HOUR, 100);
    private final SlidingCounter rpd = new SlidingCounter(DAY, 1000);
    private final SlidingCounter tpm = new SlidingCounter(MINUTE);
    private long inFlight;
    /** Set when the sweeper dropped this subject from the map: callers holding it look it up again. */
    boolean retired;

    SubjectLimiter(String name) {
        this.name = name;
    }

    /** Admits one request of {@code tokens} estimated tokens, or says which window is full. Caller holds the lock. */
    Denial tryAcquire(Limits l, long now, long tokens) {
        if (l.concurrent() > 0 && inFlight >= l.concurrent()) return new Denial(name, "concurrent", l.concurrent(), 1000);
        Denial d = check(rpm, l.rpm(), "rpm", now, 1);
        if (d == null) d = check(rph, l.rph(), "rph", now, 1);
        if (d == null) d = check(rpd, l.rpd(), "rpd", now, 1);
        if (d == null && l.tpm() > 0) d = check(tpm, l.tpm(), "tpm", now, tokens);
        if (d != null) return d;
        if (l.rpm() > 0) rpm.add(now, 1);
        if (l.rph() > 0) rph.add(now, 1);
        if (l.rpd() > 0) rpd.add(now, 1);
        if (l.tpm() > 0) tpm.add(now, tokens);
        if (l.concurrent() > 0) inFlight++;
        return null;
    }

    private Denial check(SlidingCounter c, long limit, String window, long now, long amount) {
        if (limit <= 0) return null;
        long wait = c.waitFor(now, amount, limit);
        return wait == 0 ? null : new Denial(name, window, limit, wait);
    }

    /**
     * The request admitted at {@code at} ended: frees its concurrency slot, settles its token
     * estimate to the actual count, and takes it out of the request windows when failed calls
     * do not count.
     */
    void release(Limits l, long at, boolean refund, long tokenDelta) {
        if (l.concurrent() > 0 && inFlight > 0) inFlight--;
        if (l.tpm() > 0 && tokenDelta != 0) tpm.adjust(at, tokenDelta);
        if (refund) {
            if (l.rpm() > 0) rpm.adjust(at, -1);
            if (l.rph() > 0) rph.adjust(at, -1);
            if (l.rpd() > 0) rpd.adjust(at, -1);
        }
    }

    /** The request windows then the token window, each with its limit, for headers and /ratelimit. */
    List<WindowState> state(Limits l, long now) {
        List<WindowState> out = new ArrayList<>(5);
        add(out, rpm, l.rpm(), "rpm", now);
        add(out, rph, l.rph(), "rph", now);
        add(out, rpd, l.rpd(), "rpd", now);
        add(out, tpm, l.tpm(), "tpm", now);
        if (l.concurrent() > 0) out.add(new WindowState(name, "concurrent", l.concurrent(), inFlight,
                Math.max(0, l.concurrent() - inFlight), 0));
        return out;
    }

    private void add(List<WindowState> out, SlidingCounter c, long limit, String window, long now) {
        if (limit <= 0) return;
        long used = c.sum(now);
        long reset = c.untilEmpty(now); // OpenAI's "reset": until the window is back to its initial state
        out.add(new WindowState(name, window, limit, used, Math.max(0, limit - used), reset));
    }

    /** What every request window has room for now (Long.MAX_VALUE without one): the most a slice for a data plane may take. */
    long requestRoom(Limits l, long now) {
        long room = Long.MAX_VALUE;
        if (l.rpm() > 0) room = Math.min(room, l.rpm() - rpm.sum(now));
        if (l.rph() > 0) room = Math.min(room, l.rph() - rph.sum(now));
        if (l.rpd() > 0) room = Math.min(room, l.rpd() - rpd.sum(now));
        return Math.max(0, room);
    }

    /** The request window that is full now, with its wait (null when each has room for one more). */
    Denial requestsFull(Limits l, long now) {
        Denial d = check(rpm, l.rpm(), "rpm", now, 1);
        if (d == null) d = check(rph, l.rph(), "rph", now, 1);
        if (d == null) d = check(rpd, l.rpd(), "rpd", now, 1);
        return d;
    }

    /** Counts {@code n} requests at {@code now} in every request window, unchecked (the caller checked the room). */
    void addRequests(Limits l, long now, long n) {
        if (l.rpm() > 0) rpm.add(now, n);
        if (l.rph() > 0) rph.add(now, n);
        if (l.rpd() > 0) rpd.add(now, n);
    }

    /** Changes the requests counted at {@code at} by {@code delta} in every request window. */
    void adjustRequests(Limits l, long at, long delta) {
        if (l.rpm() > 0) rpm.adjust(at, delta);
        if (l.rph() > 0) rph.adjust(at, delta);
        if (l.rpd() > 0) rpd.adjust(at, delta);
    }

    /** Nothing counted and nothing in flight: the subject can be forgotten. */
    boolean idle(long now) {
        return inFlight == 0 && rpm.sum(now) == 0 && rph.sum(now) == 0 && rpd.sum(now) == 0 && tpm.sum(now) == 0;
    }
}
