package dev.tollgate.provider.responses;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;

import static dev.tollgate.provider.responses.ResponsesShapes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Anthropic's thinking reaches a Responses API client as a {@code reasoning} output item with one
 * summary text: whole, and streamed as OpenAI streams reasoning summaries
 * ({@code response.reasoning_summary_part.added}, {@code response.reasoning_summary_text.delta} ...),
 * every event numbered.
 */
class ResponsesReasoningTest extends GatewayTest {

    private static final String REASONING_DEFAULT = "\"reasoning\":{\"effort\":null,\"summary\":null}";

    private void startAnthropic() {
        gateway = TestGateway.start(upstream, Map.of("ANTHROPIC_KEY", "sk-ant-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]}]"));
    }

    private static String reasoningItem(String id, String text) {
        return "{\"id\":\"" + id + "\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"" + text + "\"}]}";
    }

    @Test
    void wholeThinkingIsAReasoningItemBeforeTheMessage() throws Exception {
        String message = Files.readString(java.nio.file.Path.of(getClass().getResource("/providers/anthropic/resp-thinking.anthropic.json").toURI()));
        upstream.handle(req -> FakeUpstream.json(req, 200, message));
        startAnthropic();
        HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":\"What is 6 x 7?\",\"reasoning\":{\"effort\":\"low\"}}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(normalized(r.body())).isEqualTo(response("resp_01Think", "completed", "claude-sonnet-4-5-20250929",
                "[" + reasoningItem("rs_01Think", "Let me work through this step by step...") + ","
                        + message("msg_01Think_1", "completed", "The answer is 42.") + "]", "[]", usage(100, 350))
                .replace(REASONING_DEFAULT, "\"reasoning\":{\"effort\":\"low\"}"));
        // The effort became Anthropic's thinking budget (low: 1,024 tokens, on top of the default cap).
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5120,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 x 7?\"}],\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}");
    }

    @Test
    void streamedThinkingIsAReasoningItemWithSummaryTextEvents() throws Exception {
        upstream.handle(req -> ResponsesAnthropicGatewayTest.sse(req,
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_s1\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\" hard.\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQB\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"42.\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":30}}",
                "message_stop", "{\"type\":\"message_stop\"}"));
        startAnthropic();
        HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"stream\":true,\"input\":\"What is 6 x 7?\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        String rs = "\"item_id\":\"rs_s1\",\"output_index\":0,\"summary_index\":0";
        String msg = "\"item_id\":\"msg_s1_1\",\"output_index\":1,\"content_index\":0";
        String reasoning = reasoningItem("rs_s1", "Let me think hard.");
        String answer = message("msg_s1_1", "completed", "42.");
        assertThat(normalized(r.body())).isEqualTo(opening("resp_s1", "claude-sonnet-4-5", "[]")
                + event("response.output_item.added", 2, "\"output_index\":0,\"item\":{\"id\":\"rs_s1\",\"type\":\"reasoning\",\"summary\":[]}")
                + event("response.reasoning_summary_part.added", 3, rs + ",\"part\":{\"type\":\"summary_text\",\"text\":\"\"}")
                + event("response.reasoning_summary_text.delta", 4, rs + ",\"delta\":\"Let me think\"")
                + event("response.reasoning_summary_text.delta", 5, rs + ",\"delta\":\" hard.\"")
                + event("response.reasoning_summary_text.done", 6, rs + ",\"text\":\"Let me think hard.\"")
                + event("response.reasoning_summary_part.done", 7, rs + ",\"part\":{\"type\":\"summary_text\",\"text\":\"Let me think hard.\"}")
                + event("response.output_item.done", 8, "\"output_index\":0,\"item\":" + reasoning)
                + event("response.output_item.added", 9, "\"output_index\":1,\"item\":{\"id\":\"msg_s1_1\",\"type\":\"message\","
                        + "\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}")
                + event("response.content_part.added", 10, msg + ",\"part\":" + outputText(""))
                + event("response.output_text.delta", 11, msg + ",\"delta\":\"42.\",\"logprobs\":[]")
                + event("response.output_text.done", 12, msg + ",\"text\":\"42.\",\"logprobs\":[]")
                + event("response.content_part.done", 13, msg + ",\"part\":" + outputText("42."))
                + event("response.output_item.done", 14, "\"output_index\":1,\"item\":" + answer)
                + event("response.completed", 15, "\"response\":" + response("resp_s1", "completed", "claude-sonnet-4-5",
                        "[" + reasoning + "," + answer + "]", "[]", usage(12, 30))));
    }
}
