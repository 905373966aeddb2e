package dev.tollgate.upstream;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {

    private static final int BASE = 100;
    private static final int MAX_WAIT = 60_000;

    private final RetryPolicy policy = new RetryPolicy(BASE, MAX_WAIT);

    private static String httpDate(ZonedDateTime t) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(t);
    }

    // ---- retryable statuses ------------------------------------------------------------------

    @Test
    void retryableStatusesAreExactlyTheTransientOnes() {
        Set<Integer> retryable = new HashSet<>();
        for (int s = 100; s <= 599; s++) if (RetryPolicy.retryableStatus(s)) retryable.add(s);
        assertThat(retryable).containsExactlyInAnyOrder(408, 429, 500, 502, 503, 504);
    }

    @Test
    void statusesOutsideHttpRangeAreNotRetryable() {
        assertThat(RetryPolicy.retryableStatus(0)).isFalse();
        assertThat(RetryPolicy.retryableStatus(-1)).isFalse();
        assertThat(RetryPolicy.retryableStatus(999)).isFalse();
    }

    // ---- Retry-After ----------------------------------------------------------------------------

    @Test
    void retryAfterSeconds() {
        assertThat(policy.delayMs(0, "3", null)).isEqualTo(3_000);
        assertThat(policy.delayMs(5, "0", null)).isEqualTo(0);
        assertThat(policy.delayMs(0, " 7 ", null)).isEqualTo(7_000);
    }

    @Test
    void retryAfterFractionalSecondsRoundUpToWholeMillis() {
        assertThat(policy.delayMs(0, "1.5", null)).isEqualTo(1_500);
        assertThat(policy.delayMs(0, "0.0001", null)).isEqualTo(1);
        assertThat(RetryPolicy.parseRetryAfter("2.25", null)).isEqualTo(2_250);
    }

    @Test
    void retryAfterHttpDateInTheFuture() {
        ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30);
        long d = policy.delayMs(0, httpDate(at), null);
        // the date has whole-second precision, and a little time passes while the test runs
        assertThat(d).isBetween(28_000L, 30_000L);
    }

    @Test
    void retryAfterHttpDateWithGmtLiteral() {
        ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(20);
        String gmt = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ENGLISH).format(at);
        assertThat(policy.delayMs(0, gmt, null)).isBetween(18_000L, 20_000L);
    }

    @Test
    void retryAfterHttpDateInThePastMeansNoWait() {
        assertThat(policy.delayMs(0, "Wed, 21 Oct 2015 07:28:00 GMT", null)).isEqualTo(0);
        assertThat(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", null)).isEqualTo(0);
    }

    @Test
    void retryAfterHttpDateBeyondMaxWaitGivesUp() {
        ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).plusHours(2);
        assertThat(policy.delayMs(0, httpDate(at), null)).isEqualTo(-1);
    }

    @Test
    void retryAfterMsIsPreferredOverRetryAfter() {
        assertThat(policy.delayMs(0, "10", "250")).isEqualTo(250);
        assertThat(policy.delayMs(0, "10", "12.3")).isEqualTo(13);
        assertThat(policy.delayMs(0, null, "0")).isEqualTo(0);
    }

    @Test
    void unreadableRetryAfterMsFallsBackToRetryAfter() {
        assertThat(policy.delayMs(0, "2", "soon")).isEqualTo(2_000);
        assertThat(policy.delayMs(0, "2", "-5")).isEqualTo(2_000);
        assertThat(policy.delayMs(0, "2", "")).isEqualTo(2_000);
    }

    @Test
    void garbageRetryAfterIsIgnoredInFavourOfBackOff() {
        for (String garbage : new String[] {"soon", "", "   ", "-3", "1,5", "Wed, 99 Foo 2015 07:28:00 GMT", "12s"}) {
            assertThat(RetryPolicy.parseRetryAfter(garbage, null)).as(garbage).isEqualTo(-1);
            assertThat(policy.delayMs(0, garbage, null)).as(garbage).isBetween((long) BASE, (long) (BASE * 1.5));
        }
        assertThat(RetryPolicy.parseRetryAfter(null, null)).isEqualTo(-1);
        assertThat(RetryPolicy.parseRetryAfter(null, "x")).isEqualTo(-1);
    }

    @Test
        void nanRetryAfterIsGarbage() {
        assertThat(RetryPolicy.parseRetryAfter("NaN", null)).isEqualTo(-1);
        assertThat(policy.delayMs(0, "NaN", null)).isBetween((long) BASE, (long) (BASE * 1.5));
    }

    @Test
    void waitLongerThanMaxWaitGivesUp() {
        RetryPolicy p = new RetryPolicy(100, 5_000);
        assertThat(p.delayMs(0, "5", null)).isEqualTo(5_000);
        assertThat(p.delayMs(0, "5.001", null)).isEqualTo(-1);
        assertThat(p.delayMs(0, "6", null)).isEqualTo(-1);
        assertThat(p.delayMs(0, null, "5000")).isEqualTo(5_000);
        assertThat(p.delayMs(0, null, "5001")).isEqualTo(-1);
        assertThat(p.delayMs(0, "1", "5001")).isEqualTo(-1);
    }

    @Test
    void hugeRetryAfterGivesUpRatherThanRetrying() {
        assertThat(policy.delayMs(0, "2000000", null)).isEqualTo(-1);
        assertThat(policy.delayMs(0, null, "1000000000")).isEqualTo(-1);
    }

    // ---- exponential back-off ------------------------------------------------------------------

    @Test
    void backOffIsExponentialWithUpToFiftyPercentJitter() {
        RetryPolicy p = new RetryPolicy(BASE, 1_000_000);
        for (int n = 0; n <= 8; n++) {
            long lo = (long) BASE << n;
            long hi = lo + lo / 2;
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            Set<Long> distinct = new HashSet<>();
            for (int i = 0; i < 2_000; i++) {
                long d = p.delayMs(n, null, null);
                assertThat(d).as("retry %d", n).isBetween(lo, hi);
                min = Math.min(min, d);
                max = Math.max(max, d);
                distinct.add(d);
            }
            // the jitter actually spreads over the range
            assertThat(distinct).as("retry %d", n).hasSizeGreaterThan(10);
            assertThat(min).as("retry %d", n).isLessThan(lo + (hi - lo) / 5);
            assertThat(max).as("retry %d", n).isGreaterThan(hi - (hi - lo) / 5);
        }
    }

    @Test
    void backOffIsCappedAtMaxWait() {
        RetryPolicy p = new RetryPolicy(100, 1_000);
        for (int i = 0; i < 500; i++) {
            assertThat(p.delayMs(2, null, null)).isBetween(400L, 600L);
            assertThat(p.delayMs(3, null, null)).isBetween(800L, 1_000L);
            assertThat(p.delayMs(4, null, null)).isEqualTo(1_000);
            assertThat(p.delayMs(30, null, null)).isEqualTo(1_000);
            assertThat(p.delayMs(63, null, null)).isEqualTo(1_000);
            assertThat(p.delayMs(Integer.MAX_VALUE, null, null)).isEqualTo(1_000);
        }
    }

    @Test
    void zeroBaseDelayMeansImmediateRetry() {
        RetryPolicy p = new RetryPolicy(0, 1_000);
        assertThat(p.delayMs(0, null, null)).isEqualTo(0);
        assertThat(p.delayMs(5, null, null)).isEqualTo(0);
    }

    @Test
    void retryAfterOverridesBackOffEvenForLaterRetries() {
        assertThat(policy.delayMs(6, "1", null)).isEqualTo(1_000);
    }
}
