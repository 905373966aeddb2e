package dev.tollgate.usage;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The billable quantities of one answer, in one shape whatever the provider reported.
 *
 * @param inputTokens       every prompt token: uncached, cached and cache-written together
 * @param cachedInputTokens prompt tokens read from a cache (part of inputTokens)
 * @param cacheWriteTokens  prompt tokens written to Anthropic's cache (part of inputTokens)
 * @param outputTokens      every output token, reasoning included
 * @param reasoningTokens   hidden reasoning tokens (part of outputTokens; informational, never priced twice)
 * @param images            images generated, for per-image (DALL-E) pricing; usage objects do not carry it
 * @param imageInputTokens  image tokens of the prompt (gpt-image-1 edits; part of inputTokens)
 */
public record TokenUsage(long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
                         long reasoningTokens, int images, long imageInputTokens) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0, 0, 0);

    /** Rejects negative counts: they are programming errors ({@link #fromUsage} never makes them). */
    public TokenUsage {
        if (inputTokens < 0 || cachedInputTokens < 0 || cacheWriteTokens < 0 || outputTokens < 0
                || reasoningTokens < 0 || images < 0 || imageInputTokens < 0) {
            throw new IllegalArgumentException("TokenUsage: counts must not be negative");
        }
    }

    /** Without image input tokens. */
    public TokenUsage(long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
                      long reasoningTokens, int images) {
        this(inputTokens, cachedInputTokens, cacheWriteTokens, outputTokens, reasoningTokens, images, 0);
    }

    /** The same usage with an image count (from the answer's {@code data} array). */
    public TokenUsage withImages(int count) {
        return new TokenUsage(inputTokens, cachedInputTokens, cacheWriteTokens, outputTokens, reasoningTokens, count,
                imageInputTokens);
    }

    /**
     * Reads any usage object: OpenAI chat/completions ({@code prompt_tokens},
     * {@code completion_tokens}, {@code prompt_tokens_details.cached_tokens},
     * {@code completion_tokens_details.reasoning_tokens}), Responses ({@code input_tokens},
     * {@code output_tokens}, {@code input_tokens_details.cached_tokens},
     * {@code output_tokens_details.reasoning_tokens}), embeddings ({@code prompt_tokens},
     * {@code total_tokens}), gpt-image-1 ({@code input_tokens_details.text_tokens / image_tokens}),
     * Anthropic ({@code input_tokens} excludes the cache: the total is input +
     * {@code cache_read_input_tokens} + {@code cache_creation_input_tokens}) and Gemini's native
     * {@code usageMetadata} ({@code promptTokenCount}, {@code cachedContentTokenCount},
     * {@code candidatesTokenCount} + {@code thoughtsTokenCount}).
     *
     * <p>Missing, null, negative and non-integer counts are 0; parts are capped at their whole
     * (cached ≤ input, reasoning ≤ output), so a malformed answer can never make a negative cost.
     * Null or a non-object gives {@link #ZERO}.
     */
    public static TokenUsage fromUsage(JsonNode usage) {
        if (usage == null || !usage.isObject()) return ZERO;
        if (usage.has("cache_read_input_tokens") || usage.has("cache_creation_input_tokens")) {
            long read = count(usage, "cache_read_input_tokens");
            long write = count(usage, "cache_creation_input_tokens");
            long input = Saturating.add(Saturating.add(count(usage, "input_tokens"), read), write);
            return new TokenUsage(input, read, write, count(usage, "output_tokens"), 0, 0, 0);
        }
        if (usage.has("promptTokenCount") || usage.has("candidatesTokenCount")) {
            long input = count(usage, "promptTokenCount");
            long thoughts = count(usage, "thoughtsTokenCount");
            long output = Saturating.add(count(usage, "candidatesTokenCount"), thoughts);
            return new TokenUsage(input, Math.min(count(usage, "cachedContentTokenCount"), input), 0, output,
                    thoughts, 0, 0);
        }
        boolean chat = usage.has("prompt_tokens") || usage.has("completion_tokens");
        long output = chat ? count(usage, "completion_tokens") : count(usage, "output_tokens");
        long input = chat ? count(usage, "prompt_tokens") : count(usage, "input_tokens");
        if (!usage.has("prompt_tokens") && !usage.has("input_tokens")) {
            input = Math.max(0, count(usage, "total_tokens") - output);
        }
        JsonNode inDetails = usage.get(chat ? "prompt_tokens_details" : "input_tokens_details");
        JsonNode outDetails = usage.get(chat ? "completion_tokens_details" : "output_tokens_details");
        long cached = Math.min(count(inDetails, "cached_tokens"), input);
        long imageInput = Math.min(count(inDetails, "image_tokens"), input - cached);
        long reasoning = Math.min(count(outDetails, "reasoning_tokens"), output);
        return new TokenUsage(input, cached, 0, output, reasoning, 0, imageInput);
    }

    private static long count(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) return 0;
        return Math.max(0, v.longValue());
    }

}
