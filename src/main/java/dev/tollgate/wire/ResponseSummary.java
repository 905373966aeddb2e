package dev.tollgate.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

/**
 * The {@code id}, {@code model} and {@code usage} of a whole JSON answer, without parsing the
 * answer: accounting runs on every call, so it must cost next to nothing.
 * {@code id} and {@code model} are read from the top-level fields before the first array
 * (OpenAI's answers put them first); {@code usage} is found by a byte search for its key,
 * from the end, and only that object is parsed.
 */
public record ResponseSummary(String id, String model, JsonNode usage) {

    public static final ResponseSummary NONE = new ResponseSummary(null, null, null);

    private static final byte[] USAGE_KEY = {'"', 'u', 's', 'a', 'g', 'e', '"'};

    public static ResponseSummary scan(Buffer body) {
        byte[] bytes = body.getBytes();
        String id = null;
        String model = null;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return NONE;
            while ((id == null || model == null) && p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_ARRAY) break; // the answer's content: id and model come before it
                if (name.equals("id") && value == JsonToken.VALUE_STRING) id = p.getText();
                else if (name.equals("model") && value == JsonToken.VALUE_STRING) model = p.getText();
                else p.skipChildren();
            }
        } catch (Exception e) {
            return NONE;
        }
        if (model == null) model = stringAfterKey(bytes, MODEL_KEY); // embeddings: "model" follows "data"
        return new ResponseSummary(id, model, usage(bytes));
    }

    private static final byte[] MODEL_KEY = {'"', 'm', 'o', 'd', 'e', 'l', '"'};

    /** The string value of the last {@code "key": "..."} in the bytes, or null. */
    private static String stringAfterKey(byte[] b, byte[] key) {
        int at = valueStart(b, key, (byte) '"');
        if (at < 0) return null;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(b, at, b.length - at)) {
            return p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * The last {@code "usage": {...}} object. Inside a JSON string a quote is always escaped, so
     * the key's bytes cannot come from string content.
     */
    private static JsonNode usage(byte[] b) {
        int at = valueStart(b, USAGE_KEY, (byte) '{');
        if (at < 0) return null;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(b, at, b.length - at)) {
            p.nextToken();
            return Json.PARTIAL.readTree(p);
        } catch (Exception e) {
            return null;
        }
    }

    /** Where the value of the last {@code key:} starting with {@code first} begins, or -1. */
    private static int valueStart(byte[] b, byte[] key, byte first) {
        for (int i = b.length - key.length; i >= 0; i--) {
            if (b[i] != '"' || !matches(b, i, key)) continue;
            int j = i + key.length;
            while (j < b.length && isSpace(b[j])) j++;
            if (j >= b.length || b[j] != ':') continue;
            j++;
            while (j < b.length && isSpace(b[j])) j++;
            if (j < b.length && b[j] == first) return j;
        }
        return -1;
    }

    private static boolean matches(byte[] b, int at, byte[] key) {
        for (int k = 1; k < key.length; k++) if (b[at + k] != key[k]) return false;
        return true;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
}
