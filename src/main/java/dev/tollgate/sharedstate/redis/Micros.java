package dev.tollgate.sharedstate.redis;

/**
 * Money in Redis is integer micro-dollars; the ledger keeps nano-dollars. Conversions round the way
 * that can never let a budget be overspent: reservations and costs up, the budget's amount down.
 */
final class Micros {

    private Micros() {}

    static long up(long nano) {
        return nano <= 0 ? 0 : Math.floorDiv(nano - 1, 1000) + 1;
    }

    static long down(long nano) {
        return Math.max(0, Math.floorDiv(nano, 1000));
    }

    static long toNano(long micro) {
        return micro >= Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : micro * 1000;
    }
}
