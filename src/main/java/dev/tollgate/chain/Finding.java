package dev.tollgate.chain;

/**
 * Something a policy noticed: goes into the request log's {@code flags}. Audit-only findings are
 * never disclosed to the caller.
 */
public record Finding(String policy, String type, String description, Action action) {

    public enum Action { AUDIT, REDACT, BLOCK }
}
