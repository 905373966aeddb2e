package dev.tollgate.server;

import dev.tollgate.api.ApiError;
import dev.tollgate.http.Cors;
import dev.tollgate.http.Replies;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.upstream.ForwardedHeaders;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * {@code GET /metrics}: the Prometheus scrape, on the main port or on a listener of its own
 * (TOLLGATE_METRICS_PORT), behind TOLLGATE_METRICS_TOKEN when it is set. Scrapes are not request-log
 * lines (like health probes, one every few seconds would drown the log) and the text is made on a
 * worker thread, never an event loop.
 */
final class MetricsEndpoint {

    static final String PATH = "/metrics";
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final GatewayMetrics metrics;
    private final byte[] tokenDigest; // SHA-256 of the token, or null: compared digest to digest, in constant time
    private final Cors cors;

    MetricsEndpoint(GatewayMetrics metrics, String token, Cors cors) {
        this.metrics = metrics;
        this.tokenDigest = token == null || token.isEmpty() ? null : sha256(token);
        this.cors = cors;
    }

    void handle(HttpServerRequest req, String requestId) {
        HttpMethod method = req.method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            Replies.error(req, cors, requestId, ApiError.methodNotAllowed(method.name(), PATH), true);
            return;
        }
        if (tokenDigest != null) {
            String presented = ForwardedHeaders.bearerToken(req.getHeader(HttpHeaders.AUTHORIZATION));
            if (presented == null || !MessageDigest.isEqual(sha256(presented), tokenDigest)) {
                Replies.error(req, cors, requestId, new ApiError(401, ApiError.INVALID_REQUEST, "invalid_metrics_token",
                        "GET /metrics needs 'Authorization: Bearer <TOLLGATE_METRICS_TOKEN>'.", null), false); // a scraper's GET has no body
                return;
            }
        }
        Context context = Vertx.currentContext();
        context.executeBlocking(metrics::scrape, false).onComplete(ar -> {
            if (ar.failed()) {
                Replies.error(req, cors, requestId, new ApiError(500, "server_error", "internal_error",
                        "The gateway failed to collect its metrics.", null), false);
                return;
            }
            req.response().putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE).putHeader("x-request-id", requestId)
                    .end(ar.result());
        });
    }

    /** A listener of its own (TOLLGATE_METRICS_PORT) that serves only {@code /metrics}. */
    Future<HttpServer> listen(Vertx vertx, String host, int port) {
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(false))
                .requestHandler(req -> {
                    String requestId = GatewayVerticle.newRequestId();
                    if (PATH.equals(req.path())) handle(req, requestId);
                    else Replies.error(req, cors, requestId, ApiError.notFound("Unknown route; this port serves only " + PATH + "."), true);
                })
                .listen();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
