package dev.tollgate.wire;

/** How much of an answer the policies of one request read; the codec decodes no more than that. */
public enum Interest {
    /** Nothing: frames are relayed as they came, undecoded. */
    NONE,
    /** Identity, usage and the end; other frames stay opaque (found by byte scans, parsed only when needed). */
    USAGE,
    /** Every typed event: text, tool calls, finishes. */
    EVENTS;

    public Interest max(Interest other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
