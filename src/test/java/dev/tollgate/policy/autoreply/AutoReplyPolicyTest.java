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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    private static String chatBody(String model, String userContent) throws Exception {
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

    // ---- whole answers ----------------------------------------------------------------------

    @Test
    void aMatchingChatIsAnsweredWithoutTheUpstreamInTheExactChatShape() throws Exception {
        startWithEntries();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chatBody("gpt-4o", " hello \n"));
        assertAnsweredChat(r, "gpt-4o");
        assertThat(r.headers().firstValue("x-request-id").orElse("")).startsWith("req_");
        assertThat(upstream.received()).isEmpty();

        // Each answer gets its own id; the model is the one requested.
        HttpResponse<String> again = gateway.postJson("/v1/chat/completions", chatBody("gpt-4o-mini", "hello"));
        assertAnsweredChat(again, "gpt-4o-mini");
        assertThat(Json.parse(again.body()).path("id").asText()).isNotEqualTo(Json.parse(r.body()).path("id").asText());
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aContentPartArrayMatchesToo() throws Exception {
        startWithEntries();
        String parts = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"  hello\"}]}]}";
        assertAnsweredChat(gateway.postJson("/v1/chat/completions", parts), "gpt-4o");
        String split = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hel\"},"
                + "{\"type\":\"text\",\"text\":\"lo\"}]}]}";
        assertAnsweredChat(gateway.postJson("/v1/chat/completions", split), "gpt-4o");
        assertThat(upstream.received()).isEmpty();
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

    @Test
    void requestsThatDoNotMatchGoUpstream() throws Exception {
        startWithEntries();
        String[][] cases = {
                {"/v1/chat/completions", chatBody("gpt-4o", "hello there")},
                {"/v1/chat/completions", chatBody("gpt-4o", "Hello")},
                {"/v1/chat/completions", chatBody("gpt-4o", "ping")},            // a completion entry does not answer chat
                {"/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hello\"}"}, // nor a chat entry a completion
                {"/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":[\"ping\",\"ping\"]}"},
                {"/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"hello\"}"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = gateway.postJson(c[0], c[1]);
            assertThat(r.statusCode()).as(c[1]).isEqualTo(200);
            assertThat(r.body()).as(c[1]).isEqualTo("{\"ok\":true}");
            assertThat(upstream.lastReceived().bodyText()).as(c[1]).isEqualTo(c[1]);
        }
        assertThat(upstream.received()).hasSize(cases.length);
    }

    @Test
    void completionEntriesAnswerTheLegacyEndpoint() throws Exception {
        startWithEntries();
        for (String prompt : new String[]{"\"ping\"", "[\"ping\"]", "\" ping\\n\""}) {
            HttpResponse<String> r = gateway.postJson("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":" + prompt + "}");
            assertThat(r.statusCode()).as(prompt).isEqualTo(200);
            JsonNode json = Json.parse(r.body());
            String id = json.path("id").asText();
            assertThat(id).startsWith("cmpl-");
            assertThat(r.body()).as(prompt).isEqualTo(completionAnswer(id, json.path("created").asLong(), "gpt-3.5-turbo-instruct", "pong"));
        }
        assertThat(upstream.received()).isEmpty();
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
    private static JsonNode firstEvent(String sse) throws Exception {
        assertThat(sse).startsWith("data: {");
        return Json.parse(sse.substring(6, sse.indexOf("\n\n")));
    }

    @Test
    void aStreamedChatIsAnsweredAsTheExactEventSequence() throws Exception {
        startWithEntries();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\" hello \\n\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        JsonNode first = firstEvent(r.body());
        String id = first.path("id").asText();
        long created = first.path("created").asLong();
        assertThat(id).startsWith("chatcmpl-");
        assertThat(r.body()).isEqualTo(
                chatChunk(id, created, "gpt-4o", "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello, how can I help?\"},\"finish_reason\":null}")
                        + chatChunk(id, created, "gpt-4o", "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}")
                        + "data: [DONE]\n\n");
        assertThat(upstream.received()).isEmpty();
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

    @Test
    void aStreamedCompletionIsAnsweredInTheTextCompletionShape() throws Exception {
        startWithEntries();
        HttpResponse<String> r = gateway.postJson("/v1/completions",
                "{\"model\":\"gpt-3.5-turbo-instruct\",\"stream\":true,\"prompt\":[\"ping\"]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        JsonNode first = firstEvent(r.body());
        String id = first.path("id").asText();
        long created = first.path("created").asLong();
        assertThat(id).startsWith("cmpl-");
        String m = "gpt-3.5-turbo-instruct";
        assertThat(r.body()).isEqualTo(
                completionChunk(id, created, m, "{\"index\":0,\"text\":\"pong\",\"finish_reason\":null}")
                        + completionChunk(id, created, m, "{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}")
                        + "data: [DONE]\n\n");

        HttpResponse<String> usage = gateway.postJson("/v1/completions",
                "{\"model\":\"gpt-3.5-turbo-instruct\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"prompt\":\"ping\"}");
        JsonNode f2 = firstEvent(usage.body());
        String id2 = f2.path("id").asText();
        long c2 = f2.path("created").asLong();
        assertThat(usage.body()).isEqualTo(
                completionChunk(id2, c2, m, "{\"index\":0,\"text\":\"pong\",\"finish_reason\":null}")
                        + completionChunk(id2, c2, m, "{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}")
                        + "data: {\"id\":\"" + id2 + "\",\"object\":\"text_completion\",\"created\":" + c2 + ",\"model\":\"" + m
                        + "\",\"choices\":[],\"usage\":" + ZERO_USAGE + "}\n\n"
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
}
