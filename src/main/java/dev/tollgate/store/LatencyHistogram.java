package dev.tollgate.store;

/**
 * Latency buckets of the hourly rollup: bucket 0 holds latencies under 1 ms, bucket {@code b >= 1}
 * holds [1.1^(b-1), 1.1^b) ms. A percentile read from the buckets is the bucket's geometric middle,
 * within 4.9 % (sqrt(1.1) - 1) of the true value; 200 buckets reach past 5 hours.
 */
public final class LatencyHistogram {

    private static final double RATIO = 1.1;
    private static final double LOG_RATIO = Math.log(RATIO);
    public static final int BUCKETS = 200;

    private final long[] counts = new long[BUCKETS];
    private long total;

    public static int bucket(long millis) {
        if (millis < 1) return 0;
        int b = 1 + (int) Math.floor(Math.log(millis) / LOG_RATIO + 1e-9);
        return Math.min(BUCKETS - 1, b);
    }

    /** The value a bucket stands for: its geometric middle (0 for bucket 0). */
    public static double middle(int bucket) {
        return bucket == 0 ? 0 : Math.pow(RATIO, bucket - 0.5);
    }

    public void add(int bucket, long n) {
        counts[Math.max(0, Math.min(BUCKETS - 1, bucket))] += n;
        total += n;
    }

    public long total() {
        return total;
    }

    /** The {@code p} percentile (0 < p <= 1) in ms, rounded; -1 when empty. */
    public long percentile(double p) {
        if (total == 0) return -1;
        long rank = Math.max(1, (long) Math.ceil(p * total));
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += counts[b];
            if (seen >= rank) return Math.round(middle(b));
        }
        return Math.round(middle(BUCKETS - 1));
    }

    /** The exact {@code p} percentile of sorted values (nearest rank); -1 when empty. */
    public static long exact(long[] sorted, double p) {
        if (sorted.length == 0) return -1;
        int rank = (int) Math.max(1, Math.ceil(p * sorted.length));
        return sorted[rank - 1];
    }
}
