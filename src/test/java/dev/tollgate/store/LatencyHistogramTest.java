package dev.tollgate.store;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyHistogramTest {

    @Test
    void bucketsAreTenPercentWideAndPercentilesAreWithinFivePercent() {
        assertThat(LatencyHistogram.bucket(0)).isZero();
        assertThat(LatencyHistogram.bucket(1)).isEqualTo(1);
        assertThat(LatencyHistogram.bucket(100)).isEqualTo(49);
        assertThat(LatencyHistogram.bucket(Long.MAX_VALUE)).isEqualTo(LatencyHistogram.BUCKETS - 1);
        for (long ms = 1; ms < 3_600_000; ms = ms * 11 / 10 + 1) {
            double mid = LatencyHistogram.middle(LatencyHistogram.bucket(ms));
            assertThat(Math.abs(mid - ms) / ms).as("%d ms", ms).isLessThan(0.049);
        }
        LatencyHistogram h = new LatencyHistogram();
        for (long ms = 1; ms <= 1_000; ms++) h.add(LatencyHistogram.bucket(ms), 1);
        assertThat(h.total()).isEqualTo(1_000);
        assertThat(h.percentile(0.50)).isEqualTo(514); // true 500: +2.8 %
        assertThat(h.percentile(0.95)).isEqualTo(911); // true 950: -4.1 %
        assertThat(new LatencyHistogram().percentile(0.5)).isEqualTo(-1);
        assertThat(LatencyHistogram.exact(new long[]{10, 50, 200, 300}, 0.5)).isEqualTo(50);
    }
}
