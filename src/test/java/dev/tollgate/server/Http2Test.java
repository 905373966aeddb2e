package dev.tollgate.server;

import dev.tollgate.http.Replies;

import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTP/2 over cleartext (h2c): off by default; when switched on, every reply (errors included)
 * arrives whole, and a request body without Content-Length is read like any other.
 */
class Http2Test extends KeyModeTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void closeClient() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** What an HTTP/2 client got. */
    record Reply(HttpVersion version, int status, MultiMap headers, String body) {}

    private HttpClient priorKnowledge() {
        return vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    /** Sends a request; with {@code withLength} false the body goes without Content-Length (DATA frames only). */
    private Reply send(HttpClient client, HttpMethod method, String path, String body, boolean withLength, String... headers) throws Exception {
        Future<Reply> reply = client.request(new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(gateway.port()).setURI(path))
                .compose(req -> {
                    for (int i = 0; i < headers.length; i += 2) req.putHeader(headers[i], headers[i + 1]);
                    Future<HttpClientResponse> resp;
                    if (body == null) {
                        resp = req.send();
                    } else if (withLength) {
                        resp = req.send(Buffer.buffer(body));
                    } else {
                        req.setChunked(true);
                        int half = body.length() / 2;
                        req.write(body.substring(0, half));
                        req.write(body.substring(half));
                        req.end();
                        resp = req.response();
                    }
                    return resp.compose(r -> r.body().map(b -> new Reply(r.version(), r.statusCode(), r.headers(), b.toString())));
                });
        return await(reply);
    }

    private Reply post(HttpClient client, String path, String json, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "content-type";
        all[1] = "application/json";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return send(client, HttpMethod.POST, path, json, true, all);
    }

    private static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    @Test
    void cleartextHttp2IsOffByDefault() throws Exception {
        start(Map.of());
        assertThatThrownBy(() -> send(priorKnowledge(), HttpMethod.GET, "/healthz", null, true))
                .as("an HTTP/2 connection preface is not answered as HTTP/2").isNotNull();
        // An Upgrade: h2c offer is ignored: the request is served over HTTP/1.1.
        HttpClient upgrading = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(true));
        Reply r = send(upgrading, HttpMethod.GET, "/healthz", null, true);
        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void errorRepliesArriveWholeOverHttp2() throws Exception {
        start(Map.of("TOLLGATE_HTTP2_CLEARTEXT", "true", "TOLLGATE_MAX_BODY_BYTES", "2048"));
        HttpClient h2 = priorKnowledge();

        Reply notFound = send(h2, HttpMethod.GET, "/internal/secret", null, true);
        assertThat(notFound.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.headers().get("content-type")).isEqualTo("application/json");
        assertThat(notFound.body()).isEqualTo(error("Unknown route /internal/secret.", "invalid_request_error", "unknown_route"));

        Reply badJson = post(h2, "/v1/chat/completions", "{\"model\": \"gpt-4o\",");
        assertThat(badJson.status()).isEqualTo(400);
        assertThat(badJson.body()).isEqualTo(error("The request body is not valid JSON.", "invalid_request_error", "invalid_json"));

        Reply tooLarge = post(h2, "/v1/chat/completions", "{\"model\":\"m\",\"x\":\"" + "a".repeat(3000) + "\"}");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.body()).isEqualTo(error("The request body is larger than this gateway accepts (2048 bytes).",
                "invalid_request_error", "request_too_large"));

        Reply tooLargeStreaming = send(h2, HttpMethod.POST, "/v1/chat/completions", "{\"model\":\"m\",\"x\":\"" + "a".repeat(3000) + "\"}",
                false, "content-type", "application/json");
        assertThat(tooLargeStreaming.status()).isEqualTo(413);
        assertThat(tooLargeStreaming.body()).isEqualTo(tooLarge.body());

        Reply method = send(h2, HttpMethod.POST, "/healthz", "{}", true);
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.body()).isEqualTo(error("Method POST is not allowed on /healthz.", "invalid_request_error", "method_not_allowed"));

        Reply dots = send(h2, HttpMethod.GET, "/v1/files/../../admin", null, true);
        assertThat(dots.status()).isEqualTo(400);
        assertThat(dots.body()).isEqualTo(error("The path may not contain '.' or '..' segments.", "invalid_request_error", "invalid_path"));

        // The connection survived all of that: the same client still gets normal answers.
        Reply health = send(h2, HttpMethod.GET, "/healthz", null, true);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void theGuardStripsConnectionSpecificHeadersFromAnyHttp2Reply() throws Exception {
        // Whatever path builds a reply, the guard installed per request removes what HTTP/2 forbids.
        io.vertx.core.http.HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
                .setHost("127.0.0.1").setPort(0).setHttp2ClearTextEnabled(true)).requestHandler(req -> {
            Replies.guardHttp2(req);
            req.response().putHeader("connection", "close").putHeader("keep-alive", "timeout=5").putHeader("proxy-connection", "close")
                    .putHeader("transfer-encoding", "chunked").putHeader("upgrade", "h2c").putHeader("x-kept", "yes")
                    .setStatusCode(418).end("{\"whole\":true}");
        });
        await(server.listen());
        HttpClient h2 = priorKnowledge();
        Reply r = await(h2.request(new RequestOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/x"))
                .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Reply(resp.version(), resp.statusCode(), resp.headers(), b.toString())))));
        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(r.status()).isEqualTo(418);
        assertThat(r.body()).isEqualTo("{\"whole\":true}");
        assertThat(r.headers().get("x-kept")).isEqualTo("yes");
        assertThat(r.headers().contains("connection")).isFalse();
    }

    @Test
    void anUpgradedConnectionAnswersWholeToo() throws Exception {
        start(Map.of("TOLLGATE_HTTP2_CLEARTEXT", "true"));
        HttpClient upgrading = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(true));
        Reply first = send(upgrading, HttpMethod.GET, "/nowhere", null, true);
        assertThat(first.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(first.status()).isEqualTo(404);
        assertThat(first.body()).isEqualTo(error("Unknown route /nowhere.", "invalid_request_error", "unknown_route"));
        Reply second = post(upgrading, "/v1/chat/completions", "[1]");
        assertThat(second.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(second.status()).isEqualTo(400);
        assertThat(second.body()).isEqualTo(error("The request body must be a JSON object.", "invalid_request_error", "invalid_json"));
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void normalAndRelayedRepliesWorkOverHttp2() throws Exception {
        // The upstream's hop-by-hop headers must not reach an HTTP/2 client (they would void the answer).
        upstream.handle(req -> req.response().setStatusCode(429).putHeader("content-type", "application/json")
                .putHeader("connection", "keep-alive, x-hop").putHeader("keep-alive", "timeout=5").putHeader("x-hop", "1")
                .putHeader("proxy-connection", "keep-alive").putHeader("upgrade", "h2c").putHeader("retry-after", "7")
                .end("{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"));
        start(Map.of("TOLLGATE_HTTP2_CLEARTEXT", "true"));
        HttpClient h2 = priorKnowledge();
        Reply r = post(h2, "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}", "origin", "https://app.example.com");
        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
        assertThat(r.headers().get("retry-after")).isEqualTo("7");
        assertThat(r.headers().get("access-control-allow-origin")).isEqualTo("*");
        for (String hop : new String[]{"connection", "keep-alive", "x-hop", "proxy-connection", "upgrade", "transfer-encoding"}) {
            assertThat(r.headers().contains(hop)).as(hop).isFalse();
        }

        upstream.handle(req -> req.response().setStatusCode(200).putHeader("content-type", "application/json")
                .end("{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[]}"));
        Reply ok = post(h2, "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[]}");

        upstream.handle(req -> {
            dev.tollgate.support.FakeUpstream.startSse(req);
            dev.tollgate.support.FakeUpstream.event(req, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}");
            dev.tollgate.support.FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
        Reply stream = post(h2, "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}");
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.headers().get("content-type")).startsWith("text/event-stream");
        assertThat(stream.body()).contains("\"content\":\"hi\"").endsWith("data: [DONE]\n\n");

        Reply preflight = send(h2, HttpMethod.OPTIONS, "/v1/chat/completions", null, true,
                "origin", "https://app.example.com", "access-control-request-method", "POST");
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.headers().get("access-control-allow-methods")).isEqualTo("OPTIONS,POST,GET,DELETE");
    }

    @Test
    void keyAndAdminErrorsArriveWholeOverHttp2() throws Exception {
        startKeyMode(Map.of("TOLLGATE_HTTP2_CLEARTEXT", "true"));
        HttpClient h2 = priorKnowledge();
        Reply noKey = post(h2, "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(noKey.status()).isEqualTo(401);
        assertThat(noKey.body()).contains("\"type\":\"invalid_request_error\"").contains("\"code\":\"missing_api_key\"");

        Reply admin = send(h2, HttpMethod.GET, "/admin/v1/keys", null, true, "authorization", "Bearer wrong");
        assertThat(admin.status()).isEqualTo(401);
        assertThat(admin.body()).contains("\"code\":\"invalid_admin_token\"");

        Reply list = send(h2, HttpMethod.GET, "/admin/v1/keys", null, true, "authorization", "Bearer " + ADMIN);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).startsWith("{");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aBodyWithoutContentLengthIsReadAndJudged() throws Exception {
        start(Map.of("TOLLGATE_HTTP2_CLEARTEXT", "true", "POLICY_DISABLED_MODELS", "gpt-4"));
        HttpClient h2 = priorKnowledge();
        String json = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"héllo\"}]}";
        try (LogCapture logs = new LogCapture()) {
            Reply ok = send(h2, HttpMethod.POST, "/v1/chat/completions", json, false, "content-type", "application/json");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("{\"ok\":true}");
            assertThat(upstream.lastReceived().body().getBytes()).isEqualTo(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(upstream.lastReceived().headers().get("content-length")).isEqualTo(
                    Integer.toString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
            assertThat(logs.awaitRequestLine(1)).contains("\"model\":\"gpt-4o\"");
        }

        Reply refused = send(h2, HttpMethod.POST, "/v1/chat/completions", "{\"model\":\"gpt-4\",\"messages\":[]}", false,
                "content-type", "application/json");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("\"code\":\"model_disabled\"");
        assertThat(upstream.received()).hasSize(1);

        // An upload without Content-Length streams through byte-exact too.
        Reply upload = send(h2, HttpMethod.POST, "/v1/files", "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b--\r\n",
                false, "content-type", "multipart/form-data; boundary=b");
        assertThat(upload.status()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b--\r\n");

        // A GET without a body still goes upstream without one.
        Reply models = send(h2, HttpMethod.GET, "/v1/models", null, true);
        assertThat(models.status()).isEqualTo(200);
        assertThat(upstream.lastReceived().method()).isEqualTo("GET");
        assertThat(upstream.lastReceived().body().length()).isZero();
        assertThat(upstream.lastReceived().headers().contains("transfer-encoding")).isFalse();
    }
}
