package dev.tollgate.sharedstate.redis;

import dev.tollgate.budget.Budget;

/**
 * Names of Tollgate's Redis keys. Every one starts with the prefix as a hash tag ({@code {tollgate:}…}),
 * so all keys of one admission sit in one cluster slot and one script may touch them all.
 */
record RedisKeys(String tag) {

    static RedisKeys of(String prefix) {
        return new RedisKeys("{" + prefix + "}");
    }

    /** Hash of a subject's window: slot → amount, "sum", "first" and "last" slot, "exp". */
    String window(String subject, String window) {
        return tag + "win:" + subject + ":" + window;
    }

    /** List of the same window's slots, oldest first. */
    String windowSlots(String subject, String window) {
        return tag + "win:" + subject + ":" + window + ":l";
    }

    /** Sorted set of a subject's requests in flight: reservation id by deadline. */
    String inFlight(String subject) {
        return tag + "c:" + subject;
    }

    /**
     * Hash of a budget's period: "spent", "reserved" (micro-dollars), "open" reservations, "since"
     * and "r:&lt;id&gt;" → a reservation's worst case.
     */
    String budget(String subject, Budget b, long periodStart) {
        return tag + "b:" + subject + ":" + b.period().id() + ":" + periodStart;
    }

    /** The pub/sub channel of key, user and team changes. */
    String changes() {
        return tag + "changes";
    }

    /** Sorted set of the same period's open reservations by deadline. */
    String reservations(String budgetKey) {
        return budgetKey + ":r";
    }
}
