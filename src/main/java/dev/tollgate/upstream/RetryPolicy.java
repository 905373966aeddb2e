package dev.tollgate.upstream;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

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

    /** Plain decimal numbers only: no NaN, no exponents, no hex, no "5d". */
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,18}(\\.\\d{1,9})?");

    /**
     * Retry-After as seconds or an HTTP date, or OpenAI's retry-after-ms, in milliseconds; -1 when
     * absent or unreadable. An absurdly long wait reads as {@link Long#MAX_VALUE}, i.e. "too long".
     */
    static long parseRetryAfter(String retryAfter, String retryAfterMs) {
        if (retryAfterMs != null && DECIMAL.matcher(retryAfterMs.trim()).matches()) {
            return clampToLong(Math.ceil(Double.parseDouble(retryAfterMs.trim())));
        }
        if (retryAfter == null || retryAfter.isBlank()) return -1;
        String v = retryAfter.trim();
        if (DECIMAL.matcher(v).matches()) return clampToLong(Math.ceil(Double.parseDouble(v) * 1000));
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
        } catch (RuntimeException notDate) {
            return -1;
        }
    }

    private static long clampToLong(double ms) {
        return ms >= 9.0e18 ? Long.MAX_VALUE : (long) ms;
    }
}
