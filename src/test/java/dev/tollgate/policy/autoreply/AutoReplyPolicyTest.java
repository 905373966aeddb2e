package dev.tollgate.policy.autoreply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import dev.tollgate.support.AnswerMode;
import dev.tollgate.support.Answers;
import dev.tollgate.support.Answers.Api;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * POLICY_AUTOREPLY end to end: a matching chat or completion request is answered by the gateway
 * in the endpoint's exact response shape (whole or streamed) without any upstream call, after
 * every blocking check; anything else goes to the upstream.
 */
class AutoReplyPolicyTest extends GatewayTest {

    static final String ENTRIES = "[{\"type\":\"chat\",\"request\":\"hello\",\"response\":\"Hello, how can I help?\"},"
            + "{\"type\":\"completion\",\"request\":\"ping\",\"response\":\"pong\"}]";

    private static final String ZERO_USAGE = "{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0}";



    private void startWithEntries() {
        start(Map.of("POLICY_AUTOREPLY", ENTRIES));
    }

    private static String chatBody(String model, String userContent) throws java.io.IOException {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + Json.MAPPER.writeValueAsString(userContent) + "}]}";
    }

    /** The exact whole chat answer, with the generated id and timestamp taken from the response. */
    private static String chatAnswer(String id, long created, String model, String content) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":" + created + ",\"model\":\"" + model + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":" + ZERO_USAGE + "}";
    }

    private static String completionAnswer(String id, long created, String model, String text) {
        return "{\"id\":\"" + id + "\",\"object\":\"text_completion\",\"created\":" + created + ",\"model\":\"" + model + "\","
                + "\"choices\":[{\"index\":0,\"text\":\"" + text + "\",\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":" + ZERO_USAGE + "}";
    }

    private static void assertAnsweredChat(HttpResponse<String> r, String model) throws Exception {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        JsonNode json = Json.parse(r.body());
        String id = json.path("id").asText();
        long created = json.path("created").asLong();
        assertThat(id).startsWith("chatcmpl-");
        assertThat(created).isBetween(System.currentTimeMillis() / 1000 - 60, System.currentTimeMillis() / 1000 + 1);
        assertThat(r.body()).isEqualTo(chatAnswer(id, created, model, "Hello, how can I help?"));
    }

    // ---- every case whole and streamed ------------------------------------------------------

    /** A request that an entry answers: the endpoint, the request (without "stream") and the entry's reply. */
    record Match(String name, String path, String request, String model, String reply) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Arguments> matches() throws java.io.IOException {
        String instruct = "gpt-3.5-turbo-instruct";
        List<Match> cases = List.of(
                new Match("chat, padded text", "/v1/chat/completions", chatBody("gpt-4o", " hello \n"), "gpt-4o", "Hello, how can I help?"),
                new Match("chat, another model", "/v1/chat/completions", chatBody("gpt-4o-mini", "hello"), "gpt-4o-mini", "Hello, how can I help?"),
                new Match("chat, a content part", "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"text\",\"text\":\"  hello\"}]}]}", "gpt-4o", "Hello, how can I help?"),
                new Match("chat, text split over parts", "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"text\",\"text\":\"hel\"},{\"type\":\"text\",\"text\":\"lo\"}]}]}", "gpt-4o", "Hello, how can I help?"),
                new Match("completion, a string", "/v1/completions", "{\"model\":\"" + instruct + "\",\"prompt\":\"ping\"}", instruct, "pong"),
                new Match("completion, a one-string array", "/v1/completions", "{\"model\":\"" + instruct + "\",\"prompt\":[\"ping\"]}", instruct, "pong"),
                new Match("completion, padded", "/v1/completions", "{\"model\":\"" + instruct + "\",\"prompt\":\" ping\\n\"}", instruct, "pong"));
        return AnswerMode.crossed(cases);
    }

    /**
     * Whole: the endpoint's exact answer object. Streamed: exactly the events an upstream would send
     * for it (content, finish, then [DONE]; no usage chunk unless asked), as text/event-stream.
     * Either way the upstream is never called, and ids are fresh per answer.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("matches")
    void aMatchingRequestIsAnsweredByTheGatewayInTheEndpointsExactShape(Match m, AnswerMode mode) throws Exception {
        startWithEntries();
        boolean chat = m.path().equals("/v1/chat/completions");
        HttpResponse<String> r = gateway.postJson(m.path(), mode.request(m.request()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-request-id").orElse("")).startsWith("req_");
        JsonNode first = mode.streamed() ? firstEvent(r.body()) : Json.parse(r.body());
        String id = first.path("id").asText();
        long created = first.path("created").asLong();
        assertThat(id).startsWith(chat ? "chatcmpl-tollgate" : "cmpl-tollgate");
        assertThat(created).isBetween(System.currentTimeMillis() / 1000 - 60, System.currentTimeMillis() / 1000 + 1);
        if (mode.streamed()) {
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            assertThat(r.body()).isEqualTo(chat
                    ? chatChunk(id, created, m.model(), "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"" + m.reply()
                            + "\"},\"finish_reason\":null}") + chatChunk(id, created, m.model(), "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}")
                            + "data: [DONE]\n\n"
                    : completionChunk(id, created, m.model(), "{\"index\":0,\"text\":\"" + m.reply() + "\",\"finish_reason\":null}")
                            + completionChunk(id, created, m.model(), "{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}")
                            + "data: [DONE]\n\n");
        } else {
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(r.body()).isEqualTo(chat ? chatAnswer(id, created, m.model(), m.reply()) : completionAnswer(id, created, m.model(), m.reply()));
        }
        HttpResponse<String> again = gateway.postJson(m.path(), mode.request(m.request()));
        JsonNode second = mode.streamed() ? firstEvent(again.body()) : Json.parse(again.body());
        assertThat(second.path("id").asText()).isNotEqualTo(id);
        assertThat(upstream.received()).isEmpty();
    }

    static List<Arguments> misses() throws java.io.IOException {
        String[][] cases = {
                {"/v1/chat/completions", chatBody("gpt-4o", "hello there")},
                {"/v1/chat/completions", chatBody("gpt-4o", "Hello")},
                {"/v1/chat/completions", chatBody("gpt-4o", "ping")},            // a completion entry does not answer chat
                {"/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hello\"}"}, // nor a chat entry a completion
                {"/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":[\"ping\",\"ping\"]}"},
                {"/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"hello\"}"},  // the Responses API has no entries
        };
        List<Arguments> out = new ArrayList<>();
        for (String[] c : cases) for (AnswerMode mode : AnswerMode.values()) out.add(Arguments.of(c[0], c[1], mode));
        return out;
    }

    /** Anything no entry answers goes upstream as the caller sent it, whole or streamed, and the upstream's answer comes back. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("misses")
    void aRequestNoEntryAnswersGoesUpstream(String path, String request, AnswerMode mode) throws Exception {
        mode.answer(upstream, path.equals("/v1/chat/completions") ? Api.CHAT : path.equals("/v1/completions") ? Api.COMPLETIONS : Api.RESPONSES,
                "From the model.");
        startWithEntries();
        String sent = mode.request(request);
        Api api = path.equals("/v1/chat/completions") ? Api.CHAT : path.equals("/v1/completions") ? Api.COMPLETIONS : Api.RESPONSES;
        Answers.Answer a = mode.read(api, gateway.postJson(path, sent));
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.text()).isEqualTo("From the model.");
        assertThat(a.complete()).isTrue();
        assertThat(upstream.received()).hasSize(1);
        JsonNode forwarded = Json.parse(upstream.lastReceived().bodyText());
        if (mode.streamed() && !api.equals(Api.RESPONSES)) ((com.fasterxml.jackson.databind.node.ObjectNode) forwarded).remove("stream_options"); // usage accounting's
        assertThat(forwarded).isEqualTo(Json.parse(sent));
    }

    @Test
    void theLastUserMessageDecides() throws Exception {
        startWithEntries();
        String earlierHello = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"},"
                + "{\"role\":\"assistant\",\"content\":\"Hi!\"},{\"role\":\"user\",\"content\":\"what is 2+2?\"}]}";
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", earlierHello);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"ok\":true}");
        assertThat(upstream.received()).hasSize(1);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(earlierHello);

        // Messages after the last user message (system, assistant) do not hide it.
        String laterHello = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"what is 2+2?\"},"
                + "{\"role\":\"user\",\"content\":\"hello\"},{\"role\":\"system\",\"content\":\"be nice\"}]}";
        assertAnsweredChat(gateway.postJson("/v1/chat/completions", laterHello), "gpt-4o");
        // A system or assistant "hello" is not the user's.
        String systemHello = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"hello\"}]}";
        assertThat(gateway.postJson("/v1/chat/completions", systemHello).body()).isEqualTo("{\"ok\":true}");
        assertThat(upstream.received()).hasSize(2);
    }

    // ---- streamed answers -------------------------------------------------------------------

    private static String chatChunk(String id, long created, String model, String choice) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created + ",\"model\":\"" + model
                + "\",\"choices\":[" + choice + "]}\n\n";
    }

    private static String completionChunk(String id, long created, String model, String choice) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"text_completion\",\"created\":" + created + ",\"model\":\"" + model
                + "\",\"choices\":[" + choice + "]}\n\n";
    }

    /** id and created of the first event of a stream. */
    private static JsonNode firstEvent(String sse) throws java.io.IOException {
        assertThat(sse).startsWith("data: {");
        return Json.parse(sse.substring(6, sse.indexOf("\n\n")));
    }

    @Test
    void aStreamedChatAskingForUsageGetsTheUsageChunkBeforeDone() throws Exception {
        startWithEntries();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode first = firstEvent(r.body());
        String id = first.path("id").asText();
        long created = first.path("created").asLong();
        assertThat(r.body()).isEqualTo(
                chatChunk(id, created, "gpt-4o", "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello, how can I help?\"},\"finish_reason\":null}")
                        + chatChunk(id, created, "gpt-4o", "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}")
                        + "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                        + ",\"model\":\"gpt-4o\",\"choices\":[],\"usage\":" + ZERO_USAGE + "}\n\n"
                        + "data: [DONE]\n\n");
        assertThat(upstream.received()).isEmpty();
    }

    // ---- order in the chain -----------------------------------------------------------------

    @Test
    void blockingChecksStillApplyFirst() throws Exception {
        start(Map.of("POLICY_AUTOREPLY", ENTRIES, "POLICY_DISABLED_MODELS", "gpt-4"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chatBody("gpt-4", "hello"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Blocked by policy model-rules: model 'gpt-4' is disabled on this "
                + "gateway.\",\"type\":\"policy_violation\",\"param\":\"model\",\"code\":\"model_disabled\"}}");
        HttpResponse<String> streamed = gateway.postJson("/v1/chat/completions",
                "{\"model\":\"gpt-4\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertThat(streamed.statusCode()).isEqualTo(403);
        assertThat(streamed.headers().firstValue("content-type")).contains("application/json");
        assertThat(streamed.body()).contains("\"code\":\"model_disabled\"");
        assertThat(upstream.received()).isEmpty();
        gateway.close();

        start(Map.of("POLICY_AUTOREPLY", ENTRIES, "POLICY_ENFORCE_USER_IDS", "true", "POLICY_MAX_TOKENS", "100"));
        HttpResponse<String> noUser = gateway.postJson("/v1/chat/completions", chatBody("gpt-4o", "hello"));
        assertThat(noUser.statusCode()).isEqualTo(403);
        assertThat(noUser.body()).contains("\"code\":\"user_required\"");
        HttpResponse<String> tooMany = gateway.postJson("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"user\":\"u\",\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertThat(tooMany.statusCode()).isEqualTo(403);
        assertThat(tooMany.body()).contains("\"code\":\"max_tokens_exceeded\"");
        HttpResponse<String> fine = gateway.postJson("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"user\":\"u\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertAnsweredChat(fine, "gpt-4o");
        assertThat(upstream.received()).isEmpty();
    }

    // ---- log --------------------------------------------------------------------------------

    @Test
    void theRequestLogRecordsTheLocalAnswer() throws Exception {
        startWithEntries();
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chatBody("gpt-4o", "hello"));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("endpoint").asText()).isEqualTo("/v1/chat/completions");
            assertThat(line.path("status").asInt()).isEqualTo(200);
            assertThat(line.path("error").asBoolean()).isFalse();
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"auto_reply\",\"description\":\"answered from "
                    + "POLICY_AUTOREPLY\",\"policy\":\"auto-reply\",\"action\":\"audit\"}]");
            assertThat(line.path("response").path("usage").toString()).isEqualTo(ZERO_USAGE);
            assertThat(line.path("response").path("id").asText()).isEqualTo(Json.parse(r.body()).path("id").asText());
            assertThat(line.path("metadata").has("upstream_attempts")).isFalse();
            assertThat(line.path("metadata").path("request_id").asText()).isEqualTo(r.headers().firstValue("x-request-id").orElseThrow());

            HttpResponse<String> s = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(s.statusCode()).isEqualTo(200);
            JsonNode streamed = Json.parse(logs.awaitRequestLine(2));
            assertThat(streamed.path("status").asInt()).isEqualTo(200);
            assertThat(streamed.path("flags").toString()).isEqualTo(line.path("flags").toString());
            assertThat(streamed.path("response").path("usage").toString()).isEqualTo(ZERO_USAGE);
        }
    }

    @Test
    void aStreamedAnswerIsLoggedWithZeroUsageEvenWhenTheCallerDidNotAskForUsage() throws Exception {
        startWithEntries();
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> s = gateway.postJson("/v1/chat/completions",
                    "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(s.statusCode()).isEqualTo(200);
            assertThat(s.body()).doesNotContain("\"usage\"");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(200);
            assertThat(line.path("response").path("usage").toString()).isEqualTo(ZERO_USAGE);
        }
    }

    // ---- configuration ----------------------------------------------------------------------

    @Test
    void entriesFromAYamlFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, "HOST: 127.0.0.1\nPORT: 0\nTOLLGATE_EVENT_LOOPS: 1\nLLM_API_BASE_PATH: " + upstream.baseUrl() + "\n"
                + "POLICY_AUTOREPLY:\n"
                + "  - type: chat\n"
                + "    request: hello\n"
                + "    response: \"Hello, how can I help?\"\n"
                + "  - type: Completion\n"
                + "    request: ping\n"
                + "    response: pong\n");
        Settings settings = new ConfigLoader(Gateway.catalog()).load(file, Map.of()).settings();
        assertThat(settings.get(AutoReplyPolicy.AUTOREPLY)).containsExactly(
                new AutoReplyPolicy.Entry("chat", "hello", "Hello, how can I help?"), new AutoReplyPolicy.Entry("completion", "ping", "pong"));

        Gateway started = Gateway.start(settings).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + started.port() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(chatBody("gpt-4o", "hello")))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertAnsweredChat(r, "gpt-4o");
            HttpResponse<String> c = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + started.port() + "/v1/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"ping\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(Json.parse(c.body()).path("choices").path(0).path("text").asText()).isEqualTo("pong");
            assertThat(upstream.received()).isEmpty();
        } finally {
            started.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMalformedEntryStopsStartUp() {
        assertThatThrownBy(() -> TestGateway.start(upstream, Map.of("POLICY_AUTOREPLY", "[{\"type\":\"chat\",\"request\":\"hello\"}]")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration:\n  POLICY_AUTOREPLY: entry 0 must be {type: chat|completion, request: text, "
                        + "response: text} (environment variable)");
        assertThatThrownBy(() -> TestGateway.start(upstream, Map.of("POLICY_AUTOREPLY",
                "[{\"type\":\"chat\",\"request\":\"a\",\"response\":\"b\"},{\"type\":\"image\",\"request\":\"a\",\"response\":\"b\"}]")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration:\n  POLICY_AUTOREPLY: entry 1 must be {type: chat|completion, request: text, "
                        + "response: text} (environment variable)");
        assertThatThrownBy(() -> TestGateway.start(upstream, Map.of("POLICY_AUTOREPLY", "{\"type\":\"chat\"}")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration:\n  POLICY_AUTOREPLY: expected a list (a JSON array in an environment variable), "
                        + "got a mapping (environment variable)");
        assertThatThrownBy(() -> TestGateway.start(upstream, Map.of("POLICY_AUTOREPLY", "[{\"type\":")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration:\n  POLICY_AUTOREPLY: expected a list (a JSON array in an environment variable), "
                        + "got malformed JSON (environment variable)");
    }

    @Test
    void aMalformedYamlEntryNamesTheKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, "POLICY_AUTOREPLY:\n  - type: chat\n    request: hello\n    response: [not, text]\n");
        assertThatThrownBy(() -> new ConfigLoader(Gateway.catalog()).load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration:\n  POLICY_AUTOREPLY: entry 0 must be {type: chat|completion, request: text, response: text}");
    }

    /** An Anthropic client's matching request gets the reply in Anthropic's format, whole and as a Messages event stream. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(AnswerMode.class)
    void anAnthropicClientGetsTheReplyInItsOwnFormat(AnswerMode mode) throws Exception {
        start(Map.of("POLICY_AUTOREPLY", ENTRIES, "ANTHROPIC_KEY", "sk-ant-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]}]"));
        HttpResponse<String> r = gateway.postJson("/v1/messages", mode.request("{\"model\":\"claude\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"));
        assertThat(r.statusCode()).isEqualTo(200);
        java.util.regex.Matcher idm = java.util.regex.Pattern.compile("\"id\":\"(msg_tollgate[0-9a-f]+)\"").matcher(r.body());
        assertThat(idm.find()).as(r.body()).isTrue();
        String id = idm.group(1);
        String usage = "{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}";
        if (mode.streamed()) {
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            assertThat(r.body()).isEqualTo("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                    + "\"usage\":" + usage + "}}\n\n"
                    + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                    + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                    + "\"text\":\"Hello, how can I help?\"}}\n\n"
                    + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                    + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                    + "\"usage\":" + usage + "}\n\n"
                    + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        } else {
            assertThat(r.body()).isEqualTo("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\","
                    + "\"content\":[{\"type\":\"text\",\"text\":\"Hello, how can I help?\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                    + "\"usage\":" + usage + "}");
        }
        assertThat(upstream.received()).isEmpty();
    }
}
