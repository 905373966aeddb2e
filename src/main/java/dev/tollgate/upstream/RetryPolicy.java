package dev.tollgate.upstream;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how long to wait before retrying an upstream call: connection errors and 408, 429,
 * 500, 502, 503, 504; exponential back-off with jitter; the upstream's Retry-After honoured.
 */
public final class RetryPolicy {

    private final int baseDelayMs;
    private final int maxWaitMs;

    public RetryPolicy(int baseDelayMs, int maxWaitMs) {
        this.baseDelayMs = baseDelayMs;
        this.maxWaitMs = maxWaitMs;
    }

    public static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    /**
     * Milliseconds to wait before retry number {@code retry} (0 = first retry), or -1 when the
     * upstream asked for a longer wait than the gateway may spend (its answer then goes to the caller).
     */
    public long delayMs(int retry, String retryAfter, String retryAfterMs) {
        long asked = parseRetryAfter(retryAfter, retryAfterMs);
        if (asked >= 0) return asked > maxWaitMs ? -1 : asked;
        long exp = (long) baseDelayMs << Math.min(retry, 20);
        long jitter = exp == 0 ? 0 : ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        return Math.min(exp + jitter, maxWaitMs);
    }

    /** Retry-After as seconds or an HTTP date, or OpenAI's retry-after-ms; -1 when absent or unreadable. */
    static long parseRetryAfter(String retryAfter, String retryAfterMs) {
        if (retryAfterMs != null) {
            try {
                double ms = Double.parseDouble(retryAfterMs.trim());
                if (ms >= 0 && ms < 1e9) return (long) Math.ceil(ms);
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        if (retryAfter == null || retryAfter.isBlank()) return -1;
        String v = retryAfter.trim();
        try {
            double seconds = Double.parseDouble(v);
            return seconds < 0 || seconds > 1e6 ? -1 : (long) Math.ceil(seconds * 1000);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
            } catch (RuntimeException notDate) {
                return -1;
            }
        }
    }
}
