package dev.tollgate.chain;

import dev.tollgate.api.ApiError;
import dev.tollgate.wire.AnswerEvent;

import java.util.List;

/** A policy's answer to one answer event. */
public sealed interface EventAction {

    /** Pass the event on as it is. */
    record Emit() implements EventAction {}

    /** Pass on this event instead (e.g. the same text, redacted). */
    record Replace(AnswerEvent event) implements EventAction {}

    /** Do not show this event to the caller. */
    record Drop() implements EventAction {}

    /** Send these events instead (e.g. held-back text released just before the event that ends it). */
    record Expand(List<AnswerEvent> events) implements EventAction {}

    /** End the answer with an error; nothing more reaches the caller. */
    record Abort(ApiError error, Finding finding) implements EventAction {}

    EventAction EMIT = new Emit();
    EventAction DROP = new Drop();

    static EventAction replace(AnswerEvent e) {
        return new Replace(e);
    }

    static EventAction expand(List<AnswerEvent> events) {
        return new Expand(List.copyOf(events));
    }
}
