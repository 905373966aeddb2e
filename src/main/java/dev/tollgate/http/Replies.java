package dev.tollgate.http;

import dev.tollgate.api.ApiError;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

import java.util.List;

/** Writes the gateway's own answers: errors in OpenAI's shape, and small JSON replies. */
public final class Replies {

    private Replies() {}

    /**
     * Sends an error. {@code close} is for errors sent before the request body was read: over
     * HTTP/1.x the connection cannot be reused, so it is closed after the answer; over HTTP/2
     * only the request's stream ends (other streams share the connection).
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
        boolean http2 = req.version() == HttpVersion.HTTP_2;
        // HTTP/2 forbids connection-specific headers: a response carrying one is never sent.
        if (close && !http2) resp.putHeader(HttpHeaders.CONNECTION, "close");
        cors.decorate(req.headers(), resp.headers());
        // Vert.x keeps a connection open while the request body is unread; close it ourselves.
        resp.end(body).onComplete(v -> {
            if (close && http2) stopUpload(req);
            else if (close) lingeringClose(req);
        });
    }

    /**
     * HTTP/2: the answer is complete but the client may still be sending the body. RST_STREAM
     * with NO_ERROR asks it to stop without voiding the answer (RFC 9113 §8.1).
     */
    private static void stopUpload(HttpServerRequest req) {
        if (!req.isEnded()) req.response().reset(0);
    }

    private static final long LINGER_MS = 1_000;
    private static final long LINGER_BYTES = 1 << 20;

    /**
     * Closes the connection of a request whose body was not read. Closing a socket with unread
     * bytes makes the kernel send a reset, which can destroy the answer before the client reads
     * it; so the rest of the body is read and dropped first, for at most a second and 1 MiB
     * (what nginx calls a lingering close).
     */
    private static void lingeringClose(HttpServerRequest req) {
        HttpConnection conn = req.connection();
        if (req.isEnded()) {
            conn.close();
            return;
        }
        Context ctx = Vertx.currentContext();
        if (ctx == null) {
            conn.close();
            return;
        }
        long[] drained = {0};
        long timer = ctx.owner().setTimer(LINGER_MS, t -> conn.close());
        try {
            req.handler(chunk -> {
                drained[0] += chunk.length();
                if (drained[0] > LINGER_BYTES) conn.close();
            });
            req.endHandler(end -> {
                ctx.owner().cancelTimer(timer);
                conn.close();
            });
            req.resume();
        } catch (IllegalStateException alreadyRead) {
            ctx.owner().cancelTimer(timer);
            conn.close();
        }
    }

    /** RFC 9113 §8.2.2: connection-specific fields, which an HTTP/2 message must not carry. */
    private static final List<CharSequence> CONNECTION_SPECIFIC = List.of(HttpHeaders.CONNECTION, "keep-alive",
            "proxy-connection", HttpHeaders.TRANSFER_ENCODING, HttpHeaders.UPGRADE);

    /**
     * For HTTP/2 requests, removes connection-specific headers from the response just before its
     * head is written, whichever path built it (errors, relayed upstream headers, admin, CORS):
     * Netty refuses to send an HTTP/2 response that carries one, and the caller would get nothing.
     */
    public static void guardHttp2(HttpServerRequest req) {
        if (req.version() != HttpVersion.HTTP_2) return;
        HttpServerResponse resp = req.response();
        resp.headersEndHandler(v -> {
            for (CharSequence name : CONNECTION_SPECIFIC) resp.headers().remove(name);
        });
    }

    public static void json(HttpServerRequest req, int status, String json) {
        HttpServerResponse resp = req.response();
        resp.setStatusCode(status);
        resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        resp.end(json);
    }
}
