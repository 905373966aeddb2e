package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads one entry of {@code TOLLGATE_MODELS}; each deployment is read by its provider's
 * {@link ProviderSpec}. Every error names the entry and field.
 */
final class RouteParser {

    private static final Set<String> ROUTE_FIELDS = Set.of("name", "aliases", "deployments", "fallbacks");
    private static final List<String> COMMON_FIELDS = List.of("provider", "model", "base_url", "api_key_env", "weight");

    /** Fields any deployment may have: the common ones and every provider's own (a field another provider reads is ignored). */
    private static final Set<String> DEPLOYMENT_FIELDS = deploymentFields();

    private RouteParser() {}

    private static Set<String> deploymentFields() {
        Set<String> out = new TreeSet<>(COMMON_FIELDS);
        for (ProviderSpec p : Providers.ALL) out.addAll(p.fields());
        return Set.copyOf(out);
    }

    static ModelRoute route(JsonNode e, String where, Settings s, Function<String, String> env) {
        if (!e.isObject()) throw new IllegalArgumentException(where + ": expected a mapping with name and deployments");
        for (var it = e.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ROUTE_FIELDS.contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field '" + f + "' (known: name, aliases, deployments, fallbacks)");
            }
        }
        String name = text(e, "name", where, true);
        JsonNode ds = e.get("deployments");
        if (ds == null || !ds.isArray() || ds.isEmpty()) throw new IllegalArgumentException(where + ".deployments: expected a non-empty list");
        List<Deployment> deployments = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) deployments.add(deployment(ds.get(i), where + ".deployments[" + i + "]", name, i, s, env));
        return new ModelRoute(name, strings(e, "aliases", where), List.copyOf(deployments), strings(e, "fallbacks", where));
    }

    private static Deployment deployment(JsonNode d, String where, String routeName, int index, Settings s, Function<String, String> env) {
        if (!d.isObject()) throw new IllegalArgumentException(where + ": expected a mapping");
        for (var it = d.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!DEPLOYMENT_FIELDS.contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field '" + f + "' (known: " + String.join(", ", new TreeSet<>(DEPLOYMENT_FIELDS)) + ")");
            }
        }
        ProviderSpec provider;
        try {
            provider = Providers.named(text(d, "provider", where, true));
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException(where + ".provider: " + bad.getMessage());
        }
        return provider.deployment(new DeploymentEntry(d, where, routeName, index, env), s);
    }

    static String text(JsonNode o, String field, String where, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new IllegalArgumentException(where + "." + field + ": required");
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank()) throw new IllegalArgumentException(where + "." + field + ": expected a non-empty string");
        return v.textValue().trim();
    }

    private static List<String> strings(JsonNode o, String field, String where) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) throw new IllegalArgumentException(where + "." + field + ": expected a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual() || item.textValue().isBlank()) throw new IllegalArgumentException(where + "." + field + ": expected a list of strings");
            out.add(item.textValue().trim());
        }
        return List.copyOf(out);
    }
}
