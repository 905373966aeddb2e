package dev.tollgate.provider.anthropic;

import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Settings;
import dev.tollgate.provider.BaseUrl;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.DeploymentEntry;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderSpec;

import java.util.List;
import java.util.Set;

/**
 * Anthropic's Messages API. {@code base_url} is the API root, as {@code ANTHROPIC_BASE_URL} in
 * Anthropic's SDKs (default {@code https://api.anthropic.com}); the adapter adds
 * {@code /v1/messages}, so a trailing {@code /v1} is dropped and any other version segment is
 * refused. {@code api_key_env} is required.
 */
public final class Anthropic implements ProviderSpec {

    public static final Anthropic SPEC = new Anthropic();

    public static final Setting<Integer> MAX_TOKENS = Setting.global("TOLLGATE_ANTHROPIC_MAX_TOKENS",
            SettingType.integer(1, 1_000_000), 4096, "max_tokens sent to Anthropic when the request sets no output cap (Anthropic requires one)");

    static final String DEFAULT_BASE_URL = "https://api.anthropic.com";

    private Anthropic() {}

    @Override
    public String id() {
        return "anthropic";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(MAX_TOKENS);
    }

    @Override
    public String baseUrl(String configured) {
        return BaseUrl.apiRoot(configured, Set.of("v1"), "Anthropic", DEFAULT_BASE_URL + " (the gateway adds /v1/messages)");
    }

    @Override
    public boolean countsTokens() {
        return true;
    }

    @Override
    public boolean speaksAnthropicMessages() {
        return true;
    }

    @Override
    public Deployment deployment(DeploymentEntry e, Settings s) {
        return e.keyedDeployment(this, DEFAULT_BASE_URL);
    }

    @Override
    public ProviderAdapter adapter(Settings s) {
        return new AnthropicAdapter(s.get(MAX_TOKENS));
    }
}
