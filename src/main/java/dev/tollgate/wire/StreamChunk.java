package dev.tollgate.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * One server-sent event of an upstream stream. An event read off the wire keeps its bytes and
 * decodes its fields only when something asks for them; the data is parsed as JSON only when a
 * policy asks for it, and an event no policy changed is relayed with its original bytes.
 */
public final class StreamChunk {

    private String event;
    private String data;
    private final Buffer raw;
    private boolean decoded; // event and data hold the fields (false: still to be read from raw)
    private JsonNode json;
    private boolean parsed;

    public StreamChunk(String event, String data, Buffer raw) {
        this.event = event;
        this.data = data;
        this.raw = raw;
        this.decoded = true;
    }

    private StreamChunk(Buffer raw) {
        this.raw = raw;
    }

    /**
     * An event as it came off the wire: {@code raw} is one whole event (its lines and the blank
     * line that ends it); its fields are read from these bytes when first asked for.
     */
    public static StreamChunk fromWire(Buffer raw) {
        return new StreamChunk(raw);
    }

    /**
     * This event for keeping past the read it came in: its bytes copied into a buffer of their own
     * (a chunk parsed off the wire is a slice of that read's buffer, and would keep all of it alive).
     */
    public StreamChunk detached() {
        if (raw == null) return this;
        return new StreamChunk(Buffer.buffer(raw.getBytes()));
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
    public String event() {
        if (!decoded) decode();
        return event;
    }

    /** The SSE data (lines joined with \n), or null for an event without data. */
    public String data() {
        if (!decoded) decode();
        return data;
    }

    /** The original bytes, including the blank-line terminator; null for gateway-made chunks. */
    public Buffer raw() { return raw; }

    public boolean isDone() {
        return "[DONE]".equals(data());
    }

    /** The data as JSON, or null when it is not JSON. Parsed once. */
    public JsonNode json() {
        if (!parsed) {
            parsed = true;
            String data = data();
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
        return encode(event(), data());
    }

    /**
     * Reads the fields from the raw bytes (WHATWG HTML §9.2.6): lines end in CRLF, LF or CR; a
     * line starting with a colon is a comment; one space after the field's colon is dropped;
     * {@code data} lines are joined with LF; the last {@code event} line wins. Only the values
     * are decoded (UTF-8), never the whole event.
     */
    private void decode() {
        decoded = true;
        Json.Bytes b = Json.bytes(raw);
        byte[] a = b.array();
        int end = b.offset() + b.length();
        int pos = b.offset();
        byte[] joined = null; // data of a multi-line event, LF-joined
        int joinedLen = 0;
        int dataFrom = -1, dataTo = -1; // the only data line so far, in a
        while (pos < end) {
            int eol = pos;
            while (eol < end && a[eol] != '\n' && a[eol] != '\r') eol++;
            if (eol > pos && a[pos] != ':') {
                int colon = pos;
                while (colon < eol && a[colon] != ':') colon++;
                int value = colon < eol ? colon + 1 : eol;
                if (value < eol && a[value] == ' ') value++;
                if (field(a, pos, colon, "data")) {
                    if (dataFrom < 0 && joined == null) {
                        dataFrom = value;
                        dataTo = eol;
                    } else {
                        if (joined == null) {
                            joined = new byte[Math.max(64, (dataTo - dataFrom) * 2 + (eol - value) + 1)];
                            System.arraycopy(a, dataFrom, joined, 0, dataTo - dataFrom);
                            joinedLen = dataTo - dataFrom;
                        }
                        int n = eol - value;
                        if (joinedLen + 1 + n > joined.length) joined = java.util.Arrays.copyOf(joined, Math.max(joinedLen + 1 + n, joined.length * 2));
                        joined[joinedLen++] = '\n';
                        System.arraycopy(a, value, joined, joinedLen, n);
                        joinedLen += n;
                    }
                } else if (field(a, pos, colon, "event")) {
                    event = new String(a, value, eol - value, StandardCharsets.UTF_8);
                }
            }
            pos = eol;
            if (pos < end && a[pos] == '\r') pos++;
            if (pos < end && a[pos] == '\n') pos++;
        }
        if (joined != null) data = new String(joined, 0, joinedLen, StandardCharsets.UTF_8);
        else if (dataFrom >= 0) data = new String(a, dataFrom, dataTo - dataFrom, StandardCharsets.UTF_8);
    }

    /** Whether {@code a[from, to)} is the ASCII field name {@code name}. */
    private static boolean field(byte[] a, int from, int to, String name) {
        if (to - from != name.length()) return false;
        for (int i = 0; i < name.length(); i++) {
            if (a[from + i] != name.charAt(i)) return false;
        }
        return true;
    }

    public static Buffer encode(String event, String data) {
        StringBuilder sb = new StringBuilder(data.length() + 32);
        if (event != null) sb.append("event: ").append(event).append('\n');
        for (String line : data.split("\n", -1)) sb.append("data: ").append(line).append('\n');
        sb.append('\n');
        return Buffer.buffer(sb.toString());
    }
}
