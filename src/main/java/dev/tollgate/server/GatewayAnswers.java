package dev.tollgate.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.http.Replies;
import dev.tollgate.json.Json;
import dev.tollgate.stream.AnswerStream;
import dev.tollgate.stream.ChainedStreamWriter;
import dev.tollgate.stream.WholeAnswer;
import dev.tollgate.wire.Codecs;
import dev.tollgate.wire.StreamChunk;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

/**
 * Answers the gateway gives itself, without an upstream answer: a policy's local answer (through
 * the answer phase, whole or as a stream), the models list, and computed JSON (a token count).
 */
final class GatewayAnswers {

    private final ProxyRequest proxy;

    GatewayAnswers(ProxyRequest proxy) {
        this.proxy = proxy;
    }

    /** A policy answered in place of the upstream: the answer still runs the response phases. */
    void answerLocally(ObjectNode answer) {
        proxy.bodyRead = true;
        proxy.ex.status(200);
        proxy.resp.setStatusCode(200);
        gatewayAnswerHeaders();
        if (proxy.ex.stream()) {
            proxy.resp.putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            proxy.resp.setChunked(true);
            ChainedStreamWriter writer = new ChainedStreamWriter(proxy.ex, proxy.ctx.chain(), proxy.resp, Codecs.of(proxy.ex.endpoint().kind()), proxy.trace);
            for (StreamChunk chunk : AnswerStream.of(proxy.ex.endpoint().kind(), answer, AnswerStream.wantsUsage(proxy.ex.body()))) {
                if (!writer.write(chunk)) {
                    proxy.finish();
                    return;
                }
            }
            proxy.resp.end();
        } else {
            WholeAnswer.Result r = WholeAnswer.run(proxy.ex, proxy.ctx.chain(), Json.toBuffer(answer), proxy.trace);
            if (r.error() != null) {
                proxy.fail(r.error());
                return;
            }
            proxy.resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
            proxy.resp.end(proxy.toCaller(200, r.body()));
        }
        proxy.finish();
    }

    /** GET /v1/models with a models list: the models (and aliases) this caller may use, answered by the gateway. */
    void listModels() {
        proxy.ex.status(200);
        gatewayAnswerHeaders();
        Replies.json(proxy.req, 200, Json.toString(ModelList.of(proxy.gen.router(), proxy.key == null ? null : proxy.key.key())));
        proxy.finish();
    }

    boolean filtersModelList() {
        return proxy.key != null && proxy.key.key().allowedModels() != null && proxy.req.method() == HttpMethod.GET && proxy.ex.endpoint().apiPath().equals("/models");
    }

    /** The headers of an answer the gateway gives itself: its request id, CORS, the caller's limits. */
    private void gatewayAnswerHeaders() {
        proxy.resp.headers().set("x-request-id", proxy.ex.requestId());
        proxy.ctx.cors().decorate(proxy.req.headers(), proxy.resp.headers());
        if (proxy.admission != null && proxy.admission.headers() != null) proxy.resp.headers().setAll(proxy.admission.headers());
    }

    /** A JSON answer the gateway computed itself (a token count): no upstream answer, no answer phase. */
    void answerDirectly(Buffer json) {
        proxy.ex.status(200);
        gatewayAnswerHeaders();
        proxy.resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        proxy.resp.setStatusCode(200).end(json);
        proxy.finish();
    }

}
