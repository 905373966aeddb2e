package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.KeySettings;
import dev.tollgate.api.ApiError;
import dev.tollgate.budget.Budget;
import dev.tollgate.config.SettingCatalog;
import dev.tollgate.json.Json;
import dev.tollgate.limits.Limits;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /admin/v1/keys}, checked field by field; every error names its field.
 * Unknown fields are refused, so a typo ("budjet") never creates a key without the intended cap.
 */
public record KeySpec(String name, String user, String team, Map<String, String> labels, long expiresAt,
                      List<String> allowedModels, List<String> allowedEndpoints, ObjectNode settings, Limits limits, Budget budget) {

    private static final Set<String> FIELDS = Set.of("name", "user", "team", "labels", "expires_at", "expires_in",
            "allowed_models", "allowed_endpoints", "settings", "limits", "budget");
    /** User and team ids: what fits in a URL path segment and a log line without escaping. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");

    public static KeySpec parse(JsonNode body, SettingCatalog catalog, long now) {
        if (!(body instanceof ObjectNode o)) throw new IllegalArgumentException("the body must be a JSON object");
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw new IllegalArgumentException("unknown field '" + ApiError.clip(f) + "'");
        }
        String name = string(o, "name", 200);
        String user = id(o, "user");
        String team = id(o, "team");
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = o.get("labels");
        if (l != null && !l.isNull()) {
            if (!l.isObject()) throw new IllegalArgumentException("labels: expected a mapping of strings");
            for (var e : l.properties()) {
                if (!e.getValue().isTextual() || e.getKey().length() > 100 || e.getValue().textValue().length() > 500) {
                    throw new IllegalArgumentException("labels." + ApiError.clip(e.getKey()) + ": expected a string (keys ≤100, values ≤500 characters)");
                }
                labels.put(e.getKey(), e.getValue().textValue());
            }
        }
        long expiresAt = 0;
        if (o.hasNonNull("expires_at") && o.hasNonNull("expires_in")) {
            throw new IllegalArgumentException("give expires_at or expires_in, not both");
        }
        if (o.hasNonNull("expires_at")) {
            long at = positive(o.get("expires_at"), "expires_at (unix seconds)");
            expiresAt = at * 1000;
            if (expiresAt <= now) throw new IllegalArgumentException("expires_at: must be in the future");
        } else if (o.hasNonNull("expires_in")) {
            expiresAt = now + positive(o.get("expires_in"), "expires_in (seconds)") * 1000;
        }
        List<String> models = strings(o, "allowed_models");
        List<String> endpoints = strings(o, "allowed_endpoints");
        if (endpoints != null) {
            List<String> normal = new ArrayList<>();
            for (String e : endpoints) {
                if (!e.startsWith("/")) throw new IllegalArgumentException("allowed_endpoints: '" + ApiError.clip(e) + "' must be a path such as /v1/chat/completions");
                normal.add(e.startsWith("/v1/") ? e : "/v1" + e);
            }
            endpoints = List.copyOf(normal);
        }
        JsonNode settings = o.get("settings");
        KeySettings.parse(settings, catalog); // checks names, scope and types
        ObjectNode kept = settings instanceof ObjectNode s ? s.deepCopy() : Json.object();
        return new KeySpec(name, user, team, labels, expiresAt, models, endpoints, kept,
                Limits.parse(o.get("limits"), "limits"), Budget.parse(o.get("budget"), "budget"));
    }

    private static String string(ObjectNode o, String field, int max) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.textValue().length() > max) throw new IllegalArgumentException(field + ": expected a string of at most " + max + " characters");
        return v.textValue();
    }

    static String id(ObjectNode o, String field) {
        String v = string(o, field, 128);
        if (v != null && !ID.matcher(v).matches()) {
            throw new IllegalArgumentException(field + ": letters, digits and . _ @ + - only (at most 128)");
        }
        return v;
    }

    private static long positive(JsonNode v, String what) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() <= 0 || v.longValue() > 100L * 365 * 86400 * 1000) {
            throw new IllegalArgumentException(what + ": expected a positive whole number");
        }
        return v.longValue();
    }

    private static List<String> strings(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw new IllegalArgumentException(field + ": expected a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual() || item.textValue().isBlank()) throw new IllegalArgumentException(field + ": expected a list of strings");
            out.add(item.textValue().trim());
        }
        return List.copyOf(out);
    }
}
