package dev.tollgate.store;

/**
 * One request's usage and cost, attributed. {@code usageSource} says where the token counts came
 * from: "upstream" (the provider's usage object), "estimated" (counted by Tollgate) or "none".
 */
public record LedgerRow(long ts, String requestId, String keyId, String user, String team, String model, String endpoint,
                        int status, long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
                        long reasoningTokens, long costNanoUsd, String usageSource, boolean priced) {}
