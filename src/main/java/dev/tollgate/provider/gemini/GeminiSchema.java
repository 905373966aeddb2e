package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.api.TranslationException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns an OpenAI tool's JSON Schema into the Gemini API's {@code Schema}, which is a select subset
 * of the OpenAPI 3.0 schema object: Gemini answers 400 INVALID_ARGUMENT on any key outside it
 * (for example {@code additionalProperties}, {@code $schema}, {@code strict}, {@code const}).
 *
 * <p>Kept, as the v1beta reference lists them: {@code type} (upper-cased to the enum value),
 * {@code format} (only the ones Gemini accepts: {@code float}/{@code double} for NUMBER,
 * {@code int32}/{@code int64} for INTEGER, {@code enum}/{@code date-time} for STRING), {@code title},
 * {@code description}, {@code nullable}, {@code enum} (strings only: Gemini enums are STRING enums;
 * a non-string enum is dropped), {@code items}, {@code minItems}, {@code maxItems},
 * {@code properties}, {@code required} (only names that are declared properties),
 * {@code minProperties}, {@code maxProperties}, {@code minimum}, {@code maximum}, {@code minLength},
 * {@code maxLength}, {@code pattern}, {@code example}, {@code anyOf}, {@code propertyOrdering},
 * {@code default}.
 *
 * <p>Rewritten, because JSON Schema says the same thing another way: {@code type: [T, "null"]} →
 * {@code type: T, nullable: true} (several non-null types → {@code anyOf}); {@code oneOf} →
 * {@code anyOf}; a {@code {"type":"null"}} branch of {@code anyOf} → {@code nullable: true}; a
 * string {@code const} → a one-value {@code enum}; local {@code $ref}s to {@code $defs} or
 * {@code definitions} are inlined; a one-element {@code allOf} is merged.
 *
 * <p>Dropped: every other key ({@code additionalProperties}, {@code $schema}, {@code $id},
 * {@code $comment}, {@code exclusiveMinimum}, {@code patternProperties}, {@code strict}, ...), and an
 * empty {@code properties} map (Gemini rejects it: "properties: should be non-empty for OBJECT
 * type"). A tool whose parameters declare no properties is sent without {@code parameters}, which
 * the reference allows for functions without parameters.
 *
 * <p>Refused with a {@link TranslationException}: recursive {@code $ref}s (Gemini's {@code Schema}
 * cannot express them), non-local {@code $ref}s, and {@code allOf} with several schemas.
 *
 * <p>Gemini also accepts full JSON Schema in {@code parametersJsonSchema}; this translator keeps
 * {@code parameters}, the field every Gemini model accepts.
 */
final class GeminiSchema {

    private static final Set<String> COPIED = Set.of("title", "description", "nullable", "minItems", "maxItems",
            "minProperties", "maxProperties", "minimum", "maximum", "minLength", "maxLength", "pattern", "example",
            "propertyOrdering", "default");

    private static final Map<String, Set<String>> FORMATS = Map.of(
            "NUMBER", Set.of("float", "double"),
            "INTEGER", Set.of("int32", "int64"),
            "STRING", Set.of("enum", "date-time"));

    private final JsonNode root;
    private final String param;

    private GeminiSchema(JsonNode root, String param) {
        this.root = root;
        this.param = param;
    }

    /**
     * The Gemini {@code parameters} for an OpenAI {@code function.parameters}, or null when the
     * function takes no parameters (then the declaration must leave the field out).
     */
    static ObjectNode parameters(JsonNode schema, String param) {
        if (schema == null || schema.isNull()) return null;
        if (!schema.isObject()) throw new TranslationException(param, "Function parameters must be a JSON Schema object.");
        ObjectNode out = new GeminiSchema(schema, param).convert(schema, new HashSet<>());
        if (!out.has("type") && out.has("properties")) out.put("type", "OBJECT");
        if (!out.has("properties") && "OBJECT".equals(out.path("type").asText()) && !out.has("anyOf")) return null;
        return out;
    }

    private ObjectNode convert(JsonNode node, Set<String> expanding) {
        ObjectNode out = Json.object();
        if (!node.isObject()) return out; // `true` / `{}`-like schemas: anything goes
        if (node.has("$ref")) return inline(node, expanding);

        JsonNode allOf = node.get("allOf");
        if (allOf != null && allOf.isArray()) {
            if (allOf.size() != 1) {
                throw new TranslationException(param, "JSON Schema 'allOf' with several schemas cannot be translated for Gemini.");
            }
            out.setAll(convert(allOf.get(0), expanding));
        }

        String type = type(node.get("type"), out);

        for (String key : COPIED) {
            JsonNode v = node.get(key);
            if (v != null && !v.isNull()) out.set(key, v);
        }

        JsonNode en = node.get("enum");
        JsonNode constant = node.get("const");
        if (en != null && en.isArray() && allText(en)) {
            out.set("enum", en);
        } else if (constant != null && constant.isTextual()) {
            out.putArray("enum").add(constant);
        }
        if (out.has("enum") && type == null) {
            type = "STRING";
            out.put("type", type);
        }

        JsonNode format = node.get("format");
        if (format != null && format.isTextual() && type != null
                && FORMATS.getOrDefault(type, Set.of()).contains(format.textValue())) {
            out.put("format", format.textValue());
        }

        JsonNode props = node.get("properties");
        if (props != null && props.isObject() && !props.isEmpty()) {
            ObjectNode p = out.putObject("properties");
            props.fields().forEachRemaining(e -> p.set(e.getKey(), convert(e.getValue(), expanding)));
            JsonNode required = node.get("required");
            if (required != null && required.isArray()) {
                ArrayNode r = Json.MAPPER.createArrayNode();
                for (JsonNode name : required) if (name.isTextual() && p.has(name.textValue())) r.add(name);
                if (!r.isEmpty()) out.set("required", r);
            }
        }

        JsonNode items = node.get("items");
        if (items != null && items.isObject()) out.set("items", convert(items, expanding));

        JsonNode anyOf = node.has("anyOf") ? node.get("anyOf") : node.get("oneOf");
        if (anyOf != null && anyOf.isArray()) {
            List<ObjectNode> branches = new ArrayList<>();
            for (JsonNode b : anyOf) {
                if ("null".equals(b.path("type").asText()) && b.size() == 1) {
                    out.put("nullable", true);
                } else {
                    branches.add(convert(b, expanding));
                }
            }
            if (branches.size() == 1) {
                branches.get(0).fields().forEachRemaining(e -> { if (!out.has(e.getKey())) out.set(e.getKey(), e.getValue()); });
            } else if (!branches.isEmpty()) {
                out.putArray("anyOf").addAll(branches);
            }
        }
        return out;
    }

    /** Sets {@code type} (and {@code nullable} / {@code anyOf} for type lists) on {@code out}; returns the single type or null. */
    private static String type(JsonNode type, ObjectNode out) {
        if (type == null) return null;
        if (type.isTextual()) {
            if (type.textValue().equals("null")) {
                out.put("nullable", true);
                return null;
            }
            String t = type.textValue().toUpperCase(Locale.ROOT);
            out.put("type", t);
            return t;
        }
        if (!type.isArray()) return null;
        List<String> types = new ArrayList<>();
        for (JsonNode t : type) {
            if (!t.isTextual()) continue;
            if (t.textValue().equals("null")) out.put("nullable", true);
            else types.add(t.textValue().toUpperCase(Locale.ROOT));
        }
        if (types.size() == 1) {
            out.put("type", types.get(0));
            return types.get(0);
        }
        if (types.size() > 1) {
            ArrayNode any = out.putArray("anyOf");
            for (String t : types) any.addObject().put("type", t);
        }
        return null;
    }

    private ObjectNode inline(JsonNode node, Set<String> expanding) {
        String ref = node.get("$ref").asText();
        JsonNode target = null;
        for (String prefix : new String[] {"#/$defs/", "#/definitions/"}) {
            if (ref.startsWith(prefix)) {
                target = root.path(prefix.substring(2, prefix.length() - 1)).get(ref.substring(prefix.length()));
            }
        }
        if (target == null) {
            throw new TranslationException(param, "JSON Schema reference '" + ref
                    + "' cannot be translated for Gemini: only references to $defs or definitions of the same schema are supported.");
        }
        if (!expanding.add(ref)) {
            throw new TranslationException(param, "Recursive JSON Schema reference '" + ref + "' cannot be translated for Gemini.");
        }
        ObjectNode out = convert(target, expanding);
        expanding.remove(ref);
        JsonNode description = node.get("description");
        if (description != null && description.isTextual()) out.set("description", description);
        return out;
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode v : array) if (!v.isTextual()) return false;
        return true;
    }
}
