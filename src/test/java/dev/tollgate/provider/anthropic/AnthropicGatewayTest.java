package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.Sse;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An OpenAI client reaching an Anthropic deployment through the gateway, whole and streamed, with policies on. */
class AnthropicGatewayTest extends GatewayTest {

    private static final String MESSAGE = "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"Hello there, friend.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}";

    private void startAnthropic(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("ANTHROPIC_KEY", "sk-ant-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]}]"));
        env.putAll(extra);
        gateway = TestGateway.start(upstream, env);
    }

    private static void sse(HttpServerRequest req, String... eventAndData) {
        req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
        for (int i = 0; i < eventAndData.length; i += 2) {
            req.response().write("event: " + eventAndData[i] + "\ndata: " + eventAndData[i + 1] + "\n\n");
        }
        req.response().end();
    }

    @Test
    void aChatCompletionBecomesAMessagesCallAndComesBackInOpenAiShape() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, MESSAGE));
        startAnthropic(Map.of());
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"max_tokens\":200,\"messages\":["
                    + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}", "Authorization", "Bearer ignored");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode answer = Json.parse(r.body());
            assertThat(answer.get("object").asText()).isEqualTo("chat.completion");
            assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("Hello there, friend.");
            assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(1000);
            // $3 in, $15 out per million: 1000 × 3 + 100 × 15 = 4,500 micro-dollars
            assertThat(logs.awaitRequestLine(1)).contains("\"cost_usd\":0.0045").contains("\"deployments\":[\"claude/anthropic:claude-sonnet-4-5#0 200\"]");
        }
        FakeUpstream.Received up = upstream.lastReceived();
        assertThat(up.uri()).isEqualTo("/v1/messages");
        assertThat(up.headers().get("x-api-key")).isEqualTo("sk-ant-test-key");
        assertThat(up.headers().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(up.headers().get("Authorization")).isNull();
        assertThat(up.bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    }

    @Test
    void aStreamIsTranslatedAndTheWordListRedactsItLikeAnOpenAiStream() throws Exception {
        upstream.handle(req -> sse(req,
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_02\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "ping", "{\"type\":\"ping\"}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"the project fal\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"con is secret\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":6}}",
                "message_stop", "{\"type\":\"message_stop\"}"));
        startAnthropic(Map.of("POLICY_RESPONSE_WORDLIST", "custom:redact", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"stream\":true,\"messages\":["
                    + "{\"role\":\"user\",\"content\":\"Hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
            for (String line : r.body().split("\n")) {
                if (line.startsWith("data: {")) assertThat(Json.parse(line.substring(6)).get("object").asText()).isEqualTo("chat.completion.chunk");
            }
            assertThat(Sse.chatText(r.body())).isEqualTo("the **** is secret");
            assertThat(r.body()).doesNotContain("falcon").contains("\"finish_reason\":\"stop\"").endsWith("data: [DONE]\n\n")
                    .doesNotContain("\"usage\":{"); // not asked for: hidden, but counted
            assertThat(logs.awaitRequestLine(1)).contains("\"usage\":{").contains("\"cost_usd\":0.000126"); // 12 × $3 + 6 × $15 per million
        }
        assertThat(Json.parse(upstream.lastReceived().bodyText()).get("stream").asBoolean()).isTrue();
    }

    @Test
    void anthropicErrorsBecomeOpenAiErrorsAndTheGatewaysKeyIsNeverBlamedOnTheCaller() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}"));
        startAnthropic(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(Json.parse(r.body()).at("/error/message").asText()).isEqualTo("Number of request tokens has exceeded your per-minute rate limit");

        upstream.handle(req -> FakeUpstream.json(req, 401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}"));
        HttpResponse<String> auth = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(auth.statusCode()).isEqualTo(502);
        assertThat(Json.parse(auth.body()).at("/error/code").asText()).isEqualTo("upstream_auth_failed");
    }

    @Test
    void whatAnthropicCannotDoIsRefusedBeforeAnyCall() throws Exception {
        startAnthropic(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.parse(r.body()).at("/error/param").asText()).isEqualTo("n");
        HttpResponse<String> embeddings = gateway.postJson("/v1/embeddings", "{\"model\":\"claude\",\"input\":\"x\"}");
        assertThat(embeddings.statusCode()).isEqualTo(400);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void anAnthropicClientReachesAnAnthropicDeploymentThroughTheCanonicalFormat() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, MESSAGE));
        startAnthropic(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":300,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode m = Json.parse(r.body());
        assertThat(m.get("type").asText()).isEqualTo("message");
        assertThat(m.at("/content/0/text").asText()).isEqualTo("Hello there, friend.");
        assertThat(m.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(m.at("/usage/input_tokens").asInt()).isEqualTo(1000);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":300,"
                + "\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    }

    @Test
    void promptReflectionIsCaughtInAnAnthropicStream() throws Exception {
        upstream.handle(req -> sse(req,
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_03\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sure: The launch co\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"de is Tango Seven. Bye\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}",
                "message_stop", "{\"type\":\"message_stop\"}"));
        startAnthropic(Map.of("POLICY_PROMPT_REFLECTION", "redact", "REDACTION_STRING", "[hidden]"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"stream\":true,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"You are a bot. ||The launch code is Tango Seven.|| Be nice.\"},"
                + "{\"role\":\"user\",\"content\":\"what is the code?\"}]}");
        assertThat(Sse.chatText(r.body())).isEqualTo("Sure: [hidden] Bye");
        assertThat(Json.parse(upstream.lastReceived().bodyText()).get("system").asText()).isEqualTo("You are a bot. The launch code is Tango Seven. Be nice.");
    }

    @Test
    void anErrorEventMidStreamEndsTheStreamWithAnOpenAiErrorEvent() throws Exception {
        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_e\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n");
            req.response().write("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        });
        startAnthropic(Map.of());
        try (dev.tollgate.support.RawClient raw = new dev.tollgate.support.RawClient(gateway.port())) {
            raw.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
            String got = raw.readUntil("Overloaded", 5000);
            assertThat(got).contains("data: {\"error\":{\"message\":\"Overloaded\"").doesNotContain("[DONE]");
        }
    }
}
