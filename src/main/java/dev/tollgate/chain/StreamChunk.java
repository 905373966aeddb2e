package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

/**
 * One server-sent event of an upstream stream. The data is parsed as JSON only when a policy asks
 * for it, and an event no policy changed is relayed with its original bytes.
 */
public final class StreamChunk {

    private final String event;
    private final String data;
    private final Buffer raw;
    private JsonNode json;
    private boolean parsed;

    public StreamChunk(String event, String data, Buffer raw) {
        this.event = event;
        this.data = data;
        this.raw = raw;
    }

    /** A chunk made by the gateway from JSON. */
    public static StreamChunk of(String event, JsonNode json) {
        StreamChunk c = new StreamChunk(event, Json.toString(json), null);
        c.json = json;
        c.parsed = true;
        return c;
    }

    /** The terminal {@code data: [DONE]} of an OpenAI stream (a new one each time: chunks cache their parse). */
    public static StreamChunk done() {
        return new StreamChunk(null, "[DONE]", null);
    }

    /** The fields every {@code chat.completion.chunk} of one stream shares, for chunks the gateway makes. */
    public static ObjectNode chatChunk(String id, long created, String model) {
        ObjectNode c = Json.object();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        return c;
    }

    /** The SSE {@code event:} name, or null. */
    public String event() { return event; }

    /** The SSE data (lines joined with \n), or null for an event without data. */
    public String data() { return data; }

    /** The original bytes, including the blank-line terminator; null for gateway-made chunks. */
    public Buffer raw() { return raw; }

    public boolean isDone() {
        return "[DONE]".equals(data);
    }

    /** The data as JSON, or null when it is not JSON. Parsed once. */
    public JsonNode json() {
        if (!parsed) {
            parsed = true;
            if (data != null && !data.isEmpty() && (data.charAt(0) == '{' || data.charAt(0) == '[')) {
                try {
                    json = Json.parse(data);
                } catch (Exception e) {
                    json = null;
                }
            }
        }
        return json;
    }

    /** The wire form of this chunk: original bytes when unchanged. */
    public Buffer toWire() {
        if (raw != null) return raw;
        return encode(event, data);
    }

    public static Buffer encode(String event, String data) {
        StringBuilder sb = new StringBuilder(data.length() + 32);
        if (event != null) sb.append("event: ").append(event).append('\n');
        for (String line : data.split("\n", -1)) sb.append("data: ").append(line).append('\n');
        sb.append('\n');
        return Buffer.buffer(sb.toString());
    }
}
