package dev.tollgate.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * What an adapter needs to build one attempt: the exchange (body as the chain left it), the
 * caller's headers, the raw body as it would go to an OpenAI upstream, the API path below /v1
 * with its query, and whether the gateway runs in key mode (the caller's credentials never leave).
 *
 * <p>Adapters that translate read the request from {@link #json()} and its API from
 * {@link #kind()}: the exchange's own, unless a wrapper (the Responses API over chat completions)
 * handed this attempt a translated request ({@code translatedJson}, {@code translatedKind}; null
 * otherwise, so a pass-through body is never parsed for nothing).
 */
public record CallContext(Exchange ex, MultiMap callerHeaders, Buffer body, String apiPathAndQuery, boolean keyMode,
                          String organization, String project, ObjectNode translatedJson, Endpoint.Kind translatedKind) {

    /** The exchange's own request. */
    public CallContext(Exchange ex, MultiMap callerHeaders, Buffer body, String apiPathAndQuery, boolean keyMode,
                       String organization, String project) {
        this(ex, callerHeaders, body, apiPathAndQuery, keyMode, organization, project, null, null);
    }

    /** The JSON request to translate for this attempt (null without a JSON body). */
    public ObjectNode json() {
        return translatedJson != null ? translatedJson : ex.body();
    }

    /** The API {@link #json()} belongs to. */
    public Endpoint.Kind kind() {
        return translatedKind != null ? translatedKind : ex.endpoint().kind();
    }

    /** This attempt with a request in another API, e.g. a chat completion made from a Responses request. */
    public CallContext translated(ObjectNode request, Endpoint.Kind kind, Buffer newBody, String newPathAndQuery) {
        return new CallContext(ex, callerHeaders, newBody, newPathAndQuery, keyMode, organization, project, request, kind);
    }
}
