package dev.tollgate.sdk;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official OpenAI Java SDK, unchanged, reaching Anthropic and Gemini deployments through the
 * gateway: tool calls whole and streamed come back as OpenAI tool calls the SDK parses.
 */
class OpenAiSdkProvidersTest extends GatewayTest {

    private OpenAIClient client;

    @AfterEach
    void closeClient() {
        if (client != null) client.close();
    }

    private void startWith(String provider, String model) {
        gateway = TestGateway.start(upstream, Map.of("PROVIDER_KEY", "provider-key-1",
                "TOLLGATE_MODELS", "[{\"name\":\"assistant\",\"deployments\":[{\"provider\":\"" + provider + "\",\"model\":\"" + model
                        + "\",\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"PROVIDER_KEY\"}]}]"));
        client = OpenAIOkHttpClient.builder().apiKey("unused").baseUrl(gateway.url("/v1")).maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    }

    private static ChatCompletionCreateParams params() {
        return ChatCompletionCreateParams.builder().model("assistant").maxCompletionTokens(100).addUserMessage("Weather in Paris?")
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                        .description("Current weather").parameters(FunctionParameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                                .build()).build()).build())
                .build();
    }

    private static void sse(HttpServerRequest req, String... events) {
        req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
        for (String e : events) req.response().write(e + "\n\n");
        req.response().end();
    }

    @Test
    void anthropicToolUseBecomesAnOpenAiToolCall() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"msg_t\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Checking.\"},{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\","
                + "\"input\":{\"city\":\"Paris\"}}],\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":50,\"output_tokens\":20}}"));
        startWith("anthropic", "claude-haiku-4-5");
        ChatCompletion c = client.chat().completions().create(params());
        ChatCompletionMessageFunctionToolCall call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.id()).isEqualTo("toolu_01");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(Json.parse(call.function().arguments()).get("city").asText()).isEqualTo("Paris");
        assertThat(c.choices().get(0).finishReason()).hasToString("tool_calls");
        assertThat(Json.parse(upstream.lastReceived().bodyText()).at("/tools/0/input_schema/properties/city/type").asText()).isEqualTo("string");
    }

    @Test
    void anthropicStreamedToolUseArrivesAsToolCallDeltas() throws Exception {
        upstream.handle(req -> sse(req,
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":50,\"output_tokens\":1}}}",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"toolu_02\",\"name\":\"get_weather\",\"input\":{}}}",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":12}}",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}"));
        startWith("anthropic", "claude-haiku-4-5");
        StringBuilder args = new StringBuilder();
        String name = null;
        String finish = null;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params())) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    if (choice.finishReason().isPresent()) finish = choice.finishReason().get().toString();
                    for (ChatCompletionChunk.Choice.Delta.ToolCall t : choice.delta().toolCalls().orElse(List.of())) {
                        if (t.function().flatMap(f -> f.name()).isPresent()) name = t.function().get().name().get();
                        t.function().flatMap(f -> f.arguments()).ifPresent(args::append);
                    }
                }
            }
        }
        assertThat(name).isEqualTo("get_weather");
        assertThat(Json.parse(args.toString()).get("city").asText()).isEqualTo("Paris");
        assertThat(finish).isEqualTo("tool_calls");
    }

    @Test
    void geminiFunctionCallsComeBackAsToolCallsWholeAndStreamed() throws Exception {
        String candidate = "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\","
                + "\"args\":{\"city\":\"Paris\"}}}]},\"finishReason\":\"STOP\",\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":20,\"candidatesTokenCount\":5,\"totalTokenCount\":25}}";
        upstream.handle(req -> {
            if (req.uri().contains("stream")) sse(req, "data: " + candidate);
            else FakeUpstream.json(req, 200, candidate);
        });
        startWith("gemini", "gemini-2.5-flash");
        ChatCompletion c = client.chat().completions().create(params());
        ChatCompletionMessageFunctionToolCall call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(Json.parse(call.function().arguments()).get("city").asText()).isEqualTo("Paris");
        assertThat(Json.parse(upstream.lastReceived().bodyText()).at("/tools/0/functionDeclarations/0/name").asText()).isEqualTo("get_weather");

        StringBuilder args = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params())) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    for (ChatCompletionChunk.Choice.Delta.ToolCall t : choice.delta().toolCalls().orElse(List.of())) {
                        t.function().flatMap(f -> f.arguments()).ifPresent(args::append);
                    }
                }
            }
        }
        assertThat(Json.parse(args.toString()).get("city").asText()).isEqualTo("Paris");
    }
}
