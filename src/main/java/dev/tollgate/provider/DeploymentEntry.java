package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.SettingType;
import dev.tollgate.upstream.UpstreamTarget;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One deployment entry of {@code TOLLGATE_MODELS} as a provider reads it: its fields, the
 * credential its {@code api_key_env} names, and errors that name the entry and field and never
 * show a credential's value (only the name of its environment variable).
 */
public final class DeploymentEntry {

    /** A conventional environment variable name: upper-case letters, digits and '_'. */
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");

    private final JsonNode node;
    private final String where;
    private final String routeName;
    private final int index;
    private final Function<String, String> env;

    DeploymentEntry(JsonNode node, String where, String routeName, int index, Function<String, String> env) {
        this.node = node;
        this.where = where;
        this.routeName = routeName;
        this.index = index;
        this.env = env;
    }

    /** "TOLLGATE_MODELS[0].deployments[1]", the prefix of every error about this entry. */
    public String where() {
        return where;
    }

    /** The name of the model entry it serves. */
    public String routeName() {
        return routeName;
    }

    /** An optional string field, trimmed; null when absent. */
    public String text(String field) {
        return RouteParser.text(node, field, where, false);
    }

    /** The upstream's model name: {@code model}, else the entry's name. */
    public String modelOrRouteName() {
        String model = text("model");
        return model != null ? model : routeName;
    }

    /** An error about the entry as a whole. */
    public IllegalArgumentException invalid(String message) {
        return new IllegalArgumentException(where + ": " + message);
    }

    /** An error about one field. */
    public IllegalArgumentException invalid(String field, String message) {
        return new IllegalArgumentException(where + "." + field + ": " + message);
    }

    /**
     * The upstream: {@code base_url} under the provider's rule ({@link ProviderSpec#baseUrl}), or
     * {@code defaultUrl} when the entry gives none.
     */
    public UpstreamTarget target(ProviderSpec provider, String defaultUrl) {
        String configured = text("base_url");
        String url;
        try {
            url = SettingType.httpUrl().fromString(configured != null ? configured : defaultUrl);
        } catch (IllegalArgumentException bad) {
            throw invalid(bad.getMessage());
        }
        if (configured != null) {
            try {
                url = provider.baseUrl(url);
            } catch (IllegalArgumentException bad) {
                throw invalid("base_url", bad.getMessage());
            }
        }
        return UpstreamTarget.of(url);
    }

    /** The value of the variable {@code api_key_env} names; null when the entry names none. */
    public String credential() {
        String keyEnv = text("api_key_env");
        if (keyEnv == null) return null;
        String value = env.apply(keyEnv);
        if (value == null || value.isEmpty()) {
            // The name is echoed only when it looks like one: a key pasted here instead must not be printed back.
            throw invalid("api_key_env", ENV_NAME.matcher(keyEnv).matches()
                    ? "the environment variable " + keyEnv + " is not set"
                    : "the environment variable it names is not set (give the variable's name, not the key)");
        }
        return value;
    }

    /** The credential, for a provider that has no default one. */
    public String requiredCredential(ProviderSpec provider) {
        String value = credential();
        if (value == null) {
            throw invalid("api_key_env", "required for provider " + provider.id() + " (the name of the environment variable holding the key)");
        }
        return value;
    }

    /** {@code weight}: 1 to 1000, default 1. */
    public int weight() {
        JsonNode w = node.get("weight");
        if (w == null || w.isNull()) return 1;
        if (!w.isIntegralNumber() || w.intValue() < 1 || w.intValue() > 1000) throw invalid("weight", "expected a whole number from 1 to 1000");
        return w.intValue();
    }

    /** The deployment, named "{route}/{provider}:{label}#{index}" in logs. */
    public Deployment deployment(ProviderSpec provider, String label, String upstreamModel, UpstreamTarget target, String credential,
                                 String apiVersion, String pricedModel) {
        String id = routeName + "/" + provider.id() + ":" + label + "#" + index;
        return new Deployment(id, provider, upstreamModel, target, credential, weight(), apiVersion, pricedModel);
    }

    /** A deployment whose upstream model is its label and the model priced. */
    public Deployment deployment(ProviderSpec provider, String upstreamModel, UpstreamTarget target, String credential) {
        return deployment(provider, upstreamModel, upstreamModel, target, credential, null, upstreamModel);
    }

    /**
     * The usual deployment: the entry's model (default: its route's name) at {@code base_url} (or
     * the provider's default), with the key {@code api_key_env} names, which is required.
     */
    public Deployment keyedDeployment(ProviderSpec provider, String defaultBaseUrl) {
        String model = modelOrRouteName();
        return deployment(provider, model, target(provider, defaultBaseUrl), requiredCredential(provider));
    }
}
