package dev.tollgate.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

/**
 * One unit of an answer on the wire: a server-sent event of a stream, or a whole answer's body.
 * Its JSON is parsed once, on first use, and belongs to the gateway: an encoder writes changes
 * into it and the original bytes stay untouched for frames nobody changed.
 */
public final class Frame {

    private final StreamChunk event;
    private final Buffer body;
    private JsonNode json;
    private boolean parsed;

    private Frame(StreamChunk event, Buffer body) {
        this.event = event;
        this.body = body;
    }

    public static Frame of(StreamChunk event) {
        return new Frame(event, null);
    }

    public static Frame whole(Buffer body) {
        return new Frame(null, body);
    }

    /** A whole answer's body rather than a stream event. */
    public boolean isWhole() {
        return body != null;
    }

    /** The stream event (null for a whole answer). */
    public StreamChunk event() {
        return event;
    }

    /** The whole answer's bytes (null for a stream event). */
    public Buffer body() {
        return body;
    }

    /** The frame's JSON, or null when it carries none (e.g. {@code [DONE]}, or not JSON). */
    public JsonNode json() {
        if (!parsed) {
            parsed = true;
            if (event != null) {
                json = event.json();
            } else {
                json = Json.parseOrNull(body);
            }
        }
        return json;
    }
}
