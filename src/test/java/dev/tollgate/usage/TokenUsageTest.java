package dev.tollgate.usage;

import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenUsageTest {

    private static TokenUsage read(String json) throws Exception {
        return TokenUsage.fromUsage(Json.parse(json));
    }

    @Test
    void chatCompletions() throws Exception {
        assertThat(read("""
                {"prompt_tokens": 1200, "completion_tokens": 900, "total_tokens": 2100,
                 "prompt_tokens_details": {"cached_tokens": 1024},
                 "completion_tokens_details": {"reasoning_tokens": 640}}"""))
                .isEqualTo(new TokenUsage(1200, 1024, 0, 900, 640, 0, 0));
    }

    @Test
    void responsesApi() throws Exception {
        assertThat(read("""
                {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 4096},
                 "output_tokens": 1234, "output_tokens_details": {"reasoning_tokens": 1000}, "total_tokens": 6234}"""))
                .isEqualTo(new TokenUsage(5000, 4096, 0, 1234, 1000, 0, 0));
    }

    @Test
    void embeddings() throws Exception {
        assertThat(read("{\"prompt_tokens\": 8, \"total_tokens\": 8}")).isEqualTo(new TokenUsage(8, 0, 0, 0, 0, 0, 0));
        assertThat(read("{\"total_tokens\": 8}")).isEqualTo(new TokenUsage(8, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void gptImage1() throws Exception {
        assertThat(read("""
                {"total_tokens": 4410, "input_tokens": 250, "output_tokens": 4160,
                 "input_tokens_details": {"text_tokens": 50, "image_tokens": 200}}"""))
                .isEqualTo(new TokenUsage(250, 0, 0, 4160, 0, 0, 200));
    }

    @Test
    void anthropicInputExcludesTheCache() throws Exception {
        assertThat(read("""
                {"input_tokens": 50, "cache_creation_input_tokens": 2000, "cache_read_input_tokens": 10000,
                 "output_tokens": 500}""")).isEqualTo(new TokenUsage(12_050, 10_000, 2_000, 500, 0, 0, 0));
        assertThat(read("{\"input_tokens\": 7, \"cache_creation_input_tokens\": null, \"cache_read_input_tokens\": 3, \"output_tokens\": 1}"))
                .isEqualTo(new TokenUsage(10, 3, 0, 1, 0, 0, 0));
    }

    @Test
    void geminiUsageMetadata() throws Exception {
        assertThat(read("""
                {"promptTokenCount": 3000, "cachedContentTokenCount": 1000, "candidatesTokenCount": 200,
                 "thoughtsTokenCount": 800, "totalTokenCount": 4000}"""))
                .isEqualTo(new TokenUsage(3000, 1000, 0, 1000, 800, 0, 0));
    }

    @Test
    void missingNullNegativeAndNonIntegerCountsAreZero() throws Exception {
        assertThat(TokenUsage.fromUsage(null)).isEqualTo(TokenUsage.ZERO);
        assertThat(read("null")).isEqualTo(TokenUsage.ZERO);
        assertThat(read("[1]")).isEqualTo(TokenUsage.ZERO);
        assertThat(read("{}")).isEqualTo(TokenUsage.ZERO);
        assertThat(read("""
                {"prompt_tokens": -5, "completion_tokens": 1.5, "prompt_tokens_details": null,
                 "completion_tokens_details": {"reasoning_tokens": "7"}}""")).isEqualTo(TokenUsage.ZERO);
        assertThat(read("{\"prompt_tokens\": \"12\", \"completion_tokens\": 3}")).isEqualTo(new TokenUsage(0, 0, 0, 3, 0, 0, 0));
        assertThat(read("{\"input_tokens\": 99999999999999999999999, \"output_tokens\": 2}"))
                .isEqualTo(new TokenUsage(0, 0, 0, 2, 0, 0, 0));
    }

    @Test
    void partsNeverExceedTheirWhole() throws Exception {
        assertThat(read("""
                {"prompt_tokens": 10, "completion_tokens": 4, "prompt_tokens_details": {"cached_tokens": 50},
                 "completion_tokens_details": {"reasoning_tokens": 9}}""")).isEqualTo(new TokenUsage(10, 10, 0, 4, 4, 0, 0));
    }

    @Test
    void imagesAreSetApartAndNegativesRejected() {
        assertThat(TokenUsage.ZERO.withImages(2)).isEqualTo(new TokenUsage(0, 0, 0, 0, 0, 2));
        assertThatThrownBy(() -> new TokenUsage(-1, 0, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TokenUsage: counts must not be negative");
    }
}
