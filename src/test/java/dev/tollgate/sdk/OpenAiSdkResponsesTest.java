package dev.tollgate.sdk;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official OpenAI Java SDK's Responses API, unchanged and validating every answer it reads,
 * on a model routed to Anthropic: a function call round trip whole, and a streamed answer.
 */
class OpenAiSdkResponsesTest extends GatewayTest {

    private OpenAIClient client;

    @BeforeEach
    void startGateway() {
        gateway = TestGateway.start(upstream, Map.of("PROVIDER_KEY", "provider-key-1",
                "TOLLGATE_MODELS", "[{\"name\":\"assistant\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-haiku-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"PROVIDER_KEY\"}]}]"));
        client = OpenAIOkHttpClient.builder().apiKey("unused").baseUrl(gateway.url("/v1")).maxRetries(0).timeout(Duration.ofSeconds(20))
                .responseValidation(true).build();
    }

    @AfterEach
    void closeClient() {
        if (client != null) client.close();
    }

    private static FunctionTool weatherTool() {
        return FunctionTool.builder().name("get_weather").description("Current weather").strict(false)
                .parameters(FunctionTool.Parameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build();
    }

    private static void sse(HttpServerRequest req, String... eventAndData) {
        req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
        for (int i = 0; i < eventAndData.length; i += 2) req.response().write("event: " + eventAndData[i] + "\ndata: " + eventAndData[i + 1] + "\n\n");
        req.response().end();
    }

    @Test
    void aFunctionCallRoundTripWithTheSdksOwnItems() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"msg_t\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
                + "\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}],"
                + "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":50,\"output_tokens\":20}}"));
        EasyInputMessage question = EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content("Weather in Paris?").build();
        Response first = client.responses().create(ResponseCreateParams.builder().model("assistant")
                .inputOfResponse(List.of(ResponseInputItem.ofEasyInputMessage(question))).addTool(weatherTool()).build());
        assertThat(first.output()).hasSize(1);
        ResponseFunctionToolCall call = first.output().get(0).asFunctionCall();
        assertThat(call.callId()).isEqualTo("toolu_01");
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
        ResponseUsage usage = first.usage().orElseThrow();
        assertThat(List.of(usage.inputTokens(), usage.outputTokens(), usage.totalTokens())).containsExactly(50L, 20L, 70L);

        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"msg_u\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"18C and sunny.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":80,\"output_tokens\":6}}"));
        Response second = client.responses().create(ResponseCreateParams.builder().model("assistant").addTool(weatherTool())
                .inputOfResponse(List.of(ResponseInputItem.ofEasyInputMessage(question), ResponseInputItem.ofFunctionCall(call),
                        ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                                .output("18C and sunny").build())))
                .build());
        assertThat(second.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("18C and sunny.");
        assertThat(second.status().orElseThrow()).hasToString("completed");
        assertThat(Json.parse(upstream.lastReceived().bodyText()).get("messages")).isEqualTo(Json.parse("["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01\",\"content\":\"18C and sunny\"}]}]"));
    }

    @Test
    void aStreamedAnswerArrivesAsTypedEvents() throws Exception {
        upstream.handle(req -> sse(req,
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello \"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"world.\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}",
                "message_stop", "{\"type\":\"message_stop\"}"));
        List<String> deltas = new ArrayList<>();
        List<Long> sequence = new ArrayList<>();
        Response completed = null;
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
                .model("assistant").input("Say hello").build())) {
            for (ResponseStreamEvent e : (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
                e.validate();
                if (e.isOutputTextDelta()) {
                    deltas.add(e.asOutputTextDelta().delta());
                    sequence.add(e.asOutputTextDelta().sequenceNumber());
                }
                if (e.isCompleted()) completed = e.asCompleted().response();
            }
        }
        assertThat(deltas).containsExactly("Hello ", "world.");
        assertThat(sequence).containsExactly(4L, 5L);
        assertThat(completed).isNotNull();
        assertThat(completed.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("Hello world.");
        ResponseUsage usage = completed.usage().orElseThrow();
        assertThat(List.of(usage.inputTokens(), usage.outputTokens(), usage.totalTokens())).containsExactly(9L, 3L, 12L);
    }
}
