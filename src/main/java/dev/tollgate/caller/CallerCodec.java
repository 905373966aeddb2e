package dev.tollgate.caller;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.api.TranslationException;
import io.vertx.core.buffer.Buffer;

/**
 * The caller's API at the edge of the gateway: its request becomes the OpenAI request the rest of
 * the gateway handles, and OpenAI answers (whole, streamed, errors) go back in its format. OpenAI
 * callers need nothing done; an Anthropic SDK calling {@code /v1/messages} does. One instance per
 * request: a stream encoder keeps state.
 */
public interface CallerCodec {

    /** The request as an OpenAI request (the same node when it is one already). */
    default ObjectNode decodeRequest(ObjectNode body) throws TranslationException {
        return body;
    }

    /** The API path (below /v1, with the query) the decoded request goes to, or null to keep the caller's. */
    default String upstreamPath(String callerPathAndQuery) {
        return null;
    }

    /** A whole answer or error body for the caller. */
    default Buffer whole(int status, Buffer openAi) {
        return openAi;
    }

    /** The bytes for one stream event (possibly several events, or none). */
    default Buffer event(StreamChunk chunk) {
        return chunk.toWire();
    }

    /** The bytes of an error event ending a stream. */
    default Buffer error(int status, ObjectNode openAiError) {
        return StreamChunk.encode(null, openAiError.toString());
    }

    /** Whether answers pass as they are (no encoding at all). */
    default boolean isIdentity() {
        return false;
    }

    /** OpenAI's own API: nothing to translate. */
    CallerCodec OPENAI = new CallerCodec() {
        @Override
        public boolean isIdentity() {
            return true;
        }
    };
}
