package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.api.TranslationException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI embeddings ⇄ the Gemini API's {@code embedContent} / {@code batchEmbedContents}.
 *
 * <p>A single string is one {@code models/{model}:embedContent} call
 * ({@code {content: {parts: [{text}]}}}; the model is in the URL). An array of strings is one
 * {@code models/{model}:batchEmbedContents} call whose every request names the model again
 * ({@code {model: "models/<model>", content: ...}}), as that method requires. {@code dimensions} →
 * {@code outputDimensionality}. {@code user} is dropped. Token arrays (arrays of integers) are
 * refused: Gemini embeds text only, and the tokens are OpenAI's.
 *
 * <p>{@code encoding_format: "base64"} is supported — the official OpenAI Python SDK asks for it by
 * default — by encoding the vector the way OpenAI does (little-endian float32, base64); the caller
 * passes the request's wish to {@link #response(JsonNode, String, boolean)}. Gemini returns no token
 * counts for embeddings, so the answer has no {@code usage}: the gateway counts the input itself.
 */
public final class GeminiEmbeddings {

    /** Which Gemini method to call ({@code embedContent} or {@code batchEmbedContents}) and its body. */
    public record Request(String method, ObjectNode body) {}

    private static final Set<String> KNOWN = Set.of("input", "model", "dimensions", "encoding_format", "user");

    private GeminiEmbeddings() {}

    public static Request request(ObjectNode openAiEmbeddings, String model) {
        Iterator<Map.Entry<String, JsonNode>> fields = openAiEmbeddings.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (!f.getValue().isNull() && !KNOWN.contains(f.getKey())) {
                throw new TranslationException(f.getKey(), "Parameter '" + f.getKey() + "' is not supported for Gemini embedding models.");
            }
        }
        base64(openAiEmbeddings);
        JsonNode dims = openAiEmbeddings.get("dimensions");
        JsonNode input = openAiEmbeddings.get("input");
        if (input != null && input.isTextual()) {
            ObjectNode body = Json.object();
            body.set("content", content(input));
            if (dims != null && !dims.isNull()) body.set("outputDimensionality", dims);
            return new Request("embedContent", body);
        }
        if (input == null || !input.isArray() || input.isEmpty()) {
            throw new TranslationException("input", "'input' must be a string or a non-empty array of strings.");
        }
        String name = model.startsWith("models/") ? model : "models/" + model;
        ObjectNode body = Json.object();
        ArrayNode requests = body.putArray("requests");
        for (JsonNode item : input) {
            if (!item.isTextual()) {
                throw new TranslationException("input", "Gemini embedding models take text only; token arrays are not supported.");
            }
            ObjectNode r = requests.addObject();
            r.put("model", name);
            r.set("content", content(item));
            if (dims != null && !dims.isNull()) r.set("outputDimensionality", dims);
        }
        return new Request("batchEmbedContents", body);
    }

    /** Whether the request asks for base64 vectors; refuses encodings OpenAI does not define. */
    public static boolean base64(ObjectNode openAiEmbeddings) {
        JsonNode f = openAiEmbeddings.get("encoding_format");
        if (f == null || f.isNull() || "float".equals(f.asText())) return false;
        if ("base64".equals(f.asText())) return true;
        throw new TranslationException("encoding_format", "encoding_format must be float or base64.");
    }

    /** The answer with float vectors. */
    public static ObjectNode response(JsonNode geminiBody, String model) {
        return response(geminiBody, model, false);
    }

    /**
     * {@code {"embedding":{"values":[..]}}} or {@code {"embeddings":[{"values":[..]}, ..]}} → OpenAI
     * {@code {"object":"list","data":[{"object":"embedding","index":i,"embedding":..}],"model":..}}.
     */
    public static ObjectNode response(JsonNode geminiBody, String model, boolean base64) {
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        JsonNode single = geminiBody.get("embedding");
        if (single != null && single.isObject()) {
            add(data, 0, single.path("values"), base64);
        } else {
            JsonNode many = geminiBody.path("embeddings");
            for (int i = 0; i < many.size(); i++) add(data, i, many.get(i).path("values"), base64);
        }
        out.put("model", model);
        return out;
    }

    private static void add(ArrayNode data, int index, JsonNode values, boolean base64) {
        ObjectNode e = data.addObject();
        e.put("object", "embedding");
        e.put("index", index);
        if (base64) {
            ByteBuffer buf = ByteBuffer.allocate(values.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode v : values) buf.putFloat(v.floatValue());
            e.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
        } else {
            e.set("embedding", values);
        }
    }

    private static ObjectNode content(JsonNode text) {
        ObjectNode c = Json.object();
        c.putArray("parts").addObject().set("text", text);
        return c;
    }
}
