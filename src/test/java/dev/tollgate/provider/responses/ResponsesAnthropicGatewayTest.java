package dev.tollgate.provider.responses;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A Responses API client on a model routed to Anthropic: whole and streamed, with tools, policies and usage. */
class ResponsesAnthropicGatewayTest extends GatewayTest {

    static final String TEXT_MESSAGE = "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"Hello there, friend.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}";

    private void startAnthropic(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("ANTHROPIC_KEY", "sk-ant-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]}]"));
        env.putAll(extra);
        gateway = TestGateway.start(upstream, env);
    }

    static void sse(HttpServerRequest req, String... eventAndData) {
        req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
        for (int i = 0; i < eventAndData.length; i += 2) {
            req.response().write("event: " + eventAndData[i] + "\ndata: " + eventAndData[i + 1] + "\n\n");
        }
        req.response().end();
    }

    @Test
    void aWholeTextAnswer() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, TEXT_MESSAGE));
        startAnthropic(Map.of());
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"instructions\":\"Be brief.\",\"input\":\"Hi\",\"max_output_tokens\":200}");
            System.out.println(r.statusCode() + " " + r.body());
            System.out.println(upstream.lastReceived().bodyText());
            System.out.println(logs.awaitRequestLine(1));
        }
    }

    @Test
    void aStreamedTextAnswer() throws Exception {
        upstream.handle(req -> sse(req,
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_02\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"the project fal\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"con is secret\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":6}}",
                "message_stop", "{\"type\":\"message_stop\"}"));
        startAnthropic(Map.of("POLICY_RESPONSE_WORDLIST", "custom:redact", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"stream\":true,\"input\":\"Hi\"}");
            System.out.println(r.statusCode() + " " + r.body());
            System.out.println(upstream.lastReceived().bodyText());
            System.out.println(logs.awaitRequestLine(1));
        }
    }
}
