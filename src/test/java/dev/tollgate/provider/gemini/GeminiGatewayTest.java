package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.Sse;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An OpenAI client reaching a Gemini deployment through the gateway, whole and streamed, with policies on. */
class GeminiGatewayTest extends GatewayTest {

    private void startGemini(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("GEMINI_KEY", "AIza-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"gemini\",\"deployments\":[{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"GEMINI_KEY\"}]},"
                        + "{\"name\":\"embed\",\"deployments\":[{\"provider\":\"gemini\",\"model\":\"gemini-embedding-001\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"GEMINI_KEY\"}]}]"));
        env.putAll(extra);
        gateway = TestGateway.start(upstream, env);
    }

    @Test
    void aChatCompletionBecomesGenerateContentWithTheKeyInAHeader() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Paris.\"}]},"
                + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":1000,\"candidatesTokenCount\":1000,"
                + "\"totalTokenCount\":2000},\"modelVersion\":\"gemini-2.5-flash\"}"));
        startGemini(Map.of());
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gemini\",\"messages\":["
                    + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Capital of France?\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode answer = Json.parse(r.body());
            assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("Paris.");
            assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(logs.awaitRequestLine(1)).contains("\"cost_usd\":0.0028"); // 1000 × $0.30 + 1000 × $2.50 per million
        }
        FakeUpstream.Received up = upstream.lastReceived();
        assertThat(up.uri()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(up.uri()).doesNotContain("key=");
        assertThat(up.headers().get("x-goog-api-key")).isEqualTo("AIza-test-key");
        assertThat(Json.parse(up.bodyText()).at("/systemInstruction/parts/0/text").asText()).isEqualTo("Be brief.");
    }

    @Test
    void aStreamIsTranslatedAndScreenedLikeAnOpenAiStream() throws Exception {
        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"the project fal\"}]},\"index\":0}]}\r\n\r\n");
            req.response().write("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"con is secret\"}]},"
                    + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":6,\"totalTokenCount\":16}}\r\n\r\n");
            req.response().end();
        });
        startGemini(Map.of("POLICY_RESPONSE_WORDLIST", "custom:redact", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gemini\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Sse.chatText(r.body())).isEqualTo("the **** is secret");
        assertThat(r.body()).contains("\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":6").endsWith("data: [DONE]\n\n");
        assertThat(upstream.lastReceived().uri()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void aStreamCutBeforeItsFinishReasonIsReportedIncomplete() throws Exception {
        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"par\"}]},\"index\":0}]}\r\n\r\n");
            req.response().end();
        });
        startGemini(Map.of());
        try {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gemini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
            assertThat(r.body()).contains("stream_interrupted").doesNotContain("[DONE]");
        } catch (java.io.IOException reset) {
            // the gateway resets the connection after the error event: also a correct outcome
        }
    }

    @Test
    void embeddingsGoToEmbedContent() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"embedding\":{\"values\":[0.1,0.2]}}"));
        startGemini(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/embeddings", "{\"model\":\"embed\",\"input\":\"hello\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,0.2]}],"
                + "\"model\":\"gemini-embedding-001\"}");
        assertThat(upstream.lastReceived().uri()).isEqualTo("/v1beta/models/gemini-embedding-001:embedContent");
    }

    @Test
    void googleErrorsBecomeOpenAiErrors() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 400, "{\"error\":{\"code\":400,\"message\":\"Invalid value at 'contents'\","
                + "\"status\":\"INVALID_ARGUMENT\"}}"));
        startGemini(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gemini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.parse(r.body()).at("/error/message").asText()).isEqualTo("Invalid value at 'contents'");
    }

    @Test
    void promptReflectionIsCaughtInAGeminiStream() throws Exception {
        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Sure: The launch co\"}]},\"index\":0}]}\r\n\r\n");
            req.response().write("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"de is Tango Seven. Bye\"}]},"
                    + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":9,\"totalTokenCount\":14}}\r\n\r\n");
            req.response().end();
        });
        startGemini(Map.of("POLICY_PROMPT_REFLECTION", "redact", "REDACTION_STRING", "[hidden]"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gemini\",\"stream\":true,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"You are a bot. ||The launch code is Tango Seven.|| Be nice.\"},"
                + "{\"role\":\"user\",\"content\":\"what is the code?\"}]}");
        assertThat(Sse.chatText(r.body())).isEqualTo("Sure: [hidden] Bye");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
    }
}
