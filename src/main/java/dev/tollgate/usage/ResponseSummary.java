package dev.tollgate.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

/**
 * The {@code id}, {@code model} and {@code usage} of a whole JSON answer, read with a streaming
 * parser that skips everything else: accounting needs no tree of the whole answer.
 */
public record ResponseSummary(String id, String model, JsonNode usage) {

    public static final ResponseSummary NONE = new ResponseSummary(null, null, null);

    public static ResponseSummary scan(Buffer body) {
        byte[] bytes = body.getBytes();
        try (JsonParser p = Json.MAPPER.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return NONE;
            String id = null;
            String model = null;
            JsonNode usage = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("id") && value == JsonToken.VALUE_STRING) id = p.getText();
                else if (name.equals("model") && value == JsonToken.VALUE_STRING) model = p.getText();
                else if (name.equals("usage") && value == JsonToken.START_OBJECT) usage = Json.PARTIAL.readTree(p);
                else p.skipChildren();
            }
            return new ResponseSummary(id, model, usage);
        } catch (Exception e) {
            return NONE;
        }
    }
}
