package dev.tollgate.server;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PassThroughTest extends GatewayTest {


    @Test
    void forwardsPathQueryAndBodyExactlyAndRelaysStatusAndClientHeaders() throws Exception {
        upstream.handle(req -> req.response().setStatusCode(201)
                .putHeader("content-type", "application/json")
                .putHeader("x-request-id", "req_upstream_1")
                .putHeader("openai-processing-ms", "12")
                .putHeader("x-ratelimit-remaining-requests", "99")
                .putHeader("retry-after", "3")
                .putHeader("keep-alive", "timeout=5")
                .putHeader("set-cookie", "__cf_bm=abc")
                .end("{\"id\":\"file-AbC\"}"));
        start(Map.of());
        String body = "{\"purpose\":\"batch\",  \"x\":[1,2]}";
        HttpResponse<String> r = gateway.postJson("/v1/files/File-AbC/Content?Limit=2&after=Ob_X", body);

        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).isEqualTo("{\"id\":\"file-AbC\"}");
        assertThat(r.headers().firstValue("x-request-id")).contains("req_upstream_1");
        assertThat(r.headers().firstValue("openai-processing-ms")).contains("12");
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("99");
        assertThat(r.headers().firstValue("retry-after")).contains("3");
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        assertThat(r.headers().firstValue("keep-alive")).isEmpty();
        assertThat(r.headers().firstValue("set-cookie")).isEmpty();

        FakeUpstream.Received got = upstream.lastReceived();
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.uri()).isEqualTo("/v1/files/File-AbC/Content?Limit=2&after=Ob_X");
        assertThat(got.bodyText()).isEqualTo(body);
    }

    @Test
    void acceptsPathsWithoutTheV1Prefix() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.postJson("/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().uri()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void injectsConfiguredKeyAndNeverForwardsCallersAuthorization() throws Exception {
        start(Map.of("OPENAI_API_KEY", "sk-gateway-secret-1234"));
        gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}", "Authorization", "Bearer sk-caller-5678",
                "OpenAI-Organization", "org-1", "OpenAI-Project", "proj_1", "x-tollgate-trace-id", "trace-9");
        FakeUpstream.Received got = upstream.lastReceived();
        assertThat(got.headers().getAll("authorization")).containsExactly("Bearer sk-gateway-secret-1234");
        assertThat(got.headers().get("openai-organization")).isEqualTo("org-1");
        assertThat(got.headers().get("openai-project")).isEqualTo("proj_1");
        assertThat(got.headers().get("x-tollgate-trace-id")).isNull();
    }

    @Test
    void forwardsCallersAuthorizationWhenNoKeyIsConfigured() throws Exception {
        start(Map.of());
        gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}", "Authorization", "Bearer sk-caller-5678");
        assertThat(upstream.lastReceived().headers().get("authorization")).isEqualTo("Bearer sk-caller-5678");
    }

    @Test
    void multipartUploadAndBinaryResponsePassThroughByteExact() throws Exception {
        byte[] audio = new byte[300_000];
        new Random(7).nextBytes(audio);
        upstream.handle(req -> req.response().putHeader("content-type", "audio/mpeg")
                .end(io.vertx.core.buffer.Buffer.buffer(audio)));
        start(Map.of());

        String boundary = "----tollgate7MA4YWxkTrZu0gW";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n").getBytes();
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes();
        byte[] body = new byte[head.length + audio.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(audio, 0, body, head.length, audio.length);
        System.arraycopy(tail, 0, body, head.length + audio.length, tail.length);

        HttpResponse<byte[]> r = gateway.http().send(gateway.request("/v1/audio/transcriptions")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(audio);
        assertThat(r.headers().firstValue("content-type")).contains("audio/mpeg");
        FakeUpstream.Received got = upstream.lastReceived();
        assertThat(got.body().getBytes()).isEqualTo(body);
        assertThat(got.headers().get("content-type")).isEqualTo("multipart/form-data; boundary=" + boundary);
    }

    @Test
    void requestIdIsEchoedOrTakenFromUpstreamOrGenerated() throws Exception {
        upstream.handle(req -> req.response().putHeader("x-request-id", "req_up").putHeader("content-type", "application/json").end("{}"));
        start(Map.of());
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> echoed = gateway.postJson("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}", "x-request-id", "my-id-1");
            assertThat(echoed.headers().firstValue("x-request-id")).contains("my-id-1");
            assertThat(echoed.headers().firstValue("x-upstream-request-id")).contains("req_up");
            assertThat(logs.awaitRequestLine(1)).contains("\"request_id\":\"my-id-1\"");

            HttpResponse<String> fromUpstream = gateway.postJson("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}");
            assertThat(fromUpstream.headers().firstValue("x-request-id")).contains("req_up");
            assertThat(logs.awaitRequestLine(2)).contains("\"request_id\":\"req_up\"");

            HttpResponse<String> generated = gateway.get("/nothing-here");
            assertThat(generated.headers().firstValue("x-request-id").orElseThrow()).matches("req_[0-9a-f]{30}");
        }
    }

    @Test
    void aJsonResponseTooLargeToInspectPassesThroughWhole() throws Exception {
        String big = "{\"data\":\"" + "z".repeat(5000) + "\"}";
        upstream.handle(req -> req.response().setChunked(true).putHeader("content-type", "application/json")
                .write(big.substring(0, 1000)).onComplete(v -> req.response().end(big.substring(1000))));
        start(Map.of("TOLLGATE_MAX_RESPONSE_BYTES", "2048"));
        HttpResponse<String> r = gateway.postJson("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(big);
    }

    @Test
    void healthAndReadiness() throws Exception {
        start(Map.of());
        HttpResponse<String> health = gateway.get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
        HttpResponse<String> ready = gateway.get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("{\"status\":\"ready\"}");
    }

    @Test
    void corsPreflightIsAnsweredWithoutAuthAndResponsesCarryAllowOrigin() throws Exception {
        start(Map.of("OPENAI_API_KEY", "sk-x"));
        HttpResponse<String> pre = gateway.http().send(gateway.request("/v1/chat/completions")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(pre.statusCode()).isEqualTo(204);
        assertThat(pre.headers().firstValue("access-control-allow-origin")).contains("*");
        assertThat(pre.headers().firstValue("access-control-allow-headers")).contains("authorization, content-type");
        assertThat(pre.headers().firstValue("access-control-allow-methods")).contains("OPTIONS,POST,GET,DELETE");
        assertThat(upstream.received()).isEmpty();

        HttpResponse<String> actual = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}", "Origin", "https://app.example");
        assertThat(actual.headers().firstValue("access-control-allow-origin")).contains("*");
    }

    @Test
    void corsOriginListEchoesOnlyListedOrigins() throws Exception {
        start(Map.of("CORS_HEADERS",
                "{\"Access-Control-Allow-Origin\":\"https://a.example, https://b.example\",\"Access-Control-Allow-Headers\":\"content-type\"}"));
        HttpResponse<String> ok = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}", "Origin", "https://b.example");
        assertThat(ok.headers().firstValue("access-control-allow-origin")).contains("https://b.example");
        assertThat(ok.headers().firstValue("vary")).contains("Origin");
        HttpResponse<String> other = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}", "Origin", "https://evil.example");
        assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
    }
}
