package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;

import java.util.List;

/** Settings of model routing; each provider's own settings live in its package. */
public final class RoutingSettings {

    private RoutingSettings() {}

    public static final Setting<JsonNode> MODELS = Setting.global("TOLLGATE_MODELS", SettingType.jsonArray(), null,
            "The models list: each name (and aliases) mapped to deployments (provider, model, base_url, api_key_env, weight) and fallbacks");

    public static final Setting<String> UNLISTED_MODELS = Setting.global("TOLLGATE_UNLISTED_MODELS",
            SettingType.oneOf("default", "refuse"), "default", "A model not in TOLLGATE_MODELS goes to LLM_API_BASE_PATH (default) or is refused (404)");

    public static final Setting<Integer> CIRCUIT_FAILURES = Setting.global("TOLLGATE_CIRCUIT_FAILURES",
            SettingType.integer(1, 1000), 5, "Consecutive failures after which a deployment is cooled down");

    public static final Setting<Integer> CIRCUIT_COOLDOWN_MS = Setting.global("TOLLGATE_CIRCUIT_COOLDOWN_MS",
            SettingType.integer(100, 3_600_000), 30_000, "How long a failing deployment is skipped before one request probes it");

    public static final List<Setting<?>> ALL = List.of(MODELS, UNLISTED_MODELS, CIRCUIT_FAILURES, CIRCUIT_COOLDOWN_MS);
}
