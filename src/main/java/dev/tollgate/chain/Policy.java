package dev.tollgate.chain;

import dev.tollgate.config.Setting;
import dev.tollgate.config.Settings;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Interest;
import io.vertx.core.Future;

import java.util.List;

/**
 * One capability in the chain. The {@link ChainRunner} calls every phase, for streamed and whole
 * responses alike: {@code onRequest → (upstream) → onEvent… onAnswerEnd → onComplete}.
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
     * How much of this exchange's answer the policy reads: nothing (the default), only identity and
     * usage, or every event. The answer is decoded no further than the most any applying policy asks.
     */
    default Interest answerInterest(Exchange ex) {
        return Interest.NONE;
    }

    /**
     * One event of the answer, whole or streamed alike (a whole answer is one frame's events, then
     * {@link AnswerEvent.End}). Called only when {@link #answerInterest} is not NONE.
     */
    default EventAction onEvent(Exchange ex, AnswerEvent event) {
        return EventAction.EMIT;
    }

    /** The answer is complete (its End is next): events the policy held back, to send before it. */
    default List<AnswerEvent> onAnswerEnd(Exchange ex) {
        return List.of();
    }

    /** The exchange is over, whatever the outcome; for accounting. */
    default void onComplete(Exchange ex) {}
}
