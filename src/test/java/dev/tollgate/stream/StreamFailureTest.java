package dev.tollgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.RawClient;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upstream's error inside a stream reaches the policies as a failure event: the caller gets the
 * error event as the upstream sent it (byte-exact) or as the provider's error translates, and the
 * request log records the error's words, beside the text that came before it.
 */
class StreamFailureTest extends GatewayTest {

    private static final String ROLE = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}";
    /** Spacing as the upstream wrote it: relayed byte-exact, never re-serialised. */
    private static final String ERROR = "{\"error\": {\"message\": \"The server had an error while processing your request.\", "
            + "\"type\": \"server_error\", \"param\": null, \"code\": null}}";

    @Test
    void anOpenAiErrorChunkIsRelayedAsItCameAndLoggedWithTheTextBeforeIt() throws Exception {
        upstream.handle(req -> req.response().setStatusCode(200).putHeader("Content-Type", "text/event-stream")
                .end("data: " + ROLE + "\n\ndata: " + ERROR + "\n\ndata: [DONE]\n\n"));
        start(Map.of("POLICY_LOG_RESPONSE", "true"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
                    "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("data: " + ROLE + "\n\ndata: " + ERROR + "\n\ndata: [DONE]\n\n");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("error").asBoolean()).isTrue();
            assertThat(line.path("error_message").asText()).isEqualTo("The server had an error while processing your request.");
            assertThat(line.path("response").path("body")).isEqualTo(Json.parse("{\"choices\":[{\"index\":0,\"text\":\"Hel\"}],"
                    + "\"error\":\"The server had an error while processing your request.\"}"));
        }
    }

    @Test
    void aResponsesErrorEventIsRelayedAsItCameAndLogged() throws Exception {
        String created = "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":\"response\","
                + "\"status\":\"in_progress\",\"model\":\"gpt-4o\",\"output\":[],\"error\":null,\"usage\":null}}";
        String error = "{\"type\":\"error\",\"sequence_number\":1,\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached.\",\"param\":null}";
        String stream = "event: response.created\ndata: " + created + "\n\nevent: error\ndata: " + error + "\n\n";
        upstream.handle(req -> req.response().setStatusCode(200).putHeader("Content-Type", "text/event-stream").end(stream));
        start(Map.of("POLICY_LOG_RESPONSE", "true"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"gpt-4o\",\"stream\":true,\"input\":\"Hi\"}");
            assertThat(r.body()).isEqualTo(stream);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("error_message").asText()).isEqualTo("Rate limit reached.");
            assertThat(line.path("response").path("body").path("error").asText()).isEqualTo("Rate limit reached.");
        }
    }

    @Test
    void anAnthropicErrorMidStreamReachesThePoliciesAndTheCaller() throws Exception {
        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_e\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
                    + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                    + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n"
                    + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        });
        gateway = TestGateway.start(upstream, Map.of("ANTHROPIC_KEY", "sk-ant-test-key", "POLICY_LOG_RESPONSE", "true",
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]}]"));
        try (LogCapture logs = new LogCapture(); RawClient raw = new RawClient(gateway.port())) {
            raw.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
            assertThat(raw.readUntil("Overloaded", 5000)).contains("\"content\":\"Hel\"").contains("data: {\"error\":{\"message\":\"Overloaded\"");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("error_message").asText()).isEqualTo("Overloaded");
            assertThat(line.path("response").path("body")).isEqualTo(Json.parse("{\"choices\":[{\"index\":0,\"text\":\"Hel\"}],\"error\":\"Overloaded\"}"));
        }
    }
}
