package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.tollgate.json.Json;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How a setting's value is read: from a YAML node (config file) or from a string (environment
 * variable or request header). Errors are plain descriptions; the caller prefixes the key.
 */
public interface SettingType<T> {

    T fromString(String raw);

    T fromYaml(JsonNode node);

    /** Words for error messages: "an integer from 0 to 5". */
    String describe();

    /**
     * A value as a user would write it (the configuration reference shows defaults this way): lists,
     * mappings and trees as JSON, anything else by its string form.
     */
    default String format(T value) {
        if (value == null) return null;
        if (value instanceof java.util.Collection<?> || value instanceof Map<?, ?> || value instanceof JsonNode) {
            try {
                return Json.MAPPER.writeValueAsString(value instanceof Map<?, ?> m ? new java.util.TreeMap<>(m) : value);
            } catch (Exception e) {
                return String.valueOf(value);
            }
        }
        return String.valueOf(value);
    }

    /**
     * A value as JSON that {@link #fromYaml} reads back to an equal value: how a control plane's
     * snapshot carries settings to data planes. Types whose Java form is not their written form
     * override it.
     */
    default JsonNode toJson(T value) {
        return Json.MAPPER.valueToTree(value);
    }

    static SettingType<Boolean> bool() {
        return new SettingType<>() {
            @Override public Boolean fromString(String raw) {
                return switch (raw.trim().toLowerCase(Locale.ROOT)) {
                    case "true", "1", "yes", "on" -> true;
                    case "false", "0", "no", "off", "" -> false;
                    default -> throw new IllegalArgumentException("expected " + describe() + ", got '" + clip(raw) + "'");
                };
            }
            @Override public Boolean fromYaml(JsonNode node) {
                if (node.isBoolean()) return node.booleanValue();
                if (node.isTextual()) return fromString(node.textValue());
                throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
            }
            @Override public String describe() { return "true or false"; }
        };
    }

    static SettingType<Integer> integer(int min, int max) {
        SettingType<Long> wide = longInt(min, max);
        return new SettingType<>() {
            @Override public Integer fromString(String raw) { return wide.fromString(raw).intValue(); }
            @Override public Integer fromYaml(JsonNode node) { return wide.fromYaml(node).intValue(); }
            @Override public String describe() { return wide.describe(); }
        };
    }

    static SettingType<Long> longInt(long min, long max) {
        return new SettingType<>() {
            @Override public Long fromString(String raw) {
                long v;
                try {
                    v = Long.parseLong(raw.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected " + describe() + ", got '" + clip(raw) + "'");
                }
                return check(v);
            }
            @Override public Long fromYaml(JsonNode node) {
                if (node.isIntegralNumber()) return check(exactLong(node, describe()));
                if (node.isTextual()) return fromString(node.textValue());
                throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
            }
            private Long check(long v) {
                if (v < min || v > max) throw new IllegalArgumentException("expected " + describe() + ", got " + v);
                return v;
            }
            @Override public String describe() { return "an integer from " + min + " to " + max; }
        };
    }

    static SettingType<String> string() {
        return new SettingType<>() {
            @Override public String fromString(String raw) { return raw; }
            @Override public String fromYaml(JsonNode node) {
                if (node.isNull()) return null;
                if (node.isValueNode() && !node.isBinary()) return node.asText();
                throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
            }
            @Override public String describe() { return "a string"; }
        };
    }

    static SettingType<String> nonEmptyString() {
        SettingType<String> base = string();
        return new SettingType<>() {
            @Override public String fromString(String raw) { return check(base.fromString(raw)); }
            @Override public String fromYaml(JsonNode node) { return check(base.fromYaml(node)); }
            private String check(String s) {
                if (s == null || s.isEmpty()) throw new IllegalArgumentException("expected " + describe() + ", got an empty value");
                return s;
            }
            @Override public String describe() { return "a non-empty string"; }
        };
    }

    static SettingType<String> oneOf(String... allowed) {
        Set<String> values = Set.of(allowed);
        return new SettingType<>() {
            @Override public String fromString(String raw) {
                String v = raw.trim().toLowerCase(Locale.ROOT);
                if (!values.contains(v)) throw new IllegalArgumentException("expected " + describe() + ", got '" + clip(raw) + "'");
                return v;
            }
            @Override public String fromYaml(JsonNode node) {
                if (node.isTextual()) return fromString(node.textValue());
                throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
            }
            @Override public String describe() { return "one of " + String.join(", ", allowed); }
        };
    }

    /** An absolute http(s) URL without query or fragment; stored without a trailing slash. */
    static SettingType<String> httpUrl() {
        return new SettingType<>() {
            @Override public String fromString(String raw) {
                String v = raw.trim();
                URI uri;
                try {
                    uri = new URI(v);
                } catch (Exception e) {
                    throw new IllegalArgumentException("expected " + describe() + ", got '" + clip(raw) + "'");
                }
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                        || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                    throw new IllegalArgumentException("expected " + describe() + ", got '" + clip(raw) + "'");
                }
                while (v.endsWith("/")) v = v.substring(0, v.length() - 1);
                return v;
            }
            @Override public String fromYaml(JsonNode node) {
                if (node.isTextual()) return fromString(node.textValue());
                throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
            }
            @Override public String describe() { return "an http:// or https:// URL without query"; }
        };
    }

    /** A list of strings: YAML sequence, or a comma-separated / JSON-array string. */
    static SettingType<List<String>> stringList() {
        return new SettingType<>() {
            @Override public List<String> fromString(String raw) {
                String v = raw.trim();
                if (v.startsWith("[")) {
                    try {
                        return fromYaml(Json.MAPPER.readTree(v));
                    } catch (IllegalArgumentException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalArgumentException("expected " + describe() + ", got malformed JSON");
                    }
                }
                List<String> out = new ArrayList<>();
                for (String part : v.split(",")) {
                    String p = part.trim();
                    if (!p.isEmpty()) out.add(p);
                }
                return List.copyOf(out);
            }
            @Override public List<String> fromYaml(JsonNode node) {
                if (node.isNull()) return List.of();
                if (node.isTextual()) return fromString(node.textValue());
                if (!node.isArray()) throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
                List<String> out = new ArrayList<>();
                for (JsonNode item : node) {
                    if (!item.isValueNode() || item.isNull()) {
                        throw new IllegalArgumentException("expected " + describe() + ", got a list containing " + kind(item));
                    }
                    String s = item.asText().trim();
                    if (!s.isEmpty()) out.add(s);
                }
                return List.copyOf(out);
            }
            @Override public String describe() { return "a list of strings"; }
        };
    }

    /** A string-to-string map: YAML mapping, or a JSON object string. */
    static SettingType<Map<String, String>> stringMap() {
        return new SettingType<>() {
            @Override public Map<String, String> fromString(String raw) { return fromJsonText(this, raw); }
            @Override public Map<String, String> fromYaml(JsonNode node) {
                if (node == null || node.isNull()) return Map.of();
                if (!node.isObject()) throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
                Map<String, String> out = new LinkedHashMap<>();
                for (var e : node.properties()) {
                    if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                        throw new IllegalArgumentException("expected " + describe() + ", but '" + e.getKey() + "' is " + kind(e.getValue()));
                    }
                    out.put(e.getKey(), e.getValue().asText());
                }
                return Map.copyOf(out);
            }
            @Override public String describe() { return "a mapping of names to strings (a JSON object in an environment variable)"; }
        };
    }

    /** A YAML/JSON value kept as a tree: for structured settings validated by their owner. */
    static SettingType<JsonNode> jsonArray() {
        return new SettingType<>() {
            @Override public JsonNode fromString(String raw) { return fromJsonText(this, raw); }
            @Override public JsonNode fromYaml(JsonNode node) {
                if (node.isNull()) return Json.MAPPER.createArrayNode();
                if (!node.isArray()) throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
                return node;
            }
            @Override public String describe() { return "a list (a JSON array in an environment variable)"; }
        };
    }

    /** A mapping kept as a tree (a JSON object in an environment variable): validated by its owner. */
    static SettingType<JsonNode> jsonObject() {
        return new SettingType<>() {
            @Override public JsonNode fromString(String raw) { return fromJsonText(this, raw); }
            @Override public JsonNode fromYaml(JsonNode node) {
                if (node == null || node.isNull()) return Json.MAPPER.createObjectNode();
                if (!node.isObject()) throw new IllegalArgumentException("expected " + describe() + ", got " + kind(node));
                return node;
            }
            @Override public String describe() { return "a mapping (a JSON object in an environment variable)"; }
        };
    }

    /** A structured value given as JSON text (an environment variable or header), read as its YAML form. */
    private static <T> T fromJsonText(SettingType<T> type, String raw) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(raw);
        } catch (Exception e) {
            throw new IllegalArgumentException("expected " + type.describe() + ", got malformed JSON");
        }
        return type.fromYaml(node);
    }

    private static String kind(JsonNode node) {
        JsonNodeType t = node.getNodeType();
        return switch (t) {
            case ARRAY -> "a list";
            case OBJECT -> "a mapping";
            case NUMBER -> "the number " + node.asText();
            case BOOLEAN -> "the boolean " + node.asText();
            case NULL, MISSING -> "nothing";
            case STRING -> "the string '" + clip(node.textValue()) + "'";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    /** The node's value as a long, refusing (not wrapping) numbers beyond the long range. */
    private static long exactLong(JsonNode node, String describe) {
        if (!node.canConvertToLong()) throw new IllegalArgumentException("expected " + describe + ", got " + node.asText());
        return node.longValue();
    }

    /**
     * Values in errors are clipped: a mistyped secret must not be echoed whole. Anything shaped like
     * a credential (a URL's password, {@code ?key=...}) is masked first, so clipping cannot leave a
     * piece of it behind.
     */
    static String clip(String raw) {
        raw = dev.tollgate.secret.Redaction.scrub(raw);
        String v = raw.length() > 40 ? raw.substring(0, 40) + "…" : raw;
        return v.replaceAll("[\\p{Cntrl}]", "?");
    }
}
