package dev.tollgate.ui;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed sign-ins per client address: {@link #MAX_FAILURES} a minute, then refused until the minute
 * is over, so the admin token cannot be guessed through the sign-in form.
 */
final class SignInLimiter {

    static final int MAX_FAILURES = 5;
    static final long WINDOW_MILLIS = 60_000;
    private static final int MAX_TRACKED = 100_000;

    private record Window(long start, int failures) {}

    private final LongSupplier clock;
    private final Map<String, Window> byIp = new ConcurrentHashMap<>();

    SignInLimiter(LongSupplier clock) {
        this.clock = clock;
    }

    /** Seconds until this address may try again, or 0 when it may try now. */
    long retryAfterSeconds(String ip) {
        Window w = byIp.get(ip);
        long now = clock.getAsLong();
        if (w == null || now - w.start >= WINDOW_MILLIS || w.failures < MAX_FAILURES) return 0;
        return Math.max(1, (w.start + WINDOW_MILLIS - now + 999) / 1000);
    }

    void failed(String ip) {
        long now = clock.getAsLong();
        if (byIp.size() >= MAX_TRACKED) byIp.values().removeIf(w -> now - w.start >= WINDOW_MILLIS);
        byIp.compute(ip, (k, w) -> w == null || now - w.start >= WINDOW_MILLIS ? new Window(now, 1) : new Window(w.start, w.failures + 1));
    }
}
