package dev.tollgate.provider.gemini;

import dev.tollgate.config.Settings;
import dev.tollgate.provider.BaseUrl;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.DeploymentEntry;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderSpec;

import java.util.List;
import java.util.Set;

/**
 * Google's Gemini API. {@code base_url} is the API root (default
 * {@code https://generativelanguage.googleapis.com}); the adapter adds {@code /v1beta/models/...},
 * so a trailing {@code /v1beta} or {@code /v1} (the versions Google documents; v1beta serves
 * everything v1 does) is dropped and any other version segment is refused, Google's
 * OpenAI-compatible {@code /v1beta/openai} among them (that one is provider openai).
 * {@code api_key_env} is required.
 */
public final class Gemini implements ProviderSpec {

    public static final Gemini SPEC = new Gemini();

    static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

    private Gemini() {}

    @Override
    public String id() {
        return "gemini";
    }

    @Override
    public List<String> aliases() {
        return List.of("google");
    }

    @Override
    public String baseUrl(String configured) {
        return BaseUrl.apiRoot(configured, Set.of("v1beta", "v1"), "Gemini",
                DEFAULT_BASE_URL + " (the gateway adds /v1beta/models/...); Google's OpenAI-compatible endpoint is provider openai");
    }

    @Override
    public boolean countsTokens() {
        return true;
    }

    @Override
    public Deployment deployment(DeploymentEntry e, Settings s) {
        return e.keyedDeployment(this, DEFAULT_BASE_URL);
    }

    @Override
    public ProviderAdapter adapter(Settings s) {
        return new GeminiAdapter();
    }
}
