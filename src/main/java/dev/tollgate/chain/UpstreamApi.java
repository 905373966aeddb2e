package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;

/**
 * A side call a policy may make to the upstream API (e.g. the moderation endpoint), with the
 * same credentials as the request it belongs to. Fails on a connection error, a timeout or a
 * non-2xx answer.
 */
public interface UpstreamApi {

    Future<JsonNode> postJson(String apiPath, ObjectNode body, long timeoutMs);

    /** For exchanges with no upstream (unit tests of policies): every call fails. */
    UpstreamApi NONE = (path, body, timeout) -> Future.failedFuture(new IllegalStateException("no upstream"));
}
