package dev.tollgate.limits;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Rate limits of every subject a request touches (key, user, team, model, client IP), held in
 * memory. A request is admitted only if every subject has room; then it is counted in all of
 * them, or in none. The clock is injectable so tests can walk window edges exactly.
 */
public final class RateLimiter {

    /** One subject and the limits it has for this request. */
    public record Subject(String name, Limits limits) {}

    private final LongSupplier clock;
    private final ConcurrentHashMap<String, SubjectLimiter> subjects = new ConcurrentHashMap<>();

    public RateLimiter(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    /** The outcome: a permit to release when the request ends, or the denial. */
    public record Result(Permit permit, Denial denial) {}

    public Result acquire(List<Subject> wanted, long tokens) {
        long now = clock.getAsLong();
        List<Held> held = new ArrayList<>(wanted.size());
        for (Subject s : wanted) {
            if (s.limits().isEmpty()) continue;
            while (true) {
                SubjectLimiter limiter = subjects.computeIfAbsent(s.name(), SubjectLimiter::new);
                Denial denial;
                synchronized (limiter) {
                    if (limiter.retired) continue;
                    denial = limiter.tryAcquire(s.limits(), now, tokens);
                }
                if (denial != null) {
                    for (Held h : held) h.release(now, true, -tokens);
                    return new Result(null, denial);
                }
                held.add(new Held(limiter, s.limits()));
                break;
            }
        }
        return new Result(new Permit(held, now, tokens), null);
    }

    /**
     * Counted requests for a data plane's slice: how many ({@code 0} with the full window's denial)
     * and when they were counted.
     */
    public record Counted(long count, long at, Denial denial) {}

    /**
     * Counts up to {@code want} requests of one subject at once, as many as every request window
     * has room for but at most {@code share} of that room (a slice granted to a data plane).
     */
    public Counted count(Subject s, long want, java.util.function.LongUnaryOperator share) {
        long now = clock.getAsLong();
        while (true) {
            SubjectLimiter limiter = subjects.computeIfAbsent(s.name(), SubjectLimiter::new);
            synchronized (limiter) {
                if (limiter.retired) continue;
                long room = limiter.requestRoom(s.limits(), now);
                long n = Math.min(Math.min(want, room), share.applyAsLong(room));
                if (n <= 0) {
                    Denial d = limiter.requestsFull(s.limits(), now);
                    return new Counted(0, now, d != null ? d : new Denial(s.name(), "rpm", s.limits().rpm(), 1000));
                }
                limiter.addRequests(s.limits(), now, n);
                return new Counted(n, now, null);
            }
        }
    }

    /**
     * Moves {@code n} requests counted at {@code from} to now ({@code n < 0}: only uncounts
     * {@code -n}). Moved forward, they count as long as the last of them could have been admitted.
     */
    public long recount(Subject s, long from, long n) {
        long now = clock.getAsLong();
        while (true) {
            SubjectLimiter limiter = subjects.computeIfAbsent(s.name(), SubjectLimiter::new);
            synchronized (limiter) {
                if (limiter.retired) continue;
                limiter.adjustRequests(s.limits(), from, -Math.abs(n));
                if (n > 0) limiter.addRequests(s.limits(), now, n);
                return now;
            }
        }
    }

    /** The windows of these subjects now, tightest request window first. */
    public List<WindowState> state(List<Subject> wanted) {
        long now = clock.getAsLong();
        List<WindowState> out = new ArrayList<>();
        for (Subject s : wanted) {
            if (s.limits().isEmpty()) continue;
            SubjectLimiter limiter = subjects.get(s.name());
            if (limiter == null) limiter = new SubjectLimiter(s.name());
            synchronized (limiter) {
                out.addAll(limiter.state(s.limits(), now));
            }
        }
        return out;
    }

    /** Forgets subjects with nothing counted (client IPs come and go); run now and then. */
    public void sweep() {
        long now = clock.getAsLong();
        for (SubjectLimiter limiter : subjects.values()) {
            synchronized (limiter) {
                if (limiter.idle(now)) {
                    limiter.retired = true;
                    subjects.remove(limiter.name, limiter);
                }
            }
        }
    }

    int subjectCount() {
        return subjects.size();
    }

    private record Held(SubjectLimiter limiter, Limits limits) {
        void release(long at, boolean refund, long tokenDelta) {
            synchronized (limiter) {
                limiter.release(limits, at, refund, tokenDelta);
            }
        }
    }

    /** What an admitted request holds; released exactly once when it ends. */
    public static final class Permit {
        private final List<Held> held;
        private final long at;
        private final long reservedTokens;
        private boolean released;

        private Permit(List<Held> held, long at, long reservedTokens) {
            this.held = held;
            this.at = at;
            this.reservedTokens = reservedTokens;
        }

        public boolean empty() {
            return held.isEmpty();
        }

        /**
         * Ends the request: frees concurrency, replaces the token estimate by the actual count
         * (when known, else keeps the estimate) and, if {@code refundRequest}, uncounts it.
         */
        public void release(boolean refundRequest, long actualTokens) {
            if (released) return;
            released = true;
            long delta = actualTokens < 0 ? 0 : actualTokens - reservedTokens;
            for (Held h : held) h.release(at, refundRequest, delta);
        }
    }
}
