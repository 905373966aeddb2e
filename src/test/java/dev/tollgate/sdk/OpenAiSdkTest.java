package dev.tollgate.sdk;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official OpenAI Java SDK pointed at the gateway: what the SDK gets back, and what the
 * upstream (a {@link FakeUpstream} speaking OpenAI's wire format) received.
 */
class OpenAiSdkTest {

    private static final String MODEL = "gpt-4o-mini";
    private static final String SERVED_MODEL = "gpt-4o-mini-2024-07-18";
    private static final String CONTENT = "Hello from the fake upstream.";
    private static final List<String> STREAM_PIECES = List.of("Hel", "lo", " wor", "ld", "!");
    private static final float[] VECTOR = {0.5f, -0.25f, 0.125f, 1.0f, -0.0078125f};

    private FakeUpstream upstream;
    private TestGateway gateway;
    private OpenAIClient client;

    @BeforeEach
    void setUp() {
        upstream = new FakeUpstream();
        upstream.handle(this::answer);
    }

    @AfterEach
    void tearDown() {
        if (client != null) client.close();
        if (gateway != null) gateway.close();
        upstream.close();
    }

    private void start(Map<String, String> keys) {
        gateway = TestGateway.start(upstream, keys);
        client = OpenAIOkHttpClient.builder()
                .apiKey("sk-caller")
                .baseUrl(gateway.url("/v1"))
                .maxRetries(0)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    private void start() {
        start(Map.of());
    }

    // ---- the fake upstream: OpenAI's wire format ------------------------------------------------

    private void answer(HttpServerRequest req) {
        String path = req.path();
        // the fake records each request before calling the handler; requests in these tests are sequential
        JsonObject body = new JsonObject(upstream.lastReceived().bodyText());
        switch (path) {
            case "/v1/chat/completions" -> {
                if (body.getBoolean("stream", false)) streamChat(req, body);
                else FakeUpstream.json(req, 200, chatCompletion());
            }
            case "/v1/embeddings" -> FakeUpstream.json(req, 200, embeddings(body.getString("encoding_format", "float")));
            default -> FakeUpstream.json(req, 404, "{\"error\":{\"message\":\"no route\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
        }
    }

    private static String chatCompletion() {
        return """
                {"id":"chatcmpl-abc123","object":"chat.completion","created":1718000000,"model":"%s",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"%s","refusal":null,"annotations":[]},\
                "logprobs":null,"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":13,"completion_tokens":7,"total_tokens":20,\
                "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},\
                "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},\
                "service_tier":"default","system_fingerprint":"fp_0123456789"}""".formatted(SERVED_MODEL, CONTENT);
    }

    private static void streamChat(HttpServerRequest req, JsonObject body) {
        JsonObject options = body.getJsonObject("stream_options");
        boolean usage = options != null && Boolean.TRUE.equals(options.getBoolean("include_usage"));
        String usageField = usage ? ",\"usage\":null" : "";
        String head = "{\"id\":\"chatcmpl-stream1\",\"object\":\"chat.completion.chunk\",\"created\":1718000001,\"model\":\""
                + SERVED_MODEL + "\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_0123456789\",\"choices\":";
        FakeUpstream.startSse(req);
        FakeUpstream.event(req, head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":null}]" + usageField + "}");
        for (String piece : STREAM_PIECES) {
            FakeUpstream.event(req, head + "[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"},\"logprobs\":null,"
                    + "\"finish_reason\":null}]" + usageField + "}");
        }
        FakeUpstream.event(req, head + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]" + usageField + "}");
        if (usage) {
            FakeUpstream.event(req, head + "[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5,\"total_tokens\":14,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                    + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}");
        }
        FakeUpstream.event(req, "[DONE]");
        req.response().end();
    }

    private static String embeddings(String format) {
        String embedding;
        if (format.equals("base64")) {
            ByteBuffer buf = ByteBuffer.allocate(VECTOR.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : VECTOR) buf.putFloat(f);
            embedding = "\"" + Base64.getEncoder().encodeToString(buf.array()) + "\"";
        } else {
            List<String> parts = new ArrayList<>();
            for (float f : VECTOR) parts.add(Float.toString(f));
            embedding = "[" + String.join(",", parts) + "]";
        }
        return "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":" + embedding + "}],"
                + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}";
    }

    private static List<Float> vector() {
        List<Float> out = new ArrayList<>();
        for (float f : VECTOR) out.add(f);
        return out;
    }

    private static ChatCompletionCreateParams chatParams() {
        return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("Say hello").build();
    }

    private FakeUpstream.Received received() {
        assertThat(upstream.received()).as("requests the upstream received").hasSize(1);
        return upstream.lastReceived();
    }

    // ---- chat completions -------------------------------------------------------------------

    @Test
    void chatCompletionReturnsTheContentAndUsage() {
        start();

        ChatCompletion completion = client.chat().completions().create(chatParams());

        assertThat(completion.id()).isEqualTo("chatcmpl-abc123");
        assertThat(completion.model()).isEqualTo(SERVED_MODEL);
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).contains(CONTENT);
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        CompletionUsage usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(13);
        assertThat(usage.completionTokens()).isEqualTo(7);
        assertThat(usage.totalTokens()).isEqualTo(20);

        FakeUpstream.Received r = received();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.uri()).isEqualTo("/v1/chat/completions");
        JsonObject sent = new JsonObject(r.bodyText());
        assertThat(sent.getString("model")).isEqualTo(MODEL);
        assertThat(sent.getJsonArray("messages").getJsonObject(0).getMap())
                .containsEntry("role", "user").containsEntry("content", "Say hello");
        // a non-streamed request goes upstream as the SDK sent it
        assertThat(sent.containsKey("stream_options")).isFalse();
        assertThat(sent.containsKey("stream")).isFalse();
    }

    @Test
    void streamingChatYieldsTheChunksInOrderWithoutAUsageChunkByDefault() {
        start();

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chatParams())) {
            chunks = stream.stream().collect(Collectors.toList());
        }

        // role chunk, five content pieces, finish chunk; the usage-only chunk the gateway asked for is hidden
        assertThat(chunks).hasSize(7);
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.id()).isEqualTo("chatcmpl-stream1");
            assertThat(c.choices()).hasSize(1);
            assertThat(c.usage()).isEmpty();
        });
        assertThat(chunks.stream().map(c -> c.choices().get(0).delta().content().orElse(null)).collect(Collectors.toList()))
                .containsExactly("", "Hel", "lo", " wor", "ld", "!", null);
        assertThat(chunks.get(6).choices().get(0).finishReason()).contains(ChatCompletionChunk.Choice.FinishReason.STOP);
        String text = chunks.stream().flatMap(c -> c.choices().stream())
                .map(ch -> ch.delta().content().orElse("")).collect(Collectors.joining());
        assertThat(text).isEqualTo("Hello world!");

        // the gateway asked the upstream for usage on the caller's behalf
        JsonObject sent = new JsonObject(received().bodyText());
        assertThat(sent.getBoolean("stream")).isTrue();
        assertThat(sent.getJsonObject("stream_options").getMap()).isEqualTo(Map.of("include_usage", true));
    }

    @Test
    void streamingChatPassesTheUsageChunkWhenTheCallerAskedForIt() {
        start();
        ChatCompletionCreateParams params = chatParams().toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().collect(Collectors.toList());
        }

        assertThat(chunks).hasSize(8);
        assertThat(chunks.subList(0, 7)).allSatisfy(c -> {
            assertThat(c.choices()).hasSize(1);
            assertThat(c.usage()).isEmpty();
        });
        assertThat(chunks.subList(0, 7).stream().map(c -> c.choices().get(0).delta().content().orElse(""))
                .collect(Collectors.joining())).isEqualTo("Hello world!");
        ChatCompletionChunk last = chunks.get(7);
        assertThat(last.choices()).isEmpty();
        CompletionUsage usage = last.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(9);
        assertThat(usage.completionTokens()).isEqualTo(5);
        assertThat(usage.totalTokens()).isEqualTo(14);

        JsonObject sent = new JsonObject(received().bodyText());
        assertThat(sent.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    }

    // ---- embeddings --------------------------------------------------------------------------

    @Test
    void embeddingsReturnTheVector() {
        start();

        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("The food was delicious").build());

        assertThat(response.model()).isEqualTo("text-embedding-3-small");
        assertThat(response.data()).hasSize(1);
        assertThat(response.data().get(0).index()).isEqualTo(0);
        assertThat(response.data().get(0).embedding()).containsExactlyElementsOf(vector());
        assertThat(response.usage().promptTokens()).isEqualTo(4);
        assertThat(response.usage().totalTokens()).isEqualTo(4);

        FakeUpstream.Received r = received();
        assertThat(r.uri()).isEqualTo("/v1/embeddings");
        JsonObject sent = new JsonObject(r.bodyText());
        assertThat(sent.getString("model")).isEqualTo("text-embedding-3-small");
        assertThat(sent.getString("input")).isEqualTo("The food was delicious");
        // the SDK asks for base64 by default; the gateway passes it through
        assertThat(sent.getString("encoding_format")).isEqualTo("base64");
    }

    @Test
    void embeddingsAsFloats() {
        start();

        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("The food was delicious")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());

        assertThat(response.data().get(0).embedding()).containsExactlyElementsOf(vector());
        assertThat(new JsonObject(received().bodyText()).getString("encoding_format")).isEqualTo("float");
    }

    // ---- which key the upstream sees -----------------------------------------------------------

    @Test
    void theGatewaysKeyReplacesTheCallersWhenConfigured() {
        start(Map.of("OPENAI_API_KEY", "sk-gateway"));

        client.chat().completions().create(chatParams());
        assertThat(upstream.lastReceived().headers().getAll("Authorization")).containsExactly("Bearer sk-gateway");

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chatParams())) {
            assertThat(stream.stream().count()).isEqualTo(7);
        }
        assertThat(upstream.lastReceived().headers().getAll("Authorization")).containsExactly("Bearer sk-gateway");

        client.embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small").input("x").build());
        assertThat(upstream.lastReceived().headers().getAll("Authorization")).containsExactly("Bearer sk-gateway");

        assertThat(upstream.received()).hasSize(3);
        assertThat(upstream.received()).allSatisfy(r -> assertThat(r.headers().toString()).doesNotContain("sk-caller"));
    }

    @Test
    void theCallersKeyIsForwardedWhenTheGatewayHasNone() {
        start();

        client.chat().completions().create(chatParams());
        assertThat(upstream.lastReceived().headers().getAll("Authorization")).containsExactly("Bearer sk-caller");

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chatParams())) {
            assertThat(stream.stream().count()).isEqualTo(7);
        }
        assertThat(upstream.lastReceived().headers().getAll("Authorization")).containsExactly("Bearer sk-caller");

        client.embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small").input("x").build());
        assertThat(upstream.lastReceived().headers().getAll("Authorization")).containsExactly("Bearer sk-caller");
    }

    // ---- the gateway's own errors, as the SDK reads them -----------------------------------------

    @Test
    void aDisabledModelIsAPermissionErrorTheSdkUnderstands() {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4o-mini"));

        assertThatThrownBy(() -> client.chat().completions().create(chatParams()))
                .isInstanceOfSatisfying(PermissionDeniedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.type()).contains("policy_violation");
                    assertThat(e.code()).contains("model_disabled");
                    assertThat(e.param()).contains("model");
                    assertThat(e.getMessage()).contains("Blocked by policy model-rules: model 'gpt-4o-mini' is disabled on this gateway.");
                });
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aBadSettingHeaderIsABadRequestTheSdkUnderstands() {
        start();
        ChatCompletionCreateParams params = chatParams().toBuilder().putAdditionalHeader("x-tollgate-retry-count", "9").build();

        assertThatThrownBy(() -> client.chat().completions().create(params))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.type()).contains("invalid_request_error");
                    assertThat(e.code()).contains("invalid_header_value");
                    assertThat(e.param()).isEqualTo(Optional.empty());
                    assertThat(e.getMessage()).contains("Header x-tollgate-retry-count: expected an integer from 0 to 5, got 9.");
                });
        assertThat(upstream.received()).isEmpty();
    }
}
