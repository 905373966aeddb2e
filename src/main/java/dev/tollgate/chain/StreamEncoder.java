package dev.tollgate.chain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * How canonical (OpenAI) stream chunks are written to a caller that speaks another API, e.g. an
 * Anthropic SDK calling {@code /v1/messages}. Policies always see OpenAI chunks; the encoder runs
 * last, on what they let through. One instance per request.
 */
public interface StreamEncoder {

    /** The bytes for one chunk (possibly several events, or none). */
    Buffer chunk(StreamChunk chunk);

    /** The bytes of an error event ending the stream. */
    Buffer error(int status, ObjectNode openAiError);
}
