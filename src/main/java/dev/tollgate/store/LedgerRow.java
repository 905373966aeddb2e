package dev.tollgate.store;

/**
 * One request's usage and cost, attributed. {@code usageSource} says where the token counts came
 * from: "upstream" (the provider's usage object), "estimated" (counted by Tollgate) or "none".
 * {@code rowId} is made where the row is recorded: the database keeps one row per id, so writing a
 * row again (a spool replayed after a crash) never counts it twice. It is not derived from the
 * request id, which can come from the caller's or the upstream's x-request-id and so is not unique.
 * The request record's details: {@code latencyMs} (the whole request), {@code ttfbMs} (streams: to
 * the first byte sent back; null otherwise), {@code findings} (a JSON array of policy and action,
 * or null), and {@code prompt} / {@code answer}, only when request / response logging is on.
 */
public record LedgerRow(String rowId, long ts, String requestId, String keyId, String user, String team, String model, String endpoint,
                        int status, long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
                        long reasoningTokens, long costNanoUsd, String usageSource, boolean priced,
                        Long latencyMs, Long ttfbMs, String findings, String prompt, String answer) {

    /** A row without a request record's details (tools and tests). */
    public LedgerRow(String rowId, long ts, String requestId, String keyId, String user, String team, String model, String endpoint,
                     int status, long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
                     long reasoningTokens, long costNanoUsd, String usageSource, boolean priced) {
        this(rowId, ts, requestId, keyId, user, team, model, endpoint, status, inputTokens, cachedInputTokens, cacheWriteTokens,
                outputTokens, reasoningTokens, costNanoUsd, usageSource, priced, null, null, null, null, null);
    }

    /** A fresh row id: 24 random hex digits after "lr_". */
    public static String newRowId() {
        return dev.tollgate.keys.RandomIds.of("lr_", 12);
    }

    /** Whether the row carries prompt or answer text (stored in request_texts). */
    public boolean hasText() {
        return prompt != null || answer != null;
    }
}
