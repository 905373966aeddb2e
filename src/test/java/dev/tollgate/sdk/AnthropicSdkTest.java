package dev.tollgate.sdk;

import com.fasterxml.jackson.databind.JsonNode;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official Anthropic Java SDK against {@code /v1/messages}: its request goes through the
 * policies, limits and cost accounting as a chat completion, to an OpenAI-format upstream here,
 * and the answer comes back in Anthropic's format, whole and streamed.
 */
class AnthropicSdkTest extends KeyModeTest {

    private AnthropicClient client;

    @AfterEach
    void closeClient() {
        if (client != null) client.close();
    }

    private AnthropicClient client(String key) {
        client = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.port()).apiKey(key)
                .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
        return client;
    }

    private static MessageCreateParams params(String text) {
        return MessageCreateParams.builder().model("gpt-4o-mini").maxTokens(200).system("Be brief.").addUserMessage(text).build();
    }

    @Test
    void aMessageRoundTripsThroughTheGatewayWithItsCostRecorded() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-7\",\"object\":\"chat.completion\",\"created\":1,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from OpenAI.\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":1000,\"total_tokens\":2000}}"));
        startKeyMode(Map.of());
        String secret = createKey("{\"user\":\"ann\"}").get("key").asText();
        try (LogCapture logs = new LogCapture()) {
            Message m = client(secret).messages().create(params("Hi"));
            assertThat(m.content()).hasSize(1);
            assertThat(m.content().get(0).text().orElseThrow().text()).isEqualTo("Hello from OpenAI.");
            assertThat(m.stopReason()).contains(StopReason.END_TURN);
            assertThat(m.usage().inputTokens()).isEqualTo(1000);
            assertThat(m.usage().outputTokens()).isEqualTo(1000);
            assertThat(logs.awaitRequestLine(1)).contains("\"endpoint\":\"/v1/messages\"").contains("\"cost_usd\":0.00075")
                    .contains("\"user\":\"ann\"").doesNotContain(secret);
        }
        FakeUpstream.Received up = upstream.lastReceived();
        assertThat(up.uri()).isEqualTo("/v1/chat/completions");
        assertThat(up.headers().get("Authorization")).isEqualTo("Bearer sk-provider-secret-key-000");
        assertThat(up.headers().get("x-api-key")).isNull();
        assertThat(Json.parse(up.bodyText()).get("messages").toString())
                .isEqualTo("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]");
    }

    @Test
    void aStreamedMessageIsScreenedByTheWordListAndAccumulatesInTheSdk() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"role\":\"assistant\",\"content\":\"the project fal\"}}]}");
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"con is secret\"},\"finish_reason\":\"stop\"}]}");
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6,\"total_tokens\":15}}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
        startKeyMode(Map.of("POLICY_RESPONSE_WORDLIST", "custom:redact", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        String secret = createKey("{}").get("key").asText();
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client(secret).messages().createStreaming(params("Hi"))) {
            stream.stream().forEach(acc::accumulate);
        }
        Message m = acc.message();
        String text = m.content().stream().map(ContentBlock::text).flatMap(java.util.Optional::stream)
                .map(t -> t.text()).collect(Collectors.joining());
        assertThat(text).isEqualTo("the **** is secret");
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.usage().outputTokens()).isEqualTo(6);
        assertThat(Json.parse(upstream.lastReceived().bodyText()).at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void gatewayErrorsReachTheSdkInAnthropicsShape() throws Exception {
        startKeyMode(Map.of());
        assertThatThrownBy(() -> client("tg-" + "x".repeat(43)).messages().create(params("Hi")))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.getMessage()).contains("Incorrect API key provided.");
                });
        String secret = createKey("{\"allowed_models\":[\"gpt-4o\"]}").get("key").asText();
        assertThatThrownBy(() -> client(secret).messages().create(params("Hi")))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("This API key may not use model 'gpt-4o-mini'.");
                });
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void errorBodiesOfMessagesAreInAnthropicsFormat() throws Exception {
        startKeyMode(Map.of());
        var r = gateway.postJson("/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"messages\":[]}", "x-api-key", "sk-ant-not-ours");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"You didn't provide "
                + "an API key. Send your Tollgate key as 'Authorization: Bearer tg-…' or in the x-tollgate-api-key header.\"}}");
        String secret = createKey("{}").get("key").asText();
        var bad = gateway.postJson("/v1/messages", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "x-api-key", secret);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field required\"}}");
    }

    private static MessageCreateParams thinkingParams(String text) {
        return MessageCreateParams.builder().model("gpt-4o-mini").maxTokens(2000).enabledThinking(1024).addUserMessage(text).build();
    }

    @Test
    void reasoningFromAnOpenAiCompatibleServerReachesTheSdkAsAThinkingBlock() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"created\":1,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"9.11 is smaller.\","
                + "\"reasoning_content\":\"Compare the decimals.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,"
                + "\"completion_tokens\":1000,\"total_tokens\":2000,\"completion_tokens_details\":{\"reasoning_tokens\":900}}}"));
        startKeyMode(Map.of());
        String secret = createKey("{}").get("key").asText();
        try (LogCapture logs = new LogCapture()) {
            Message m = client(secret).messages().create(thinkingParams("Which is smaller, 9.11 or 9.9?"));
            assertThat(m.content()).hasSize(2);
            assertThat(m.content().get(0).thinking().orElseThrow().thinking()).isEqualTo("Compare the decimals.");
            assertThat(m.content().get(0).thinking().orElseThrow().signature()).isEmpty();
            assertThat(m.content().get(1).text().orElseThrow().text()).isEqualTo("9.11 is smaller.");
            assertThat(m.usage().outputTokens()).isEqualTo(1000);
            // Reasoning tokens are output tokens: 1000 × $0.15 + 1000 × $0.60 per million, as for any answer.
            assertThat(logs.awaitRequestLine(1)).contains("\"cost_usd\":0.00075");
        }
        // The caller's thinking request reaches the OpenAI-compatible server as the effort its budget means (it rejects 'thinking').
        JsonNode forwarded = Json.parse(upstream.lastReceived().bodyText());
        assertThat(forwarded.has("thinking")).isFalse();
        assertThat(forwarded.get("reasoning_effort").asText()).isEqualTo("low");
    }

    @Test
    void streamedReasoningAccumulatesIntoAThinkingBlockBeforeTheText() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"Compare \"}}]}");
            FakeUpstream.event(req, "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"reasoning_content\":\"the decimals.\"}}]}");
            FakeUpstream.event(req, "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"9.11 is smaller.\"},\"finish_reason\":\"stop\"}]}");
            FakeUpstream.event(req, "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":60,\"total_tokens\":69,\"completion_tokens_details\":{\"reasoning_tokens\":50}}}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
        startKeyMode(Map.of());
        String secret = createKey("{}").get("key").asText();
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client(secret).messages().createStreaming(thinkingParams("Which is smaller?"))) {
            stream.stream().forEach(acc::accumulate);
        }
        Message m = acc.message();
        assertThat(m.content()).hasSize(2);
        assertThat(m.content().get(0).thinking().orElseThrow().thinking()).isEqualTo("Compare the decimals.");
        assertThat(m.content().get(1).text().orElseThrow().text()).isEqualTo("9.11 is smaller.");
        assertThat(m.usage().outputTokens()).isEqualTo(60);
    }

    @Test
    void theSdkCountsTokensThroughTheGatewayUnderTheKeysModelRules() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{\"allowed_models\":[\"gpt-4o\"]}").get("key").asText();
        MessageCountTokensParams allowed = MessageCountTokensParams.builder().model("gpt-4o").system("Be brief.").addUserMessage("Hi").build();
        // The gateway's tokenizer (the default upstream is OpenAI's): o200k_base, 15 tokens.
        assertThat(client(secret).messages().countTokens(allowed).inputTokens()).isEqualTo(15);
        MessageCountTokensParams other = MessageCountTokensParams.builder().model("gpt-4o-mini").addUserMessage("Hi").build();
        assertThatThrownBy(() -> client.messages().countTokens(other))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("This API key may not use model 'gpt-4o-mini'.");
                });
        assertThat(upstream.received()).isEmpty();
    }
}
