package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

/**
 * Anthropic's token counts. Anthropic's {@code input_tokens} excludes the cache, so OpenAI's
 * {@code prompt_tokens} is the sum of the three input counts. The raw counts are kept in the
 * OpenAI usage object too, because cache writes cost more than plain input and
 * {@link dev.tollgate.usage.TokenUsage#fromUsage} reads them to price them.
 *
 * @param cacheCreation the TTL breakdown of cache writes ({@code cache_creation}), or null
 */
record AnthropicUsage(long input, long output, long cacheRead, long cacheWrite, JsonNode cacheCreation) {

    static final AnthropicUsage ZERO = new AnthropicUsage(0, 0, 0, 0, null);

    static AnthropicUsage from(JsonNode usage) {
        return ZERO.update(usage);
    }

    /**
     * The counts present in {@code usage} replace ours: {@code message_delta} counts are
     * cumulative, and each is optional except {@code output_tokens}.
     */
    AnthropicUsage update(JsonNode usage) {
        if (usage == null || !usage.isObject()) return this;
        JsonNode detail = usage.get("cache_creation");
        return new AnthropicUsage(
                count(usage, "input_tokens", input),
                count(usage, "output_tokens", output),
                count(usage, "cache_read_input_tokens", cacheRead),
                count(usage, "cache_creation_input_tokens", cacheWrite),
                detail != null && detail.isObject() ? detail : cacheCreation);
    }

    /** OpenAI's usage object, followed by Anthropic's raw counts. */
    ObjectNode toOpenAi() {
        long prompt = input + cacheRead + cacheWrite;
        ObjectNode u = Json.object();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", output);
        u.put("total_tokens", prompt + output);
        u.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
        u.put("input_tokens", input);
        u.put("output_tokens", output);
        u.put("cache_read_input_tokens", cacheRead);
        u.put("cache_creation_input_tokens", cacheWrite);
        if (cacheCreation != null) u.set("cache_creation", cacheCreation.deepCopy());
        return u;
    }

    private static long count(JsonNode usage, String field, long otherwise) {
        JsonNode v = usage.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) return otherwise;
        return Math.max(0, v.longValue());
    }
}
