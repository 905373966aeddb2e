package dev.tollgate.chain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Setting;
import dev.tollgate.config.Settings;
import io.vertx.core.Future;

import java.util.List;

/**
 * One capability in the chain. The {@link ChainRunner} calls every phase, for streamed and whole
 * responses alike: {@code onRequest → (upstream) → onResponse | onChunk… onStreamEnd → onComplete}.
 * A policy reads its configuration from {@link Exchange#settings()}, already resolved for this
 * request (defaults, file, environment, headers). Per-request state lives in {@link Exchange#state}.
 * Every method runs on the event loop: a policy must never block.
 */
public interface Policy {

    /** The policy's name in flags, errors and docs, e.g. "disabled-models". */
    String id();

    /** The settings this policy declares (they join the config catalog). */
    default List<Setting<?>> settings() {
        return List.of();
    }

    /**
     * Checks this policy's configuration as a whole (beyond each key's own type), at start-up and in
     * {@code config check}. Returns problems, each naming its key; empty when all is well.
     */
    default List<String> validate(Settings settings) {
        return List.of();
    }

    /** Whether the policy has anything to do for this request; false skips every phase. */
    default boolean appliesTo(Exchange ex) {
        return true;
    }

    /**
     * Whether this policy reads the request body as a tree for this exchange (when it applies).
     * When no applying policy does, the body is validated by a cheap scan and parsed only if asked.
     */
    default boolean readsRequest(Exchange ex) {
        return true;
    }

    default Future<Verdict> onRequest(Exchange ex) {
        return Verdict.PROCEED_FUTURE;
    }

    /**
     * Whether this policy needs the whole answer as a tree for this exchange. Only asked of
     * policies that implement {@link #onResponse}; when none needs it, the answer is relayed
     * without being parsed whole.
     */
    default boolean readsResponse(Exchange ex) {
        return true;
    }

    /** A whole JSON response body from the upstream (2xx only). */
    default Verdict onResponse(Exchange ex, ObjectNode body) {
        return Verdict.proceed();
    }

    default ChunkAction onChunk(Exchange ex, StreamChunk chunk) {
        return ChunkAction.EMIT;
    }

    /** The upstream stream ended cleanly: chunks the policy held back, to send before the end. */
    default List<StreamChunk> onStreamEnd(Exchange ex) {
        return List.of();
    }

    /** The exchange is over, whatever the outcome; for accounting. */
    default void onComplete(Exchange ex) {}
}
