package dev.tollgate.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.chain.UpstreamApi;
import dev.tollgate.json.Json;
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

    public SideCall(HttpClient client, UpstreamTarget target, MultiMap headers) {
        this.client = client;
        this.target = target;
        this.headers = headers;
    }

    @Override
    public Future<JsonNode> postJson(String apiPath, ObjectNode body, long timeoutMs) {
        MultiMap h = HttpHeaders.headers().addAll(headers);
        h.set(HttpHeaders.CONTENT_TYPE, "application/json");
        h.remove(HttpHeaders.CONTENT_LENGTH);
        h.set("Host", target.hostHeader());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.host()).setPort(target.port())
                .setSsl(target.ssl()).setURI(target.uri(apiPath)).setHeaders(h).setTimeout(timeoutMs);
        return client.request(options)
                .compose(req -> req.send(Json.toBuffer(body)))
                .compose(resp -> resp.body().map(buf -> {
                    if (resp.statusCode() / 100 != 2) throw new Failed(resp.statusCode());
                    try {
                        return Json.parse(buf);
                    } catch (Exception e) {
                        throw new Failed(resp.statusCode());
                    }
                }));
    }
}
