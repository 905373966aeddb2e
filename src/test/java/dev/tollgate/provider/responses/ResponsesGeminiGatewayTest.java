package dev.tollgate.provider.responses;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tollgate.provider.responses.ResponsesShapes.WEATHER_TOOL;
import static dev.tollgate.provider.responses.ResponsesShapes.event;
import static dev.tollgate.provider.responses.ResponsesShapes.functionCall;
import static dev.tollgate.provider.responses.ResponsesShapes.message;
import static dev.tollgate.provider.responses.ResponsesShapes.normalized;
import static dev.tollgate.provider.responses.ResponsesShapes.opening;
import static dev.tollgate.provider.responses.ResponsesShapes.response;
import static dev.tollgate.provider.responses.ResponsesShapes.usage;
import static org.assertj.core.api.Assertions.assertThat;

/** A Responses API client on a model routed to Gemini: whole and streamed, with a function call round trip, usage and cost. */
class ResponsesGeminiGatewayTest extends GatewayTest {

    private static final Pattern RESPONSE_ID = Pattern.compile("\"id\":\"resp_([0-9a-f]+)\"");

    private void startGemini() {
        gateway = TestGateway.start(upstream, Map.of("GEMINI_KEY", "AIza-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"gemini\",\"deployments\":[{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"GEMINI_KEY\"}]}]"));
    }

    /** Gemini answers carry no id: the gateway makes one per answer (random), here replaced by "X" wherever it appears. */
    private static String withFixedId(String body) {
        Matcher m = RESPONSE_ID.matcher(body);
        assertThat(m.find()).as("a response id in %s", body).isTrue();
        return normalized(body).replace(m.group(1), "X");
    }

    @Test
    void aWholeTextAnswerWithUsageAndCost() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Paris.\"}]},"
                + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":1000,\"candidatesTokenCount\":1000,"
                + "\"totalTokenCount\":2000},\"modelVersion\":\"gemini-2.5-flash\"}"));
        startGemini();
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"gemini\",\"instructions\":\"Be brief.\",\"input\":\"Capital of France?\"}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(withFixedId(r.body())).isEqualTo(response("resp_X", "completed", "gemini-2.5-flash",
                    "[" + message("msg_X", "completed", "Paris.") + "]", "[]", usage(1000, 1000))
                    .replace("\"instructions\":null", "\"instructions\":\"Be brief.\""));
            assertThat(logs.awaitRequestLine(1)).contains("\"usage\":" + usage(1000, 1000)).contains("\"cost_usd\":0.0028"); // 1000 × $0.30 + 1000 × $2.50 per million
        }
        FakeUpstream.Received up = upstream.lastReceived();
        assertThat(up.uri()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(up.bodyText()).isEqualTo("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Capital of France?\"}]}],"
                + "\"systemInstruction\":{\"parts\":[{\"text\":\"Be brief.\"}]}}");
    }

    @Test
    void aStreamedFunctionCallAndItsResultSentBack() throws Exception {
        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\","
                    + "\"args\":{\"city\":\"Paris\"}}}]},\"finishReason\":\"STOP\",\"index\":0}],"
                    + "\"usageMetadata\":{\"promptTokenCount\":20,\"candidatesTokenCount\":5,\"totalTokenCount\":25},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n");
            req.response().end();
        });
        startGemini();
        String tools = "[" + WEATHER_TOOL + "]";
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"gemini\",\"stream\":true,\"input\":\"Weather in Paris?\","
                    + "\"tools\":" + tools + "}");
            assertThat(r.statusCode()).isEqualTo(200);
            String args = "\"{\\\"city\\\":\\\"Paris\\\"}\"";
            assertThat(withFixedId(r.body())).isEqualTo(opening("resp_X", "gemini-2.5-flash", tools)
                    + event("response.output_item.added", 2, "\"output_index\":0,\"item\":" + functionCall("call_X_0", "in_progress", "\"\""))
                    + event("response.function_call_arguments.delta", 3, "\"item_id\":\"fc_call_X_0\",\"output_index\":0,\"delta\":" + args)
                    + event("response.function_call_arguments.done", 4, "\"item_id\":\"fc_call_X_0\",\"output_index\":0,\"name\":\"get_weather\","
                    + "\"arguments\":" + args)
                    + event("response.output_item.done", 5, "\"output_index\":0,\"item\":" + functionCall("call_X_0", "completed", args))
                    + event("response.completed", 6, "\"response\":" + response("resp_X", "completed", "gemini-2.5-flash",
                    "[" + functionCall("call_X_0", "completed", args) + "]", tools, usage(20, 5))));
            assertThat(logs.awaitRequestLine(1)).contains("\"usage\":" + usage(20, 5)).contains("\"cost_usd\":0.0000185"); // 20 × $0.30 + 5 × $2.50 per million
        }
        assertThat(upstream.lastReceived().uri()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");

        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"18C.\"}]},"
                + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":30,\"candidatesTokenCount\":3,\"totalTokenCount\":33}}"));
        HttpResponse<String> second = gateway.postJson("/v1/responses", "{\"model\":\"gemini\",\"input\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather in Paris?\"}]},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"{\\\"temp\\\":18}\"}],\"tools\":" + tools + "}");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"contents\":["
                + "{\"role\":\"user\",\"parts\":[{\"text\":\"Weather in Paris?\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},"
                + "\"thoughtSignature\":\"skip_thought_signature_validator\"}]},"
                + "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"temp\":18}}}]}],"
                + "\"tools\":[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"description\":\"Current weather\","
                + "\"parameters\":{\"type\":\"OBJECT\",\"properties\":{\"city\":{\"type\":\"STRING\"}}}}]}]}"); // GeminiSchema spells types its way
    }
}
