package dev.tollgate.provider.openai;

import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.Settings;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.DeploymentEntry;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderSpec;
import dev.tollgate.upstream.UpstreamTarget;

import java.util.List;

/**
 * OpenAI and any OpenAI-compatible server (vLLM, Ollama, ...). {@code base_url} means what
 * {@code LLM_API_BASE_PATH} means: everything before the API path, version included
 * ({@code https://api.openai.com/v1}); the request's path below /v1 is appended as it came, so the
 * URL is taken as given (servers put their API under many prefixes). Without {@code api_key_env}
 * the key is {@code OPENAI_API_KEY}, or in pass-through mode without it the caller's own.
 */
public final class OpenAi implements ProviderSpec {

    public static final OpenAi SPEC = new OpenAi();

    private OpenAi() {}

    @Override
    public String id() {
        return "openai";
    }

    @Override
    public List<String> aliases() {
        return List.of("openai-compatible");
    }

    @Override
    public Deployment deployment(DeploymentEntry e, Settings s) {
        String model = e.modelOrRouteName();
        UpstreamTarget target = e.target(this, s.get(CoreSettings.LLM_API_BASE_PATH));
        String credential = e.credential();
        if (credential == null) credential = s.get(CoreSettings.OPENAI_API_KEY); // null: the caller's own key, in pass-through mode
        return e.deployment(this, model, target, credential);
    }

    /** Unlisted models: LLM_API_BASE_PATH with OPENAI_API_KEY (the plain pass-through). */
    public Deployment defaultDeployment(Settings s) {
        return new Deployment("default", this, null, UpstreamTarget.of(s.get(CoreSettings.LLM_API_BASE_PATH)),
                s.get(CoreSettings.OPENAI_API_KEY), 1, null);
    }

    @Override
    public ProviderAdapter adapter(Settings s) {
        return new OpenAiAdapter();
    }
}
