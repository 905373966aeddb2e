package dev.tollgate.usage;

/**
 * Arithmetic on non-negative token counts and amounts that stops at {@link Long#MAX_VALUE}
 * instead of wrapping: a count a caller or an upstream inflated can only refuse a request, never
 * turn into a small or negative number that admits it.
 */
public final class Saturating {

    private Saturating() {}

    /** Sum of two non-negative numbers. */
    public static long add(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /** Product of two non-negative numbers. */
    public static long multiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }
}
