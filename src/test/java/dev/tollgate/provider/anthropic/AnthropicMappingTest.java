package dev.tollgate.provider.anthropic;

import dev.tollgate.provider.StreamError;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.usage.TokenUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The small mappings the fixtures touch only in part. */
class AnthropicMappingTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "end_turn, stop",
            "stop_sequence, stop",
            "max_tokens, length",
            "model_context_window_exceeded, length",
            "tool_use, tool_calls",
            "refusal, content_filter",
            "pause_turn, stop",
            "some_future_reason, stop",
    })
    void everyStopReason(String stopReason, String finishReason) throws Exception {
        assertThat(AnthropicChat.finishReason(stopReason)).isEqualTo(finishReason);
        JsonNode msg = Json.parse("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\","
                + "\"content\":[],\"stop_reason\":\"" + stopReason + "\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}");
        assertThat(AnthropicChat.response(msg, 1).path("choices").path(0).path("finish_reason").asText()).isEqualTo(finishReason);

        AnthropicStream s = new AnthropicStream(1);
        s.onEvent("message_start", Json.parse("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}"));
        var chunks = s.onEvent("message_delta", Json.parse("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason + "\"},\"usage\":{\"output_tokens\":2}}"));
        assertThat(chunks).singleElement().satisfies(c -> assertThat(c.path("choices").path(0).path("finish_reason").asText()).isEqualTo(finishReason));
    }

    @Test
    void translatedUsageIsPricedLikeAnthropicsOwn() throws Exception {
        JsonNode anthropic = Json.parse("{\"input_tokens\":21,\"cache_creation_input_tokens\":1248,"
                + "\"cache_read_input_tokens\":3500,\"output_tokens\":393}");
        JsonNode msg = Json.parse("{\"id\":\"msg_1\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":\"end_turn\",\"usage\":"
                + Json.toString(anthropic) + "}");
        TokenUsage viaOpenAi = TokenUsage.fromUsage(AnthropicChat.response(msg, 1).get("usage"));
        assertThat(viaOpenAi).isEqualTo(TokenUsage.fromUsage(anthropic));
        assertThat(viaOpenAi.inputTokens()).isEqualTo(21 + 1248 + 3500);
        assertThat(viaOpenAi.cachedInputTokens()).isEqualTo(3500);
        assertThat(viaOpenAi.cacheWriteTokens()).isEqualTo(1248);
        assertThat(viaOpenAi.outputTokens()).isEqualTo(393);
    }

    @Test
    void streamEventsAreNamedByTheirTypeWhenTheSseNameIsMissing() throws Exception {
        AnthropicStream s = new AnthropicStream(1);
        assertThat(s.onEvent(null, Json.parse("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\"}}"))).hasSize(1);
        assertThat(s.onEvent(null, Json.parse("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}")))
                .singleElement().satisfies(c -> assertThat(c.path("choices").path(0).path("delta").path("content").asText()).isEqualTo("Hi"));
        assertThat(s.onEvent("some_new_event", Json.parse("{\"type\":\"some_new_event\"}"))).isEmpty();
        assertThat(s.onEvent(null, null)).isEmpty();
    }

    @Test
    void aStreamErrorCarriesTheMappedError() throws Exception {
        AnthropicStream s = new AnthropicStream(1);
        assertThatThrownBy(() -> s.onEvent("error", Json.parse("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}")))
                .isInstanceOfSatisfying(StreamError.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.openAiError().path("error").path("code").asText()).isEqualTo("upstream_auth_failed");
                    assertThat(e.getMessage()).isEqualTo("The gateway's credentials for the upstream provider were rejected.");
                });
    }

    @Test
    void aNonPositiveDefaultIsAProgrammingError() throws Exception {
        var req = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThatThrownBy(() -> AnthropicChat.request(req, "claude-x", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
