package dev.tollgate.observe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RequestLogTest extends GatewayTest {

    private static final String COMPLETION = "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Secret answer\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":5,\"total_tokens\":19}}";
    private static final String REQUEST = "{\"model\":\"gpt-4o\",\"temperature\":0.7,\"user\":\"u-1\",\"messages\":[{\"role\":\"user\",\"content\":\"Private prompt\"}]}";


    @Test
    void oneLinePerRequestWithTheSeedsStatsFieldsAndNoPromptText() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, COMPLETION));
        start(Map.of("OPENAI_API_KEY", "sk-proj-GATEWAYKEY000111"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/chat/completions", REQUEST, "Authorization", "Bearer sk-CALLERKEY-222333",
                    "x-tollgate-trace-id", "trace-abc");
            assertThat(r.body()).isEqualTo(COMPLETION);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("type").asText()).isEqualTo("request");
            assertThat(line.path("endpoint").asText()).isEqualTo("/v1/chat/completions");
            assertThat(line.path("method").asText()).isEqualTo("POST");
            assertThat(line.path("status").asInt()).isEqualTo(200);
            assertThat(line.path("flags").toString()).isEqualTo("[]");
            assertThat(line.path("error").asBoolean()).isFalse();
            assertThat(line.path("metadata").path("latency_ms").isNumber()).isTrue();
            assertThat(line.path("metadata").path("upstream_latency_ms").isNumber()).isTrue();
            assertThat(line.path("metadata").path("upstream_attempts").asInt()).isEqualTo(1);
            assertThat(line.path("metadata").path("trace_id").asText()).isEqualTo("trace-abc");
            assertThat(line.path("metadata").path("request_id").asText()).matches("req_[0-9a-f]{30}");
            assertThat(line.path("request").toString()).isEqualTo("{\"model\":\"gpt-4o\",\"temperature\":0.7,\"user\":\"u-1\",\"stream\":false}");
            assertThat(line.path("response").toString()).isEqualTo("{\"id\":\"chatcmpl-9\",\"model\":\"gpt-4o-2024-08-06\","
                    + "\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":5,\"total_tokens\":19},\"cost_usd\":8.5E-5}");
            assertThat(logs.all()).contains("\"cost_usd\":0.000085}"); // 14 × $2.50 + 5 × $10 per million, written plainly
            assertThat(logs.all()).doesNotContain("Private prompt").doesNotContain("Secret answer")
                    .doesNotContain("GATEWAYKEY").doesNotContain("CALLERKEY").doesNotContain("Bearer");
        }
    }

    @Test
    void fullRequestAndResponseOnlyWhenLoggingIsOn() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, COMPLETION));
        start(Map.of("POLICY_LOG_REQUEST", "true", "POLICY_LOG_RESPONSE", "true"));
        try (LogCapture logs = new LogCapture()) {
            gateway.postJson("/v1/chat/completions", REQUEST, "Authorization", "Bearer sk-CALLERKEY-222333");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("request").path("body")).isEqualTo(Json.parse(REQUEST));
            assertThat(line.path("response").path("body")).isEqualTo(Json.parse(COMPLETION));
            assertThat(logs.all()).doesNotContain("CALLERKEY");
        }
    }

    @Test
    void aHeaderTurnsRequestLoggingOnForOneRequest() throws Exception {
        start(Map.of());
        try (LogCapture logs = new LogCapture()) {
            gateway.postJson("/v1/chat/completions", REQUEST, "x-usagepanda-log-request", "true");
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("request").path("body")).isEqualTo(Json.parse(REQUEST));
            gateway.postJson("/v1/chat/completions", REQUEST);
            assertThat(Json.parse(logs.awaitRequestLine(2)).path("request").has("body")).isFalse();
        }
    }

    @Test
    void streamedResponseTextIsLoggedWhenResponseLoggingIsOn() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}");
            FakeUpstream.event(req, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
        start(Map.of("POLICY_LOG_RESPONSE", "true"));
        try (LogCapture logs = new LogCapture()) {
            gateway.postJson("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("response").path("body").toString()).isEqualTo("{\"choices\":[{\"index\":0,\"text\":\"Hello\"}]}");
        }
    }

    @Test
    void upstreamErrorsAreLoggedAsErrors() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 401, "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\"}}"));
        start(Map.of());
        try (LogCapture logs = new LogCapture()) {
            assertThat(gateway.postJson("/v1/chat/completions", "{}").statusCode()).isEqualTo(401);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("error").asBoolean()).isTrue();
            assertThat(line.path("error_message").asText()).isEqualTo("Incorrect API key provided.");
        }
    }
}
