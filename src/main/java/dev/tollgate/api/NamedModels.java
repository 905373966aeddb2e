package dev.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Every model a JSON request names besides its main one: a {@code "model": "..."} string at any
 * depth (a Responses image-generation tool's model, a realtime session's transcription model, ...),
 * so that a rule on models cannot be passed by naming a second model inside the first request.
 * Subtrees whose keys are the caller's own words (metadata, JSON schemas) are not read.
 */
public final class NamedModels {

    private NamedModels() {}

    private static final Set<String> FREE_FORM = Set.of("metadata", "parameters", "schema", "json_schema", "input_schema",
            "properties", "$defs", "definitions", "arguments");

    /**
     * Calls {@code check} with each nested model and its param path ("tools[0].model"); returns the
     * first non-null result, or null. The top-level model is not included (it is judged apart).
     */
    public static <T> T first(JsonNode body, BiFunction<String, String, T> check) {
        if (body == null || !body.isObject()) return null;
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (e.getKey().equals("model") || FREE_FORM.contains(e.getKey())) continue;
            T r = walk(e.getValue(), e.getKey(), check, 0);
            if (r != null) return r;
        }
        return null;
    }

    private static <T> T walk(JsonNode node, String path, BiFunction<String, String, T> check, int depth) {
        if (depth > 32) return null;
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String key = e.getKey();
                JsonNode v = e.getValue();
                String at = path + "." + key;
                if (key.equals("model") && v.isTextual()) {
                    T r = check.apply(v.textValue(), at);
                    if (r != null) return r;
                } else if (!FREE_FORM.contains(key) && v.isContainerNode()) {
                    T r = walk(v, at, check, depth + 1);
                    if (r != null) return r;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode v = node.get(i);
                if (!v.isContainerNode()) continue;
                T r = walk(v, path + "[" + i + "]", check, depth + 1);
                if (r != null) return r;
            }
        }
        return null;
    }
}
