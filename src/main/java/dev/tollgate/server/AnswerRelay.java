package dev.tollgate.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.json.Json;
import dev.tollgate.stream.StreamRelay;
import dev.tollgate.stream.WholeAnswer;
import dev.tollgate.upstream.ForwardedHeaders;
import dev.tollgate.provider.AnswerTranslator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;

/**
 * Relays the upstream's answer: a stream event by event and a whole JSON answer through the
 * chain's answer phase, a provider's answer translated first, error bodies scrubbed of
 * credentials, anything else as bytes with back-pressure. Answers the gateway gives itself are
 * {@link GatewayAnswers}'.
 */
final class AnswerRelay {

    private final ProxyRequest proxy;

    AnswerRelay(ProxyRequest proxy) {
        this.proxy = proxy;
    }

    void relay(HttpClientResponse up) {
        proxy.upstream = up;
        int status = up.statusCode();
        proxy.ex.status(status);
        proxy.ex.upstreamStatus(status);
        proxy.resp.setStatusCode(status);
        ForwardedHeaders.toClient(up.headers(), proxy.resp.headers());
        boolean ok = status >= 200 && status < 300;
        proxy.ctx.scrubber().scrubHeaders(proxy.resp.headers(), !ok);
        applyRequestId(proxy.resp.headers().get("x-request-id")); // the upstream's, as relayed (scrubbed)
        proxy.ctx.cors().decorate(proxy.req.headers(), proxy.resp.headers());
        // The caller's limits are the gateway's, not those of the provider key behind it.
        if (proxy.admission != null && proxy.admission.headers() != null) proxy.resp.headers().setAll(proxy.admission.headers());

        String contentType = up.getHeader(HttpHeaders.CONTENT_TYPE);
        long idleMs = proxy.ex.settings().get(CoreSettings.UPSTREAM_STREAM_IDLE_TIMEOUT_MS);
        boolean sse = contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
        if (proxy.upstreamAttempts.translator != null && sse && ok) {
            proxy.phase = ProxyRequest.Phase.DONE;
            proxy.resp.headers().set(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            proxy.relay = new StreamRelay(proxy.ex, proxy.ctx.chain(), up, proxy.resp, proxy.loop.deadlines(), idleMs, proxy::finish, proxy.ctx.scrubber(), proxy.upstreamAttempts.translator.stream(),
                    proxy.trace);
            proxy.ctx.metrics().streamOpened();
            proxy.relay.start();
        } else if (proxy.upstreamAttempts.translator != null) {
            bufferTranslated(up, idleMs);
        } else if (!ok) {
            // Any error answer is read whole, whatever its type, so the gateway's credentials can be scrubbed from it.
            readWhole(up, idleMs, (held, chunk) -> upstreamBroken("The upstream's error answer is larger than this gateway relays."), body -> {
                if (encoded(up)) {
                    // Compressed bytes cannot be searched for a key: the caller gets the status, not the unchecked body.
                    proxy.fail(ApiError.badGateway("upstream_error_unreadable", "The upstream answered HTTP " + status
                            + " with a compressed body the gateway cannot check for credentials."));
                    return;
                }
                onJsonResponse(status, body);
            });
        } else if (sse) {
            proxy.phase = ProxyRequest.Phase.DONE;
            proxy.relay = new StreamRelay(proxy.ex, proxy.ctx.chain(), up, proxy.resp, proxy.loop.deadlines(), idleMs, proxy::finish, proxy.ctx.scrubber(), null, proxy.trace);
            proxy.ctx.metrics().streamOpened();
            proxy.relay.start();
        } else if ((proxy.ex.endpoint().kind() != Endpoint.Kind.OTHER || proxy.ownAnswers.filtersModelList()) && ContentHeaders.isJson(contentType)
                && ContentHeaders.length(up.getHeader(HttpHeaders.CONTENT_LENGTH)) <= proxy.ex.settings().get(CoreSettings.MAX_RESPONSE_BYTES)) {
            bufferJson(up, idleMs);
        } else {
            pipe(up, idleMs);
        }
    }

    void applyRequestId(String upstreamId) {
        if (proxy.ex.clientSentRequestId()) {
            proxy.resp.headers().set("x-request-id", proxy.ex.requestId());
            if (upstreamId != null) proxy.resp.headers().set("x-upstream-request-id", upstreamId);
        } else if (upstreamId != null) {
            proxy.ex.requestId(upstreamId);
        } else {
            proxy.resp.headers().set("x-request-id", proxy.ex.requestId());
        }
    }

    void bufferJson(HttpClientResponse up, long idleMs) {
        readWhole(up, idleMs, (held, chunk) -> {
            // Too large to inspect: relay what we have and the rest unread, like any other body.
            proxy.resp.setChunked(true);
            proxy.resp.write(held);
            pipe(up, idleMs);
            proxy.resp.write(chunk);
        }, body -> onJsonResponse(up.statusCode(), body));
    }

    /** A provider's whole answer (or error), translated to OpenAI's format before the chain reads it. */
    void bufferTranslated(HttpClientResponse up, long idleMs) {
        readWhole(up, idleMs, (held, chunk) -> upstreamBroken("The provider's answer is larger than this gateway translates."), body -> {
            AnswerTranslator.Whole w;
            try {
                w = proxy.upstreamAttempts.translator.whole(up.statusCode(), body);
            } catch (RuntimeException malformed) {
                proxy.fail(ApiError.badGateway("upstream_malformed", "The provider's answer could not be read."));
                return;
            }
            proxy.ex.status(w.status());
            proxy.ex.upstreamStatus(w.status());
            proxy.resp.setStatusCode(w.status());
            proxy.resp.headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
            onJsonResponse(w.status(), w.body());
        });
    }

    /**
     * Reads an upstream body whole (up to TOLLGATE_MAX_RESPONSE_BYTES, each chunk re-arming the idle
     * deadline). Past the limit {@code tooLarge} gets what was held and the chunk that overflowed.
     */
    void readWhole(HttpClientResponse up, long idleMs, java.util.function.BiConsumer<Buffer, Buffer> tooLarge,
                           java.util.function.Consumer<Buffer> done) {
        long max = proxy.ex.settings().get(CoreSettings.MAX_RESPONSE_BYTES);
        Buffer body = Buffer.buffer();
        boolean[] overflowed = {false};
        proxy.phase = ProxyRequest.Phase.RESPONSE_BODY;
        proxy.timer.arm(idleMs);
        up.handler(chunk -> {
            proxy.timer.arm(idleMs);
            if (overflowed[0]) return;
            if (body.length() + chunk.length() > max) {
                overflowed[0] = true;
                tooLarge.accept(body, chunk);
                return;
            }
            body.appendBuffer(chunk);
        });
        up.exceptionHandler(e -> upstreamBroken("The upstream connection failed before the response was complete."));
        up.endHandler(v -> {
            if (proxy.finished || overflowed[0]) return;
            proxy.timer.disarm();
            proxy.ex.upstreamEnded();
            done.accept(body);
        });
    }

    void onJsonResponse(int status, Buffer raw) {
        boolean ok = status >= 200 && status < 300;
        // An error's words are the upstream's and may echo the gateway's key; an answer is relayed byte-exact.
        if (!ok) raw = proxy.ctx.scrubber().scrubBody(raw);
        if (ok && proxy.ownAnswers.filtersModelList()) raw = ModelList.allowedOnly(raw, proxy.key.key());
        if (!ok) {
            if (status >= 400) proxy.ex.errorMessage(upstreamErrorMessage(raw, proxy.upstream == null ? null : proxy.upstream.getHeader(HttpHeaders.CONTENT_TYPE)));
            proxy.resp.end(proxy.toCaller(status, raw));
            proxy.finish();
            return;
        }
        WholeAnswer.Result r = WholeAnswer.run(proxy.ex, proxy.ctx.chain(), raw, proxy.trace);
        if (r.error() != null) {
            proxy.fail(r.error());
            return;
        }
        proxy.resp.end(proxy.toCaller(status, r.body()));
        proxy.finish();
    }

    static boolean encoded(HttpClientResponse up) {
        String ce = up.getHeader(HttpHeaders.CONTENT_ENCODING);
        return ce != null && !ce.isBlank() && !ce.trim().equalsIgnoreCase("identity");
    }

    /** The upstream's own words for the log: its JSON error message, or the text of a text answer. */
    static String upstreamErrorMessage(Buffer raw, String contentType) {
        JsonNode parsed = Json.parseOrNull(raw);
        String msg = parsed == null ? null : Json.text(parsed.path("error"), "message");
        if (msg == null && parsed == null && contentType != null && contentType.regionMatches(true, 0, "text/", 0, 5)) {
            msg = raw.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        }
        if (msg == null || msg.isEmpty()) return "upstream error";
        return msg.length() > 500 ? msg.substring(0, 500) + "…" : msg;
    }

    /** Any other body (audio, files, unknown types): bytes through, with back-pressure. */
    void pipe(HttpClientResponse up, long idleMs) {
        String length = up.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (!proxy.resp.isChunked()) {
            if (length != null && ContentHeaders.length(length) >= 0) proxy.resp.putHeader(HttpHeaders.CONTENT_LENGTH, length);
            else proxy.resp.setChunked(true);
        }
        proxy.phase = ProxyRequest.Phase.RESPONSE_BODY;
        proxy.timer.arm(idleMs);
        up.handler(chunk -> {
            proxy.timer.arm(idleMs);
            proxy.resp.write(chunk);
            if (proxy.resp.writeQueueFull()) {
                up.pause();
                proxy.resp.drainHandler(v -> up.resume());
            }
        });
        up.exceptionHandler(e -> upstreamBroken("The upstream connection failed before the response was complete."));
        up.endHandler(v -> {
            if (proxy.finished) return;
            proxy.timer.disarm();
            proxy.ex.upstreamEnded();
            proxy.resp.end();
            proxy.finish();
        });
    }

    /** The upstream failed after its headers were relayed: the caller must not see a clean end. */
    void upstreamBroken(String message) {
        if (proxy.finished) return;
        proxy.timer.disarm();
        proxy.ex.upstreamEnded();
        proxy.ex.errorMessage(message);
        proxy.trace.answerFailed("upstream_incomplete");
        if (proxy.upstream != null) proxy.upstream.request().reset();
        if (!proxy.resp.headWritten()) {
            proxy.fail(ApiError.badGateway("upstream_incomplete", message));
            return;
        }
        proxy.resp.reset();
        proxy.finish();
    }
}
