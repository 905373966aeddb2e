package dev.tollgate.server;

import dev.tollgate.access.Admission;
import dev.tollgate.access.ModelGate;
import dev.tollgate.api.ApiError;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.json.Json;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * Judging a read request before anything is spent: its model (model rules, the key's allowed
 * models) and numbers, then admission (rate limits, budget reservation; the shared store may
 * answer later), then the chain's request phase; what passes is handed to the attempts, or
 * answered locally when a policy answered it.
 */
final class RequestJudging {

    private final ProxyRequest proxy;

    RequestJudging(ProxyRequest proxy) {
        this.proxy = proxy;
    }

    void run(Buffer rawBody) {
        ApiError judged = ModelGate.check(proxy.ex, proxy.apiKey(), proxy.rules);
        if (judged == null) judged = proxy.ctx.access().checkNumbers(proxy.gen.rules(), proxy.ex);
        if (judged != null) {
            proxy.fail(judged);
            return;
        }
        Future<Admission> admitted = proxy.ctx.access().admit(proxy.gen.rules(), proxy.ex, proxy.key, proxy.clientIp(), rawBody == null ? 0 : rawBody.length());
        if (admitted.isComplete()) {
            admitted(admitted, rawBody); // counters in memory: no hop
        } else {
            Context here = Vertx.currentContext() != null ? Vertx.currentContext() : proxy.loop.vertx().getOrCreateContext();
            admitted.onComplete(ar -> here.runOnContext(v -> admitted(admitted, rawBody)));
        }
    }

    private void admitted(Future<Admission> result, Buffer rawBody) {
        Admission a = result.succeeded() ? result.result() : null;
        if (proxy.finished) {
            // The request ended (client gone, timeout) while the shared store answered: give back what it got.
            proxy.ctx.access().release(a);
            return;
        }
        if (a == null) {
            proxy.fail(new ApiError(500, "server_error", "internal_error", "The gateway failed to process the request.", null));
            return;
        }
        if (a.error() != null) {
            if (a.limit() != null) proxy.ctx.metrics().refused(a.limit(), a.limitSubject());
            proxy.fail(a.error(), a.headers()); // nothing held: nothing to release
            return;
        }
        proxy.admission = a;
        ChainRunner chain = proxy.ctx.chain();
        proxy.trace.requestPhaseStarted(chain);
        chain.onRequest(proxy.ex).onComplete(ar -> {
            if (proxy.finished) return;
            ApiError error = ar.succeeded() ? ar.result() : new ApiError(500, "server_error", "internal_error",
                    "The gateway failed to process the request.", null);
            proxy.trace.requestPhaseEnded(error);
            if (error != null) {
                proxy.fail(error);
                return;
            }
            if (proxy.ex.localAnswer() != null) {
                proxy.ownAnswers.answerLocally(proxy.ex.localAnswer());
                return;
            }
            Buffer body = rawBody == null ? null : proxy.ex.bodyModified() && !proxy.ex.bodyForwardedAsIs() ? Json.toBuffer(proxy.ex.body()) : rawBody;
            if (proxy.ex.endpoint().countTokens()) proxy.upstreamAttempts.countTokens(body);
            else proxy.upstreamAttempts.callUpstream(body);
        });
    }
}
