package dev.tollgate.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the distinct values of one label: the first {@code max} values seen are kept, any later
 * new one becomes {@value #OTHER}. Values are clipped to {@value #MAX_LENGTH} characters first.
 * Each kept value is returned as one shared instance, so the meters keyed by it hash it once.
 */
public final class LabelCap {

    public static final String OTHER = "other";
    static final int MAX_LENGTH = 100;

    private final int max;
    private final ConcurrentHashMap<String, String> kept = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    public LabelCap(int max) {
        this.max = max;
    }

    /** The label value for {@code value} (not null): itself while there is room, else {@value #OTHER}. */
    public String of(String value) {
        String known = kept.get(value);
        if (known != null) return known;
        String clipped = value.length() > MAX_LENGTH ? value.substring(0, MAX_LENGTH) : value;
        if (clipped != value && (known = kept.get(clipped)) != null) return known;
        if (size.incrementAndGet() > max) {
            size.decrementAndGet();
            return OTHER;
        }
        known = kept.putIfAbsent(clipped, clipped);
        if (known != null) {
            size.decrementAndGet(); // another thread kept it first
            return known;
        }
        return clipped;
    }

    /** How many distinct values are kept. */
    public int size() {
        return kept.size();
    }
}
