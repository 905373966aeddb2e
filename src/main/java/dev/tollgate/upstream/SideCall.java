package dev.tollgate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.chain.UpstreamApi;
import dev.tollgate.json.Json;
import dev.tollgate.trace.ClientCall;
import dev.tollgate.trace.ClientSpan;
import dev.tollgate.trace.RequestTrace;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/** Side calls to the upstream with the headers (credentials) of the request they serve. */
public final class SideCall implements UpstreamApi {

    /** A side call's non-2xx answer: carries only the status, never the body. */
    public static final class Failed extends RuntimeException {
        public final int status;

        Failed(int status) {
            super("upstream answered " + status, null, false, false);
            this.status = status;
        }
    }

    private final HttpClient client;
    private final UpstreamTarget target;
    private final MultiMap headers;
    private final RequestTrace trace;

    public SideCall(HttpClient client, UpstreamTarget target, MultiMap headers, RequestTrace trace) {
        this.client = client;
        this.target = target;
        this.headers = headers;
        this.trace = trace;
    }

    @Override
    public Future<JsonNode> postJson(String apiPath, ObjectNode body, long timeoutMs) {
        MultiMap h = HttpHeaders.headers().addAll(headers);
        h.set(HttpHeaders.CONTENT_TYPE, "application/json");
        h.remove(HttpHeaders.CONTENT_LENGTH);
        h.set("Host", target.hostHeader());
        String uri = target.uri(apiPath);
        ClientSpan span = trace.on() ? trace.sideCall(ClientCall.sideCall("POST", target.ssl(), target.host(), target.port(), uri, apiPath,
                body.path("model").asText(null))) : ClientSpan.NOOP;
        span.inject(h);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.host()).setPort(target.port())
                .setSsl(target.ssl()).setURI(uri).setHeaders(h).setTimeout(timeoutMs);
        return client.request(options)
                .compose(req -> req.send(Json.toBuffer(body)))
                .compose(resp -> resp.body().map(buf -> {
                    span.responded(resp.statusCode());
                    if (resp.statusCode() / 100 != 2) throw new Failed(resp.statusCode());
                    try {
                        return Json.parse(buf);
                    } catch (Exception e) {
                        throw new Failed(resp.statusCode());
                    }
                }))
                .onComplete(ar -> {
                    if (ar.succeeded() || ar.cause() instanceof Failed f && f.status / 100 != 2) span.end(); // an error status is on the span already
                    else span.failed(ar.cause() instanceof Failed ? "malformed_answer" : timedOut(ar.cause()) ? "timeout" : "unreachable");
                });
    }

    /** Vert.x reports a request timeout with an exception of its own, named so. */
    private static boolean timedOut(Throwable e) {
        return e instanceof java.util.concurrent.TimeoutException || e.getClass().getSimpleName().contains("Timeout");
    }
}
