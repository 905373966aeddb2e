package dev.tollgate.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.RawClient;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upstream that echoes the gateway's credentials (in a JSON error, a text error, a mid-stream
 * error event, a provider's translated error) never gets them to the caller or into a log line.
 */
class UpstreamSecretsTest extends KeyModeTest {

    /** Not shaped like a key: only the exact-value match can find it. */
    private static final String PROVIDER = "abc123secretProvider9";
    private static final String ANTHROPIC = "anthro-custom-credential-7";
    private static final String GEMINI = "gem-custom-credential-8";

    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    private static void assertNoSecrets(String text, String... secrets) {
        for (String s : secrets) assertThat(text).doesNotContain(s);
    }

    @Test
    void aJsonErrorEchoingTheProviderKeyIsScrubbedForTheCallerAndTheLog() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 401, error("Incorrect API key provided: " + req.getHeader("Authorization") + ".",
                "invalid_request_error", "invalid_api_key")));
        start(Map.of("OPENAI_API_KEY", PROVIDER));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo(error("Incorrect API key provided: Bearer [REDACTED].", "invalid_request_error", "invalid_api_key"));
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("error_message").asText()).isEqualTo("Incorrect API key provided: Bearer [REDACTED].");
            assertNoSecrets(logs.all(), PROVIDER);
        }
        assertThat(upstream.lastReceived().headers().get("Authorization")).isEqualTo("Bearer " + PROVIDER); // the key itself still goes upstream
    }

    @Test
    void everySpellingOfTheKeyInAJsonErrorIsScrubbed() throws Exception {
        String escaped = "\\u0061bc123secret\\u0050rovider9"; // the same key, written with JSON escapes
        upstream.handle(req -> FakeUpstream.json(req, 400, "{\"error\":{\"message\":\"key " + PROVIDER + " and again " + escaped
                + "\",\"type\":\"invalid_request_error\",\"param\":\"" + PROVIDER + "\",\"code\":null,\"echo\":{\"headers\":[\""
                + req.getHeader("Authorization") + "\"]}}}"));
        start(Map.of("OPENAI_API_KEY", PROVIDER));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"key [REDACTED] and again [REDACTED]\",\"type\":\"invalid_request_error\","
                + "\"param\":\"[REDACTED]\",\"code\":null,\"echo\":{\"headers\":[\"Bearer [REDACTED]\"]}}}");

        // The same answer to an Anthropic client (/v1/messages) is translated, and scrubbed first.
        HttpResponse<String> messages = gateway.postJson("/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(messages.statusCode()).isEqualTo(400);
        assertThat(Json.parse(messages.body()).at("/error/message").asText()).isEqualTo("key [REDACTED] and again [REDACTED]");
        assertNoSecrets(messages.body(), PROVIDER);
    }

    @Test
    void aTextErrorEchoingTheKeyIsScrubbedAndKeepsItsType() throws Exception {
        upstream.handle(req -> req.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8")
                .end("internal failure while using " + req.getHeader("Authorization") + "\n"));
        start(Map.of("OPENAI_API_KEY", PROVIDER));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.headers().firstValue("content-type")).contains("text/plain; charset=utf-8");
            assertThat(r.body()).isEqualTo("internal failure while using Bearer [REDACTED]\n");
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("error_message").asText())
                    .isEqualTo("internal failure while using Bearer [REDACTED]");

            // A pass-through endpoint's error (piped before) is read and scrubbed the same way.
            upstream.handle(req -> req.response().setStatusCode(403).putHeader("Content-Type", "text/html")
                    .end("<p>denied for key " + PROVIDER + "</p>"));
            HttpResponse<String> file = gateway.get("/v1/files/file-1/content");
            assertThat(file.statusCode()).isEqualTo(403);
            assertThat(file.body()).isEqualTo("<p>denied for key [REDACTED]</p>");
            assertThat(Json.parse(logs.awaitRequestLine(2)).path("error_message").asText()).isEqualTo("<p>denied for key [REDACTED]</p>");
            assertNoSecrets(logs.all(), PROVIDER);
        }
    }

    @Test
    void anErrorEventMidStreamIsScrubbed() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}");
            FakeUpstream.event(req, error("The key " + PROVIDER + " was revoked mid-stream.", "server_error", "key_revoked"));
            req.response().end();
        });
        start(Map.of("OPENAI_API_KEY", PROVIDER));
        try (RawClient client = new RawClient(gateway.port()); LogCapture logs = new LogCapture()) {
            client.postJson("/v1/chat/completions", STREAM);
            String all = client.readToClose(5000);
            assertThat(all).contains("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n");
            assertThat(all).contains("data: " + error("The key [REDACTED] was revoked mid-stream.", "server_error", "key_revoked") + "\n\n");
            assertNoSecrets(all, PROVIDER);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("error").asBoolean()).isTrue();
            assertThat(line.path("error_message").asText()).isEqualTo("The key [REDACTED] was revoked mid-stream.");
            assertNoSecrets(logs.all(), PROVIDER);
        }
    }

    @Test
    void aResponsesApiErrorEventIsScrubbed() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            req.response().write("event: error\ndata: {\"type\":\"error\",\"code\":\"auth\",\"message\":\"bad key " + PROVIDER
                    + "\",\"param\":null,\"sequence_number\":1}\n\n");
            req.response().end();
        });
        start(Map.of("OPENAI_API_KEY", PROVIDER));
        try (RawClient client = new RawClient(gateway.port()); LogCapture logs = new LogCapture()) {
            client.postJson("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"hi\"}");
            String all = client.readUntil("\r\n0\r\n\r\n", 5000); // an error event ends a Responses stream cleanly
            assertThat(all).contains("event: error\ndata: {\"type\":\"error\",\"code\":\"auth\",\"message\":\"bad key [REDACTED]\","
                    + "\"param\":null,\"sequence_number\":1}\n\n");
            assertNoSecrets(all, PROVIDER);
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("error_message").asText()).isEqualTo("bad key [REDACTED]");
        }
    }

    private void startProviders() {
        Map<String, String> env = new HashMap<>(Map.of("ANTHROPIC_KEY", ANTHROPIC, "GEMINI_KEY", GEMINI,
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]},"
                        + "{\"name\":\"gemini\",\"deployments\":[{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"GEMINI_KEY\"}]}]"));
        gateway = TestGateway.start(upstream, env);
    }

    @Test
    void translatedProviderErrorsAreScrubbed() throws Exception {
        startProviders();
        try (LogCapture logs = new LogCapture()) {
            upstream.handle(req -> FakeUpstream.json(req, 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                    + "\"message\":\"x-api-key " + req.getHeader("x-api-key") + " may not use this model\"}}"));
            HttpResponse<String> claude = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"max_tokens\":5,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(claude.statusCode()).isEqualTo(400);
            assertThat(claude.body()).isEqualTo(error("x-api-key [REDACTED] may not use this model", "invalid_request_error", "invalid_request_error"));

            upstream.handle(req -> FakeUpstream.json(req, 400, "{\"error\":{\"code\":400,\"message\":\"Invalid value for key "
                    + GEMINI + "\",\"status\":\"INVALID_ARGUMENT\"}}"));
            HttpResponse<String> gemini = gateway.postJson("/v1/chat/completions", "{\"model\":\"gemini\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(gemini.statusCode()).isEqualTo(400);
            assertThat(gemini.body()).isEqualTo(error("Invalid value for key [REDACTED]", "invalid_request_error", "invalid_argument"));

            assertThat(Json.parse(logs.awaitRequestLine(1)).path("error_message").asText()).isEqualTo("x-api-key [REDACTED] may not use this model");
            assertThat(Json.parse(logs.awaitRequestLine(2)).path("error_message").asText()).isEqualTo("Invalid value for key [REDACTED]");
            assertNoSecrets(logs.all(), ANTHROPIC, GEMINI);
        }
    }

    @Test
    void aTranslatedProviderErrorEventMidStreamIsScrubbed() throws Exception {
        upstream.handle((HttpServerRequest req) -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n");
            req.response().write("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded for "
                    + req.getHeader("x-api-key") + "\"}}\n\n");
            req.response().end();
        });
        startProviders();
        try (RawClient client = new RawClient(gateway.port()); LogCapture logs = new LogCapture()) {
            client.postJson("/v1/chat/completions", "{\"model\":\"claude\",\"max_tokens\":5,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            String all = client.readToClose(5000);
            assertThat(all).contains("data: " + error("Overloaded for [REDACTED]", "upstream_error", "overloaded_error") + "\n\n");
            assertNoSecrets(all, ANTHROPIC);
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("error_message").asText()).isEqualTo("Overloaded for [REDACTED]");
            assertNoSecrets(logs.all(), ANTHROPIC);
        }
    }

    @Test
    void aSuccessfulAnswerIsRelayedByteExactButLoggedBodiesAreScrubbed() throws Exception {
        String answer = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"The key is " + PROVIDER + "\"},\"finish_reason\":\"stop\"}]}";
        upstream.handle(req -> FakeUpstream.json(req, 200, answer));
        start(Map.of("OPENAI_API_KEY", PROVIDER, "POLICY_LOG_REQUEST", "true", "POLICY_LOG_RESPONSE", "true"));
        String request = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"use Bearer sk-mine-0123456789abcdef or "
                + PROVIDER + "\"}]}";
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", request);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(answer); // a 2xx answer is the model's: never rewritten
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.at("/request/body/messages/0/content").asText()).isEqualTo("use Bearer [REDACTED] or [REDACTED]");
            assertThat(line.at("/response/body/choices/0/message/content").asText()).isEqualTo("The key is [REDACTED]");
            assertNoSecrets(logs.all(), PROVIDER, "sk-mine-0123456789abcdef");
        }
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(request); // what goes upstream is unchanged
    }

    @Test
    void theAdminTokenAndTheKeyModeProviderKeyAreScrubbedFromErrorsAndApplicationLogs() throws Exception {
        String providerKey = "sk-provider-secret-key-000";
        upstream.handle(req -> FakeUpstream.json(req, 502, error("proxy saw token " + ADMIN + " and " + providerKey, "server_error", "bad_gateway")));
        startKeyMode(Map.of());
        String key = createKey("{}").get("key").asText();
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = chat(key, CHAT);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).isEqualTo(error("proxy saw token [REDACTED] and [REDACTED]", "server_error", "bad_gateway"));
            LoggerFactory.getLogger("tollgate").warn("a message naming {} and {} and {}", ADMIN, providerKey, key);
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("error_message").asText()).isEqualTo("proxy saw token [REDACTED] and [REDACTED]");
            assertThat(logs.all()).contains("a message naming [REDACTED] and [REDACTED] and [REDACTED]");
            assertNoSecrets(logs.all(), ADMIN, providerKey, key);
        }
    }

    @Test
    void responseHeadersEchoingTheKeyAreScrubbed() throws Exception {
        upstream.handle(req -> req.response().setStatusCode(401)
                .putHeader("WWW-Authenticate", "Bearer realm=\"api\", error=\"invalid_token\", token=\"" + PROVIDER + "\"")
                .putHeader("x-debug-authorization", req.getHeader("Authorization"))
                .putHeader("x-request-id", "req_" + PROVIDER)
                .putHeader("Content-Type", "application/json").end("{\"error\":{\"message\":\"denied\"}}"));
        start(Map.of("OPENAI_API_KEY", PROVIDER));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).contains("Bearer realm=\"api\", error=\"invalid_token\", token=\"[REDACTED]\"");
        assertThat(r.headers().firstValue("x-debug-authorization")).contains("Bearer [REDACTED]");
        assertThat(r.headers().firstValue("x-request-id")).contains("req_[REDACTED]");
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"denied\"}}");

        // A successful answer's headers lose the configured key too; its body stays byte-exact.
        upstream.handle(req -> req.response().putHeader("x-echo", "key " + PROVIDER).putHeader("x-other", "Bearer not-configured-0123456789")
                .putHeader("Content-Type", "application/json").end("{\"ok\":true}"));
        HttpResponse<String> ok = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(ok.headers().firstValue("x-echo")).contains("key [REDACTED]");
        assertThat(ok.headers().firstValue("x-other")).contains("Bearer not-configured-0123456789");
        assertThat(ok.body()).isEqualTo("{\"ok\":true}");
    }

    @Test
    void aCompressedErrorBodyThatCannotBeCheckedIsNotRelayed() throws Exception {
        byte[] gz;
        try (var bytes = new java.io.ByteArrayOutputStream(); var zip = new java.util.zip.GZIPOutputStream(bytes)) {
            zip.write(("{\"error\":{\"message\":\"bad key " + PROVIDER + "\"}}").getBytes());
            zip.finish();
            gz = bytes.toByteArray();
        }
        byte[] body = gz;
        upstream.handle(req -> req.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                .putHeader("Content-Encoding", "gzip").end(io.vertx.core.buffer.Buffer.buffer(body)));
        start(Map.of("OPENAI_API_KEY", PROVIDER));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("content-encoding")).isEmpty();
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The upstream answered HTTP 401 with a compressed body the gateway cannot "
                + "check for credentials.\",\"type\":\"upstream_error\",\"param\":null,\"code\":\"upstream_error_unreadable\"}}");
    }

    @Test
    void inPassThroughModeTheCallersOwnKeyIsKeptOutOfTheLog() throws Exception {
        String callers = "callers-own-credential-42";
        upstream.handle(req -> FakeUpstream.json(req, 401, "{\"error\":{\"message\":\"key " + callers + " is not valid here\"}}"));
        start(Map.of()); // no OPENAI_API_KEY: the caller's Authorization goes upstream
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT, "Authorization", "Bearer " + callers);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"key " + callers + " is not valid here\"}}"); // the caller's own
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("error_message").asText()).isEqualTo("key [REDACTED] is not valid here");
            assertNoSecrets(logs.all(), callers);
        }
        assertThat(upstream.lastReceived().headers().get("Authorization")).isEqualTo("Bearer " + callers);
    }
}
