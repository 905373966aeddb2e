package dev.tollgate.policy.logging;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** POLICY_LOG_RESPONSE logs a streamed answer's tool calls, as the caller received them. */
class ToolCallLoggingTest extends GatewayTest {

    private static final String ENVELOPE = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"gpt-4o\",";
    private static final String REQUEST = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]}";

    private static String chunk(String delta, String finish) {
        return ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}";
    }

    private void streamTwoCalls() {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, chunk("{\"role\":\"assistant\",\"content\":\"Checking.\"}", "null"));
            FakeUpstream.event(req, chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                    + "{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", "null"));
            FakeUpstream.event(req, chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", "null"));
            FakeUpstream.event(req, chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Project Falcon HQ\\\"}\"}}]}", "null"));
            FakeUpstream.event(req, chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":"
                    + "{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}", "null"));
            FakeUpstream.event(req, chunk("{}", "\"tool_calls\""));
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
    }

    @Test
    void aStreamedAnswersToolCallsAreLoggedWithIdNameAndArguments() throws Exception {
        streamTwoCalls();
        start(Map.of("POLICY_LOG_RESPONSE", "true"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", REQUEST);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("response").path("body").toString()).isEqualTo("{\"choices\":[{\"index\":0,\"text\":\"Checking.\",\"tool_calls\":["
                    + "{\"id\":\"call_1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Project Falcon HQ\\\"}\"},"
                    + "{\"id\":\"call_2\",\"name\":\"get_time\",\"arguments\":\"{}\"}]}]}");
        }
    }

    @Test
    void theLogHoldsTheArgumentsAsTheCallerGotThem() throws Exception {
        streamTwoCalls();
        start(Map.of("POLICY_LOG_RESPONSE", "true", "POLICY_RESPONSE_WORDLIST", "custom:redact", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        try (LogCapture logs = new LogCapture()) {
            gateway.postJson("/v1/chat/completions", REQUEST);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("response").path("body").toString()).isEqualTo("{\"choices\":[{\"index\":0,\"text\":\"Checking.\",\"tool_calls\":["
                    + "{\"id\":\"call_1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"**** HQ\\\"}\"},"
                    + "{\"id\":\"call_2\",\"name\":\"get_time\",\"arguments\":\"{}\"}]}]}");
        }
    }
}
