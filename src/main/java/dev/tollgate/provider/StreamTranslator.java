package dev.tollgate.provider;

import dev.tollgate.wire.StreamChunk;

import java.util.List;

/**
 * Turns a provider's stream events into canonical OpenAI chunks before the chain sees them, so
 * every policy works the same whatever the provider. One instance per request: it keeps state.
 * The translated stream must end with a {@code [DONE]} chunk when, and only when, the provider's
 * stream ended completely. A provider error event is thrown as a {@code StreamError}.
 */
public interface StreamTranslator {

    List<StreamChunk> onEvent(StreamChunk upstream);

    /** The upstream stream ended: any final chunks (usage, [DONE]). */
    List<StreamChunk> onEnd();
}
