package dev.tollgate.limits;

/**
 * Amounts added at points in time, summed over a rolling window: an entry made at {@code t}
 * counts while {@code now < slot(t) + window}, where {@code slot} rounds up to the counter's
 * resolution (1 ms for minute windows, 0.1 s for the hour, 1 s for the day: never early, at most
 * one resolution step late). Entries of one slot merge, so a window holds at most
 * min(admitted amounts, window / resolution) entries in a ring: bounded memory at any request
 * rate. Not thread-safe: its owner ({@link SubjectLimiter}) locks.
 */
final class SlidingCounter {

    private final long windowMs;
    private final long resolutionMs;
    private long[] times = new long[8];
    private long[] amounts = new long[8];
    private int head;   // oldest entry
    private int size;
    private long sum;
    private int zeros;  // entries refunded to 0, compacted away when they pile up

    SlidingCounter(long windowMs) {
        this(windowMs, 1);
    }

    SlidingCounter(long windowMs, long resolutionMs) {
        this.windowMs = windowMs;
        this.resolutionMs = resolutionMs;
    }

    private long slot(long t) {
        return resolutionMs == 1 ? t : Math.floorDiv(t + resolutionMs - 1, resolutionMs) * resolutionMs;
    }

    /** The amount within the window at {@code now}. */
    long sum(long now) {
        expire(now);
        return sum;
    }

    void add(long now, long amount) {
        expire(now);
        now = slot(now);
        if (size > 0) {
            int last = index(size - 1);
            if (times[last] == now) {
                if (amounts[last] == 0) zeros--;
                amounts[last] += amount;
                sum += amount;
                return;
            }
        }
        if (size == times.length) grow();
        int at = index(size);
        times[at] = now;
        amounts[at] = amount;
        size++;
        sum += amount;
    }

    /**
     * Changes the amount recorded at {@code time} (a refund, or a token estimate settled to the
     * actual count). Nothing happens when that entry has already left the window.
     */
    void adjust(long time, long delta) {
        time = slot(time);
        for (int i = size - 1; i >= 0; i--) {
            int at = index(i);
            if (times[at] < time) return;
            if (times[at] == time) {
                long before = amounts[at];
                long after = Math.max(0, before + delta);
                amounts[at] = after;
                sum += after - before;
                if (before != 0 && after == 0) zeros++;
                if (before == 0 && after != 0) zeros--;
                if (zeros > 16 && zeros > size / 2) compact();
                return;
            }
        }
    }

    /**
     * Milliseconds from {@code now} until the window has room for {@code amount} more under
     * {@code limit}: 0 when it has room now, -1 when it never will (amount above the limit).
     */
    long waitFor(long now, long amount, long limit) {
        if (amount > limit) return -1;
        expire(now);
        long excess = sum + amount - limit;
        if (excess <= 0) return 0;
        for (int i = 0; i < size; i++) {
            int at = index(i);
            excess -= amounts[at];
            if (excess <= 0) return times[at] + windowMs - now;
        }
        return windowMs;
    }

    /** Milliseconds until the window is empty again (the newest entry leaves); 0 when empty. O(1). */
    long untilEmpty(long now) {
        expire(now);
        return size == 0 ? 0 : times[index(size - 1)] + windowMs - now;
    }

    private void expire(long now) {
        long cutoff = now - windowMs;
        while (size > 0 && times[head] <= cutoff) {
            sum -= amounts[head];
            if (amounts[head] == 0) zeros--;
            head = (head + 1) % times.length;
            size--;
        }
        if (size == 0) head = 0;
    }

    private int index(int i) {
        return (head + i) % times.length;
    }

    private void grow() {
        long[] t = new long[times.length * 2];
        long[] a = new long[times.length * 2];
        for (int i = 0; i < size; i++) {
            t[i] = times[index(i)];
            a[i] = amounts[index(i)];
        }
        times = t;
        amounts = a;
        head = 0;
    }

    private void compact() {
        long[] t = new long[times.length];
        long[] a = new long[times.length];
        int n = 0;
        for (int i = 0; i < size; i++) {
            int at = index(i);
            if (amounts[at] != 0) {
                t[n] = times[at];
                a[n] = amounts[at];
                n++;
            }
        }
        times = t;
        amounts = a;
        head = 0;
        size = n;
        zeros = 0;
    }
}
