package dev.tollgate.store;

/**
 * One request's usage and cost, attributed. {@code usageSource} says where the token counts came
 * from: "upstream" (the provider's usage object), "estimated" (counted by Tollgate) or "none".
 * {@code rowId} is made where the row is recorded: the database keeps one row per id, so writing a
 * row again (a spool replayed after a crash) never counts it twice. It is not derived from the
 * request id, which can come from the caller's or the upstream's x-request-id and so is not unique.
 */
public record LedgerRow(String rowId, long ts, String requestId, String keyId, String user, String team, String model, String endpoint,
                        int status, long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
                        long reasoningTokens, long costNanoUsd, String usageSource, boolean priced) {

    /** A fresh row id: 24 random hex digits after "lr_". */
    public static String newRowId() {
        return dev.tollgate.keys.RandomIds.of("lr_", 12);
    }
}
