package dev.tollgate.server;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.RawClient;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every bad input gets its exact status and OpenAI-shaped body, and nothing reaches the upstream. */
class MalformedInputTest extends GatewayTest {


    private static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    @Test
    void malformedJsonIs400() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\": \"gpt-4o\",");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        assertThat(r.body()).isEqualTo(error("The request body is not valid JSON.", "invalid_request_error", "invalid_json"));
        HttpResponse<String> trailing = gateway.postJson("/v1/chat/completions", "{} {}");
        assertThat(trailing.statusCode()).isEqualTo(400);
        HttpResponse<String> array = gateway.postJson("/v1/chat/completions", "[1,2]");
        assertThat(array.body()).isEqualTo(error("The request body must be a JSON object.", "invalid_request_error", "invalid_json"));
        HttpResponse<String> deep = gateway.postJson("/v1/chat/completions", "[".repeat(5000) + "]".repeat(5000));
        assertThat(deep.statusCode()).isEqualTo(400);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aKeyGivenTwiceIsRefusedSoGatewayAndUpstreamCannotReadDifferentValues() throws Exception {
        String dup = error("The request body gives the same key twice in one object; send each key once.", "invalid_request_error", "invalid_json");
        for (Map<String, String> env : java.util.List.of(Map.<String, String>of(), Map.of("POLICY_DISABLED_MODELS", "gpt-4"))) {
            start(env); // without policies the body is only scanned; with one it is parsed whole
            for (String body : new String[] {"{\"model\":\"gpt-4o-mini\",\"model\":\"gpt-4\",\"messages\":[]}",
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[],\"model\":[\"gpt-4\"]}",
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"a\",\"content\":\"b\"}]}",
                    "{\"mod\\u0065l\":\"gpt-4\",\"model\":\"gpt-4o-mini\",\"messages\":[]}"}) {
                HttpResponse<String> r = gateway.postJson("/v1/chat/completions", body);
                assertThat(r.statusCode()).as(body).isEqualTo(400);
                assertThat(r.body()).as(body).isEqualTo(dup);
            }
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.http().send(gateway.request("/v1/chat/completions").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.body()).isEqualTo(error("This endpoint takes a JSON body: send Content-Type: application/json.",
                "invalid_request_error", "unsupported_media_type"));
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void bodyOverTheLimitIs413ByContentLengthAndWhileStreaming() throws Exception {
        start(Map.of("TOLLGATE_MAX_BODY_BYTES", "2048", "TOLLGATE_MAX_UPLOAD_BYTES", "4096"));
        String big = "{\"model\":\"m\",\"x\":\"" + "a".repeat(3000) + "\"}";
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).isEqualTo(error("The request body is larger than this gateway accepts (2048 bytes).",
                "invalid_request_error", "request_too_large"));

        try (RawClient raw = new RawClient(gateway.port())) {
            raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            raw.send("800\r\n" + "a".repeat(2048) + "\r\n");
            raw.send("800\r\n" + "a".repeat(2048) + "\r\n");
            String all = raw.readToClose(5000);
            assertThat(all).startsWith("HTTP/1.1 413 Request Entity Too Large");
            assertThat(all).contains("\"code\":\"request_too_large\"");
        }

        HttpResponse<String> upload = gateway.http().send(gateway.request("/v1/files").header("Content-Type", "multipart/form-data; boundary=b")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5000])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).isEqualTo(413);
        assertThat(upload.body()).contains("(4096 bytes)");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() throws Exception {
        start(Map.of());
        LogCapture logs = new LogCapture();
        HttpResponse<String> r = gateway.get("/internal/secret");
        assertThat(logs.awaitRequestLine(1)).contains("\"endpoint\":\"/internal/secret\",\"method\":\"GET\",\"status\":404");
        logs.close();
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo(error("Unknown route /internal/secret.", "invalid_request_error", "unknown_route"));
        assertThat(gateway.get("/v1/").statusCode()).isEqualTo(404);

        HttpResponse<String> post = gateway.postJson("/healthz", "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.body()).isEqualTo(error("Method POST is not allowed on /healthz.", "invalid_request_error", "method_not_allowed"));

        HttpResponse<String> trace = gateway.http().send(gateway.request("/v1/models").method("TRACE", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(trace.statusCode()).isEqualTo(405);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void dotSegmentsAreRefused() throws Exception {
        start(Map.of());
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.send("GET /v1/files/../../admin HTTP/1.1\r\nHost: x\r\n\r\n");
            String all = raw.readUntil("}}", 5000);
            assertThat(all).startsWith("HTTP/1.1 400 Bad Request");
            assertThat(all).contains(error("The path may not contain '.' or '..' segments.", "invalid_request_error", "invalid_path"));
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void slowBodyIs408() throws Exception {
        start(Map.of("TOLLGATE_CLIENT_BODY_TIMEOUT_MS", "300"));
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":");
            String all = raw.readToClose(5000);
            assertThat(all).startsWith("HTTP/1.1 408 Request Timeout");
            assertThat(all).endsWith(error("The request body was not received in time.", "invalid_request_error", "request_timeout"));
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void slowHeadersCloseTheConnection() throws Exception {
        start(Map.of("TOLLGATE_CLIENT_HEADER_TIMEOUT_MS", "300"));
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n");
            long start = System.nanoTime();
            assertThat(raw.readToClose(5000)).isEmpty();
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
        }
        // The gateway still serves others.
        assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void garbageHttpIs400InOpenAiShape() throws Exception {
        start(Map.of());
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
            String all = raw.readToClose(5000);
            assertThat(all).startsWith("HTTP/1.1 400");
            assertThat(all).contains("\"type\":\"invalid_request_error\"");
        }
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.send("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n");
            String all = raw.readToClose(5000);
            assertThat(all).startsWith("HTTP/1.1 431");
            assertThat(all).contains(error("The request headers are too large.", "invalid_request_error", "headers_too_large"));
        }
    }

    @Test
    void badHeaderOverridesAreRefusedBeforeTheUpstream() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4"));
        HttpResponse<String> loosen = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4\"}", "x-tollgate-disabled-models", "");
        assertThat(loosen.statusCode()).isEqualTo(403);
        assertThat(loosen.body()).isEqualTo(error("Header x-tollgate-disabled-models would loosen the gateway's POLICY_DISABLED_MODELS setting; "
                + "a request may only tighten it.", "permission_error", "setting_override_forbidden"));
        HttpResponse<String> bad = gateway.postJson("/v1/chat/completions", "{}", "x-tollgate-retry-count", "9");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo(error("Header x-tollgate-retry-count: expected an integer from 0 to 5, got 9.",
                "invalid_request_error", "invalid_header_value"));
        HttpResponse<String> unknown = gateway.postJson("/v1/chat/completions", "{}", "x-tollgate-max-token", "5");
        assertThat(unknown.body()).isEqualTo(error("Unknown header x-tollgate-max-token.", "invalid_request_error", "unknown_setting_header"));
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void errorsNeverLeakKeysOrInternals() throws Exception {
        gateway = TestGateway.start(null, Map.of("LLM_API_BASE_PATH", "http://127.0.0.1:1/v1", "OPENAI_API_KEY", "sk-live-SECRET-0123456789"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}", "Authorization", "Bearer sk-caller-SECRET-999");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).doesNotContain("SECRET").doesNotContain("127.0.0.1").doesNotContain("Exception").doesNotContain("\tat ");
            logs.awaitRequestLine(1);
            assertThat(logs.all()).doesNotContain("SECRET").doesNotContain("sk-");
        }
    }
}
