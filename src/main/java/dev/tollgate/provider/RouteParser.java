package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Settings;
import dev.tollgate.upstream.UpstreamTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one entry of {@code TOLLGATE_MODELS}. Every error names the entry and field, and never
 * shows a credential's value (only the name of its environment variable).
 */
final class RouteParser {

    private static final Set<String> ROUTE_FIELDS = Set.of("name", "aliases", "deployments", "fallbacks");
    private static final Set<String> DEPLOYMENT_FIELDS = Set.of("provider", "model", "base_url", "api_key_env", "weight",
            "resource", "deployment", "api_version");

    /** A conventional environment variable name: upper-case letters, digits and '_'. */
    private static final java.util.regex.Pattern ENV_NAME = java.util.regex.Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");

    private RouteParser() {}

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
                throw new IllegalArgumentException(where + ": unknown field '" + f + "' (known: " + String.join(", ", DEPLOYMENT_FIELDS.stream().sorted().toList()) + ")");
            }
        }
        ProviderKind kind;
        try {
            kind = ProviderKind.parse(text(d, "provider", where, true));
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException(where + ".provider: " + bad.getMessage());
        }
        String model = text(d, "model", where, false);
        String deploymentName = text(d, "deployment", where, false);
        if (kind == ProviderKind.AZURE && deploymentName != null && !AzureResources.validDeployment(deploymentName)) {
            throw new IllegalArgumentException(where + ".deployment: " + AzureResources.invalidDeployment(deploymentName));
        }
        String resource = text(d, "resource", where, false);
        String baseUrl = text(d, "base_url", where, false);
        UpstreamTarget target;
        try {
            if (kind == ProviderKind.AZURE) {
                if (resource == null && baseUrl == null) throw new IllegalArgumentException("an azure deployment needs resource or base_url");
                if (deploymentName == null) throw new IllegalArgumentException("an azure deployment needs deployment (the Azure deployment name)");
                target = resource != null ? AzureResources.target(resource) : UpstreamTarget.of(SettingType.httpUrl().fromString(baseUrl));
            } else {
                if (model == null) model = routeName;
                String url = baseUrl != null ? baseUrl : switch (kind) {
                    case OPENAI -> s.get(CoreSettings.LLM_API_BASE_PATH);
                    case ANTHROPIC -> "https://api.anthropic.com";
                    case GEMINI -> "https://generativelanguage.googleapis.com";
                    case AZURE -> throw new AssertionError();
                };
                target = UpstreamTarget.of(SettingType.httpUrl().fromString(url));
            }
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException(where + ": " + bad.getMessage());
        }
        String keyEnv = text(d, "api_key_env", where, false);
        String credential;
        if (keyEnv != null) {
            credential = env.apply(keyEnv);
            if (credential == null || credential.isEmpty()) {
                // The name is echoed only when it looks like one: a key pasted here instead must not be printed back.
                throw new IllegalArgumentException(where + ".api_key_env: " + (ENV_NAME.matcher(keyEnv).matches()
                        ? "the environment variable " + keyEnv + " is not set"
                        : "the environment variable it names is not set (give the variable's name, not the key)"));
            }
        } else if (kind == ProviderKind.OPENAI) {
            credential = s.get(CoreSettings.OPENAI_API_KEY); // null: the caller's own key, in pass-through mode
        } else {
            throw new IllegalArgumentException(where + ".api_key_env: required for provider " + kind.id()
                    + " (the name of the environment variable holding the key)");
        }
        int weight = 1;
        JsonNode w = d.get("weight");
        if (w != null && !w.isNull()) {
            if (!w.isIntegralNumber() || w.intValue() < 1 || w.intValue() > 1000) throw new IllegalArgumentException(where + ".weight: expected a whole number from 1 to 1000");
            weight = w.intValue();
        }
        String apiVersion = text(d, "api_version", where, false);
        if (apiVersion == null && kind == ProviderKind.AZURE) apiVersion = s.get(ProviderSettings.AZURE_API_VERSION);
        if (kind == ProviderKind.AZURE) {
            // The URL takes the deployment's name; `model` (default: the entry's name) is what it serves, for pricing.
            String served = model != null ? model : routeName;
            String id = routeName + "/azure:" + (resource != null ? resource + "/" : "") + deploymentName + "#" + index;
            return new Deployment(id, kind, deploymentName, target, credential, weight, apiVersion, served);
        }
        String id = routeName + "/" + kind.id() + ":" + model + "#" + index;
        return new Deployment(id, kind, model, target, credential, weight, apiVersion);
    }

    private static String text(JsonNode o, String field, String where, boolean required) {
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
