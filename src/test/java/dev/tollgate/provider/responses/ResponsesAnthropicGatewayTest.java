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

import static dev.tollgate.provider.responses.ResponsesShapes.WEATHER_TOOL;
import static dev.tollgate.provider.responses.ResponsesShapes.event;
import static dev.tollgate.provider.responses.ResponsesShapes.functionCall;
import static dev.tollgate.provider.responses.ResponsesShapes.message;
import static dev.tollgate.provider.responses.ResponsesShapes.normalized;
import static dev.tollgate.provider.responses.ResponsesShapes.opening;
import static dev.tollgate.provider.responses.ResponsesShapes.response;
import static dev.tollgate.provider.responses.ResponsesShapes.textItem;
import static dev.tollgate.provider.responses.ResponsesShapes.usage;
import static org.assertj.core.api.Assertions.assertThat;

/** A Responses API client on a model routed to Anthropic: whole and streamed, with tools, a word list, usage and cost. */
class ResponsesAnthropicGatewayTest extends GatewayTest {

    private static final String TEXT_MESSAGE = "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"Hello there, friend.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}";

    private static final String TOOL_USE_MESSAGE = "{\"id\":\"msg_t\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"Checking.\"},{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\","
            + "\"input\":{\"city\":\"Paris\"}}],\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":50,\"output_tokens\":20}}";

    private static final String ANTHROPIC_TOOL = "{\"name\":\"get_weather\",\"description\":\"Current weather\","
            + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}";

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
    void aWholeTextAnswerComesBackAsAResponseWithUsageAndCost() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, TEXT_MESSAGE));
        startAnthropic(Map.of());
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses",
                    "{\"model\":\"claude\",\"instructions\":\"Be brief.\",\"input\":\"Hi\",\"max_output_tokens\":200}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(normalized(r.body())).isEqualTo(response("resp_01", "completed", "claude-sonnet-4-5-20250929",
                    "[" + message("msg_01", "completed", "Hello there, friend.") + "]", "[]", usage(1000, 100))
                    .replace("\"instructions\":null,\"max_output_tokens\":null", "\"instructions\":\"Be brief.\",\"max_output_tokens\":200"));
            // $3 in, $15 out per million: 1000 × 3 + 100 × 15 = 4,500 micro-dollars
            assertThat(logs.awaitRequestLine(1)).contains("\"endpoint\":\"/v1/responses\"")
                    .contains("\"usage\":" + usage(1000, 100)).contains("\"cost_usd\":0.0045");
        }
        FakeUpstream.Received up = upstream.lastReceived();
        assertThat(up.uri()).isEqualTo("/v1/messages");
        assertThat(up.headers().get("x-api-key")).isEqualTo("sk-ant-test-key");
        assertThat(up.bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    }

    @Test
    void aStreamBecomesResponsesEventsAndTheWordListRedactsThemAll() throws Exception {
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
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"stream\":true,\"input\":\"Hi\"}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
            // The term split across two deltas is caught: the first delta is cut short, the rest carries the mask.
            assertThat(normalized(r.body())).isEqualTo(opening("resp_02", "claude-sonnet-4-5", "[]")
                    + textItem("msg_02", "the ", "**** is secret")
                    + event("response.completed", 9, "\"response\":" + response("resp_02", "completed", "claude-sonnet-4-5",
                    "[" + message("msg_02", "completed", "the **** is secret") + "]", "[]", usage(12, 6))));
            assertThat(logs.awaitRequestLine(1)).contains("\"usage\":" + usage(12, 6)).contains("\"cost_usd\":0.000126") // 12 × $3 + 6 × $15 per million
                    .contains("\"policy\":\"word-filter\",\"action\":\"redact\"");
        }
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}");
    }

    @Test
    void aToolCallRoundTripsAsFunctionCallItems() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, TOOL_USE_MESSAGE));
        startAnthropic(Map.of());
        HttpResponse<String> first = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":\"Weather in Paris?\",\"tools\":["
                + WEATHER_TOOL + "]}");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(normalized(first.body())).isEqualTo(response("resp_t", "completed", "claude-sonnet-4-5",
                "[" + message("msg_t", "completed", "Checking.") + "," + functionCall("toolu_01", "completed", "\"{\\\"city\\\":\\\"Paris\\\"}\"") + "]",
                "[" + WEATHER_TOOL + "]", usage(50, 20)));
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],\"tools\":[" + ANTHROPIC_TOOL + "]}");

        // The client sends the call back with its output, as the Responses API asks (no stored state).
        upstream.handle(req -> FakeUpstream.json(req, 200, TEXT_MESSAGE));
        HttpResponse<String> second = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"type\":\"function_call\",\"id\":\"fc_toolu_01\",\"call_id\":\"toolu_01\",\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\",\"status\":\"completed\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"toolu_01\",\"output\":\"18C and sunny\"}],\"tools\":[" + WEATHER_TOOL + "]}");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01\",\"content\":\"18C and sunny\"}]}],"
                + "\"tools\":[" + ANTHROPIC_TOOL + "]}");
    }

    @Test
    void aStreamedToolUseBecomesFunctionCallEvents() throws Exception {
        upstream.handle(req -> sse(req,
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":50,\"output_tokens\":1}}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"toolu_02\",\"name\":\"get_weather\",\"input\":{}}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":12}}",
                "message_stop", "{\"type\":\"message_stop\"}"));
        startAnthropic(Map.of());
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"stream\":true,\"input\":\"Weather in Paris?\","
                    + "\"tools\":[" + WEATHER_TOOL + "]}");
            assertThat(r.statusCode()).isEqualTo(200);
            String tools = "[" + WEATHER_TOOL + "]";
            String args = "\"{\\\"city\\\": \\\"Paris\\\"}\"";
            assertThat(normalized(r.body())).isEqualTo(opening("resp_s", "claude-sonnet-4-5", tools)
                    + event("response.output_item.added", 2, "\"output_index\":0,\"item\":" + functionCall("toolu_02", "in_progress", "\"\""))
                    + event("response.function_call_arguments.delta", 3, "\"item_id\":\"fc_toolu_02\",\"output_index\":0,\"delta\":\"{\\\"city\\\": \"")
                    + event("response.function_call_arguments.delta", 4, "\"item_id\":\"fc_toolu_02\",\"output_index\":0,\"delta\":\"\\\"Paris\\\"}\"")
                    + event("response.function_call_arguments.done", 5, "\"item_id\":\"fc_toolu_02\",\"output_index\":0,\"name\":\"get_weather\","
                    + "\"arguments\":" + args)
                    + event("response.output_item.done", 6, "\"output_index\":0,\"item\":" + functionCall("toolu_02", "completed", args))
                    + event("response.completed", 7, "\"response\":" + response("resp_s", "completed", "claude-sonnet-4-5",
                    "[" + functionCall("toolu_02", "completed", args) + "]", tools, usage(50, 12))));
            assertThat(logs.awaitRequestLine(1)).contains("\"cost_usd\":0.00033"); // 50 × $3 + 12 × $15 per million
        }
    }

    @Test
    void anAnswerCutAtMaxTokensIsIncomplete() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, TEXT_MESSAGE.replace("\"end_turn\"", "\"max_tokens\"")));
        startAnthropic(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":\"Hi\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(normalized(r.body())).isEqualTo(response("resp_01", "incomplete", "claude-sonnet-4-5-20250929",
                "[" + message("msg_01", "incomplete", "Hello there, friend.") + "]", "[]", usage(1000, 100))
                .replace("\"incomplete_details\":null", "\"incomplete_details\":{\"reason\":\"max_output_tokens\"}"));
    }

    @Test
    void aHostedToolIsRefusedBeforeAnyCall() throws Exception {
        startAnthropic(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":\"News today?\",\"tools\":[{\"type\":\"web_search\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The tool type 'web_search' runs on OpenAI's servers and is not available "
                + "for this model; only function tools are.\",\"type\":\"invalid_request_error\",\"param\":\"tools[0].type\",\"code\":\"unsupported_parameter\"}}");
        HttpResponse<String> stored = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":\"And?\",\"previous_response_id\":\"resp_01\"}");
        assertThat(stored.statusCode()).isEqualTo(400);
        assertThat(stored.body()).isEqualTo("{\"error\":{\"message\":\"'previous_response_id' needs a conversation stored by OpenAI and is not "
                + "available for this model; send the whole conversation in 'input'.\",\"type\":\"invalid_request_error\","
                + "\"param\":\"previous_response_id\",\"code\":\"unsupported_parameter\"}}");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void anAnthropicRefusalNamesTheResponsesParameter() throws Exception {
        startAnthropic(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"json_object\"}}}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"param\":\"text.format\"").contains("\"code\":\"unsupported_parameter\"");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void anAnthropicErrorKeepsOpenAisErrorShape() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Slow down\"}}"));
        startAnthropic(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"claude\",\"input\":\"Hi\"}");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Slow down\",\"type\":\"rate_limit_error\",\"param\":null,\"code\":\"rate_limit_error\"}}");
    }
}
