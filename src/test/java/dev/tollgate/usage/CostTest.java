package dev.tollgate.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exact costs, in nano-USD, for each priced model family of the built-in table. */
class CostTest {

    private static final PriceTable PRICES = PriceTable.builtIn();

    private static long cost(String model, String usageJson) throws Exception {
        ModelPrice p = PRICES.lookup(model);
        assertThat(p).as(model).isNotNull();
        return Cost.nanoUsd(p, TokenUsage.fromUsage(Json.parse(usageJson)));
    }

    @Test
    void openAiChatWithCachedAndReasoningTokens() throws Exception {
        // gpt-5-mini: input 0.25, cached 0.025, output 2.00 per 1M.
        // 176 uncached × 250,000 + 1024 cached × 25,000 + 900 output × 2,000,000 pico = 1,869,600,000 pico;
        // the 640 reasoning tokens are inside the 900 completion tokens and are not added again.
        assertThat(cost("gpt-5-mini-2025-08-07", """
                {"prompt_tokens": 1200, "completion_tokens": 900, "total_tokens": 2100,
                 "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 640, "audio_tokens": 0}}""")).isEqualTo(1_869_600);
    }

    @Test
    void responsesApiUsage() throws Exception {
        // o3: input 2.00, cached 0.50, output 8.00. 904 × 2,000,000 + 4096 × 500,000 + 1234 × 8,000,000 pico.
        assertThat(cost("o3-2025-04-16", """
                {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 4096},
                 "output_tokens": 1234, "output_tokens_details": {"reasoning_tokens": 1000}, "total_tokens": 6234}"""))
                .isEqualTo(13_728_000);
    }

    @Test
    void embedding() throws Exception {
        // text-embedding-3-small: 0.02 per 1M = 20,000 pico per token; 8 tokens = 160 nano-USD.
        assertThat(cost("text-embedding-3-small", "{\"prompt_tokens\": 8, \"total_tokens\": 8}")).isEqualTo(160);
        assertThat(cost("text-embedding-3-large", "{\"prompt_tokens\": 1000, \"total_tokens\": 1000}")).isEqualTo(130_000);
    }

    @Test
    void dallE3HdTall() {
        ModelPrice dalle3 = PRICES.lookup("dall-e-3");
        assertThat(Cost.imageNanoUsd(dalle3, "1024x1792", "hd", 1)).isEqualTo(120_000_000);
        assertThat(Cost.imageNanoUsd(dalle3, "1024x1792", "hd", 2)).isEqualTo(240_000_000);
        assertThat(Cost.imageNanoUsd(dalle3, null, null, 0)).isEqualTo(40_000_000); // 1024x1024 standard, n = 1
        assertThat(Cost.imageNanoUsd(dalle3, "1792x1024", "standard", 3)).isEqualTo(240_000_000);
    }

    @Test
    void dallE2HasOneQualityAndUnknownQualityCostsTheDearest() {
        ModelPrice dalle2 = PRICES.lookup("dall-e-2");
        assertThat(Cost.imageNanoUsd(dalle2, "256x256", null, 1)).isEqualTo(16_000_000);
        assertThat(Cost.imageNanoUsd(dalle2, "512x512", "hd", 1)).isEqualTo(18_000_000);
        assertThat(Cost.imageNanoUsd(PRICES.lookup("dall-e-3"), "1024x1024", "ultra", 1)).isEqualTo(80_000_000);
    }

    @Test
    void unknownImageSizeOrTokenModelIsAnError() {
        assertThatThrownBy(() -> Cost.imageNanoUsd(PRICES.lookup("dall-e-3"), "512x512", "hd", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model \"dall-e-3\" has no price for image size \"512x512\" (priced: 1024x1024, 1024x1792, 1792x1024)");
        assertThatThrownBy(() -> Cost.imageNanoUsd(PRICES.lookup("gpt-4o"), null, null, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model \"gpt-4o\" is not priced per image");
    }

    @Test
    void gptImage1PricesTextAndImageInputApart() throws Exception {
        // 50 text × 5,000,000 + 200 image × 10,000,000 + 4160 output × 40,000,000 pico = 168,650,000,000 pico.
        assertThat(cost("gpt-image-1", """
                {"total_tokens": 4410, "input_tokens": 250, "output_tokens": 4160,
                 "input_tokens_details": {"text_tokens": 50, "image_tokens": 200}}""")).isEqualTo(168_650_000);
    }

    @Test
    void anthropicWithCacheReadAndCreation() throws Exception {
        // claude-sonnet-4-5: input 3.00, cache read 0.30, cache write 3.75, output 15.00.
        // 50 × 3,000,000 + 10,000 × 300,000 + 2,000 × 3,750,000 + 500 × 15,000,000 pico.
        assertThat(cost("claude-sonnet-4-5-20250929", """
                {"input_tokens": 50, "cache_creation_input_tokens": 2000, "cache_read_input_tokens": 10000,
                 "output_tokens": 500, "service_tier": "standard"}""")).isEqualTo(18_150_000);
    }

    @Test
    void geminiThroughTheOpenAiEndpointAndNatively() throws Exception {
        // gemini-2.5-flash: input 0.30, output 2.50. 10,000 × 300,000 + 2,000 × 2,500,000 pico.
        assertThat(cost("models/gemini-2.5-flash", "{\"prompt_tokens\": 10000, \"completion_tokens\": 2000}"))
                .isEqualTo(8_000_000);
        // gemini-2.5-pro (<= 200k tier): input 1.25, cached 0.125, output 10.00; thoughts are output.
        // 2,000 × 1,250,000 + 1,000 × 125,000 + (200 + 800) × 10,000,000 pico.
        assertThat(cost("gemini-2.5-pro", """
                {"promptTokenCount": 3000, "cachedContentTokenCount": 1000, "candidatesTokenCount": 200,
                 "thoughtsTokenCount": 800, "totalTokenCount": 4000}""")).isEqualTo(12_625_000);
    }

    @Test
    void moderationIsFree() throws Exception {
        assertThat(cost("omni-moderation-latest", "{\"prompt_tokens\": 5000, \"total_tokens\": 5000}")).isZero();
    }

    @Test
    void absentCachedAndCacheWritePricesFallBackToInput() throws Exception {
        PriceTable t = PriceTable.parse(Json.parse("{\"m\": {\"input\": 1, \"output\": 2}}"));
        // 100 uncached + 30 cached + 20 written, all at 1,000,000 pico; 10 output at 2,000,000.
        assertThat(Cost.nanoUsd(t.lookup("m"), new TokenUsage(150, 30, 20, 10, 0, 0))).isEqualTo(170_000);
    }

    @Test
    void roundsHalfUpOncePerRequest() throws Exception {
        ModelPrice p = PriceTable.parse(Json.parse("{\"m\": {\"input\": 0.0375, \"output\": 0.0375}}")).lookup("m");
        assertThat(p.inputPicoUsd()).isEqualTo(37_500);
        assertThat(Cost.nanoUsd(p, new TokenUsage(1, 0, 0, 0, 0, 0))).isEqualTo(38);  // 37.5 → 38
        assertThat(Cost.nanoUsd(p, new TokenUsage(3, 0, 0, 0, 0, 0))).isEqualTo(113); // 112.5 → 113
        // 37.5 + 37.5 = 75 exactly: rounding each part first would give 76.
        assertThat(Cost.nanoUsd(p, new TokenUsage(1, 0, 0, 1, 0, 0))).isEqualTo(75);
        assertThat(Cost.picoToNano(499)).isZero();
        assertThat(Cost.picoToNano(500)).isEqualTo(1);
        assertThat(Cost.picoToNano(1_499)).isEqualTo(1);
        assertThat(Cost.picoToNano(1_500)).isEqualTo(2);
    }

    @Test
    void hugeCountsSaturateInsteadOfOverflowing() throws Exception {
        ModelPrice p = PRICES.lookup("o1-pro");
        assertThat(Cost.nanoUsd(p, new TokenUsage(Long.MAX_VALUE / 2, 0, 0, Long.MAX_VALUE / 2, 0, 0)))
                .isEqualTo(Long.MAX_VALUE);
        JsonNode usage = Json.parse("{\"input_tokens\": 9223372036854775807, \"cache_read_input_tokens\": 5, \"output_tokens\": 1}");
        assertThat(Cost.nanoUsd(PRICES.lookup("claude-3-haiku"), TokenUsage.fromUsage(usage))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void worstCaseUsesTheRequestCapThenTheModelCapThenTheDefault() throws Exception {
        ModelPrice gpt4o = PRICES.lookup("gpt-4o");
        // 1000 × 2,500,000 + 100 × 10,000,000 pico
        assertThat(Cost.worstCaseNanoUsd(gpt4o, 1000, 100)).isEqualTo(3_500_000);
        // no cap: the model's 16,384 → 1000 × 2,500,000 + 16,384 × 10,000,000 pico
        assertThat(Cost.worstCaseNanoUsd(gpt4o, 1000, 0)).isEqualTo(166_340_000);
        assertThat(Cost.worstCaseNanoUsd(gpt4o, 1000, -1)).isEqualTo(166_340_000);
        // Anthropic: a prompt may be written to the cache, at 1.25 × input. 1000 × 1,250,000 + 10 × 5,000,000.
        assertThat(Cost.worstCaseNanoUsd(PRICES.lookup("claude-haiku-4-5"), 1000, 10)).isEqualTo(1_300_000);
        // Embeddings have no output.
        assertThat(Cost.worstCaseNanoUsd(PRICES.lookup("text-embedding-3-small"), 100, 0)).isEqualTo(2_000);
        // No cap anywhere: the default 16,384 × 2,000,000 pico.
        ModelPrice bare = PriceTable.parse(Json.parse("{\"m\": {\"input\": 1, \"output\": 2}}")).lookup("m");
        assertThat(Cost.worstCaseNanoUsd(bare, 0, 0)).isEqualTo(32_768_000);
        assertThat(Cost.DEFAULT_MAX_OUTPUT_TOKENS).isEqualTo(16_384);
    }

    @Test
    void formatsDollars() {
        assertThat(Cost.formatUsd(123_456)).isEqualTo("0.000123");
        assertThat(Cost.formatUsd(123_500)).isEqualTo("0.000124");
        assertThat(Cost.formatUsd(499)).isEqualTo("0.000000");
        assertThat(Cost.formatUsd(500)).isEqualTo("0.000001");
        assertThat(Cost.formatUsd(0)).isEqualTo("0.000000");
        assertThat(Cost.formatUsd(1_500_000_000L)).isEqualTo("1.500000");
        assertThat(Cost.formatUsd(12_345_678_901_234L)).isEqualTo("12345.678901");
        assertThat(Cost.plainUsd(1_500_000_000L)).isEqualTo("1.5");
        assertThat(Cost.plainUsd(123)).isEqualTo("0.000000123");
        assertThat(Cost.plainUsd(0)).isEqualTo("0");
        assertThat(Cost.plainUsd(40_000_000)).isEqualTo("0.04");
    }
}
