package dev.tollgate.server;

import dev.tollgate.api.ApiError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** Writes the gateway's own answers: errors in OpenAI's shape, and small JSON replies. */
public final class Replies {

    private Replies() {}

    /**
     * Sends an error. {@code close} is for errors sent before the request body was read: the
     * connection cannot be reused, so it is closed after the answer.
     */
    public static void error(HttpServerRequest req, Cors cors, String requestId, ApiError error, boolean close) {
        error(req, cors, requestId, error, close, null);
    }

    /** An error with extra headers (rate-limit state, Retry-After), which win over the defaults. */
    public static void error(HttpServerRequest req, Cors cors, String requestId, ApiError error, boolean close, MultiMap extra) {
        error(req, cors, requestId, error, close, extra, error.toBuffer());
    }

    /** An error whose body is in the caller's API format (an Anthropic client's, say). */
    public static void error(HttpServerRequest req, Cors cors, String requestId, ApiError error, boolean close, MultiMap extra, Buffer body) {
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) return;
        if (resp.headWritten()) {
            resp.reset();
            return;
        }
        resp.headers().clear();
        resp.setStatusCode(error.status());
        resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        resp.putHeader("x-request-id", requestId);
        if (error.status() == 429 || error.status() == 503) resp.putHeader("retry-after", "1");
        if (extra != null) resp.headers().setAll(extra);
        if (close) resp.putHeader(HttpHeaders.CONNECTION, "close");
        cors.decorate(req.headers(), resp.headers());
        // Vert.x keeps a connection open while the request body is unread; close it ourselves.
        resp.end(body).onComplete(v -> {
            if (close) req.connection().close();
        });
    }

    public static void json(HttpServerRequest req, int status, String json) {
        HttpServerResponse resp = req.response();
        resp.setStatusCode(status);
        resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        resp.end(json);
    }
}
