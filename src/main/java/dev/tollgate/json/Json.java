package dev.tollgate.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The one shared Jackson mapper, and small helpers for reading Vert.x buffers without copies. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            // Deep nesting is an attack, not a prompt: cap it well above any real request.
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * For request bodies: a key given twice is refused, because the gateway and the upstream could
     * each read a different one of them ({@code {"model":"a","model":"b"}}).
     */
    public static final ObjectMapper REQUEST_MAPPER = MAPPER.copy().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Reads one value from the middle of a stream (the whole-document trailing-token check does not apply). */
    public static final ObjectReader PARTIAL = MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    /** A buffer's bytes without a copy where it has a backing array: {@code array[offset, offset + length)}. */
    public record Bytes(byte[] array, int offset, int length) {}

    public static Bytes bytes(Buffer body) {
        ByteBuf buf = ((BufferInternal) body).getByteBuf();
        if (buf.hasArray()) return new Bytes(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
        byte[] copy = body.getBytes();
        return new Bytes(copy, 0, copy.length);
    }

    /** Parses a whole body; throws {@link IOException} on malformed JSON. */
    public static JsonNode parse(Buffer body) throws IOException {
        return read(MAPPER, body);
    }

    /** Parses a whole request body, refusing duplicate keys at any depth; throws {@link IOException} when malformed. */
    public static JsonNode parseRequest(Buffer body) throws IOException {
        return read(REQUEST_MAPPER, body);
    }

    private static JsonNode read(ObjectMapper mapper, Buffer body) throws IOException {
        Bytes b = bytes(body);
        return mapper.readTree(b.array(), b.offset(), b.length());
    }

    /**
     * Validates a whole JSON document that must be an object, keeping only its top-level scalar
     * fields: much cheaper than a tree when nothing needs the rest. Throws {@link IOException} on
     * malformed JSON (also trailing data) and {@link IllegalArgumentException} when the root is not
     * an object.
     */
    public static ObjectNode scanObject(Buffer body) throws IOException {
        Bytes b = bytes(body);
        ObjectNode scalars = object();
        try (JsonParser p = REQUEST_MAPPER.getFactory().createParser(b.array(), b.offset(), b.length())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not an object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v.isScalarValue()) {
                    scalars.set(name, PARTIAL.readTree(p));
                } else {
                    // Kept as an empty container of its kind, so a non-scalar where a scalar belongs is seen.
                    if (v == JsonToken.START_ARRAY) scalars.putArray(name); else scalars.putObject(name);
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new JsonParseException(p, "trailing data after the object");
            }
        }
        return scalars;
    }

    public static JsonNode parse(String text) throws IOException {
        return MAPPER.readTree(text);
    }

    public static Buffer toBuffer(JsonNode node) {
        try {
            return Buffer.buffer(MAPPER.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toString(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body as a tree, or null when it is empty or not JSON (a provider's answer may be either). */
    public static JsonNode parseOrNull(Buffer body) {
        if (body == null || body.length() == 0) return null;
        try {
            return parse(body);
        } catch (Exception notJson) {
            return null;
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** The text of a field if it is a string, else null. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    /** Puts a list of strings, or null for none (e.g. a key's allowed models: null means all). */
    public static void putStrings(ObjectNode o, String field, java.util.List<String> values) {
        if (values == null) {
            o.putNull(field);
            return;
        }
        com.fasterxml.jackson.databind.node.ArrayNode a = o.putArray(field);
        values.forEach(a::add);
    }
}
