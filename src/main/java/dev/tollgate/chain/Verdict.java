package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import io.vertx.core.Future;

import java.util.List;

/** A policy's answer to a request or whole response. */
public sealed interface Verdict {

    List<Finding> findings();

    /** Go on unchanged. */
    record Proceed(List<Finding> findings) implements Verdict {}

    /** Go on with this body instead (it may be the same node, changed in place). */
    record Rewrite(JsonNode body, List<Finding> findings) implements Verdict {}

    /** Stop here and answer the caller with this error. */
    record Reject(ApiError error, List<Finding> findings) implements Verdict {}

    /**
     * Answer the caller with this response body instead of calling the upstream (e.g. auto-reply).
     * The answer still runs through the response phases (as a stream when the caller asked for one).
     */
    record Respond(ObjectNode body, List<Finding> findings) implements Verdict {}

    Proceed PROCEED = new Proceed(List.of());
    Future<Verdict> PROCEED_FUTURE = Future.succeededFuture(PROCEED);

    static Verdict proceed() {
        return PROCEED;
    }

    static Verdict rewrite(JsonNode body) {
        return new Rewrite(body, List.of());
    }

    static Verdict reject(ApiError error, Finding finding) {
        return new Reject(error, List.of(finding));
    }
}
