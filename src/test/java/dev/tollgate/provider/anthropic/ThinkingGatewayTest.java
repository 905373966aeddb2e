package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Extended thinking through the gateway to an Anthropic deployment, whole and streamed: for an
 * OpenAI client ({@code reasoning_effort} / {@code thinking} in, {@code reasoning_content} and
 * {@code thinking_blocks} out) and for an Anthropic client (thinking passed both ways). The
 * upstream answers are the fixtures reconstructed from Anthropic's extended-thinking reference.
 */
class ThinkingGatewayTest extends GatewayTest {

    private static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...";
    private static final String REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP";

    private void startAnthropic() {
        gateway = TestGateway.start(upstream, Map.of("ANTHROPIC_KEY", "sk-ant-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]}]"));
    }

    private static String fixture(String name) throws Exception {
        return Files.readString(AnthropicFixturesTest.dir().resolve(name));
    }

    private static void sse(HttpServerRequest req, String body) {
        req.response().setStatusCode(200).putHeader("Content-Type", "text/event-stream").end(body);
    }

    @Test
    void reasoningEffortBecomesAThinkingBudgetAndThinkingComesBackAsReasoningContent() throws Exception {
        String message = fixture("resp-thinking.anthropic.json");
        upstream.handle(req -> FakeUpstream.json(req, 200, message));
        startAnthropic();
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"reasoning_effort\":\"low\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 x 7?\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode answer = Json.parse(r.body());
            assertThat(answer.at("/choices/0/message")).isEqualTo(Json.parse("{\"role\":\"assistant\",\"content\":\"The answer is 42.\","
                    + "\"reasoning_content\":\"Let me work through this step by step...\",\"thinking_blocks\":["
                    + "{\"type\":\"thinking\",\"thinking\":\"Let me work through this step by step...\",\"signature\":\"" + SIGNATURE + "\"},"
                    + "{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"}]}"));
            assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(350);
            // Thinking is output: 100 × $3 + 350 × $15 per million = 5,550 micro-dollars.
            assertThat(logs.awaitRequestLine(1)).contains("\"cost_usd\":0.00555");
        }
        // No cap from the caller: the default (4096) on top of low's 1024-token budget.
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5120,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 x 7?\"}],\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}");
    }

    @Test
    void aStreamCarriesReasoningDeltasAndTheSignatureAndTheNextTurnSendsTheBlocksBack() throws Exception {
        String events = fixture("stream-redacted-thinking-tool.sse");
        upstream.handle(req -> sse(req, events));
        startAnthropic();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":3000,"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> deltas = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode choice = Json.parse(line.substring(6)).path("choices").path(0);
                if (!choice.isMissingNode()) deltas.add(Json.toString(choice.get("delta")));
            }
        }
        assertThat(deltas).containsExactly(
                "{\"role\":\"assistant\",\"content\":\"\"}",
                "{\"reasoning_content\":\"I need the weather\"}",
                "{\"reasoning_content\":\" for Paris.\"}",
                "{\"thinking_blocks\":[{\"type\":\"thinking\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds\"}]}",
                "{\"thinking_blocks\":[{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"}]}",
                "{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"location\\\": \\\"Paris\\\"}\"}}]}",
                "{}");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        assertThat(Json.parse(upstream.lastReceived().bodyText()).get("thinking"))
                .isEqualTo(Json.parse("{\"type\":\"enabled\",\"budget_tokens\":2000}"));

        // The client's next turn: the blocks it was given go back first in the assistant turn.
        String text = fixture("resp-text.anthropic.json");
        upstream.handle(req -> FakeUpstream.json(req, 200, text));
        HttpResponse<String> next = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"max_tokens\":3000,"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"I need the weather for Paris.\",\"thinking_blocks\":["
                + "{\"type\":\"thinking\",\"thinking\":\"I need the weather for Paris.\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"}],\"tool_calls\":[{\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\": \\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"content\":\"18°C\"}]}");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(Json.parse(upstream.lastReceived().bodyText()).at("/messages/1")).isEqualTo(Json.parse("{\"role\":\"assistant\",\"content\":["
                + "{\"type\":\"thinking\",\"thinking\":\"I need the weather for Paris.\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"},"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"input\":{\"location\":\"Paris\"}}]}"));
    }

    @Test
    void anAnthropicClientsThinkingPassesThroughAndItsBlocksComeBackWhole() throws Exception {
        String message = fixture("resp-thinking.anthropic.json");
        upstream.handle(req -> FakeUpstream.json(req, 200, message));
        startAnthropic();
        HttpResponse<String> r = gateway.postJson("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":16000,"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000},\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 x 7?\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"id\":\"msg_01Think\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
                + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"Let me work through this step by step...\",\"signature\":\"" + SIGNATURE + "\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"},{\"type\":\"text\",\"text\":\"The answer is 42.\"}],"
                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":100,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":350}}");
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 x 7?\"}],\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000}}");
    }

    @Test
    void anAnthropicClientsStreamGetsThinkingAndSignatureDeltas() throws Exception {
        String events = fixture("stream-redacted-thinking-tool.sse");
        upstream.handle(req -> sse(req, events));
        startAnthropic();
        HttpResponse<String> r = gateway.postJson("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":16000,\"stream\":true,"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000},\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(new String(Files.readAllBytes(java.nio.file.Path.of(AnthropicFixturesTest.class
                .getResource("/providers/messages/streams/anthropic_thinking_tool.events.txt").toURI()))));
    }
}
