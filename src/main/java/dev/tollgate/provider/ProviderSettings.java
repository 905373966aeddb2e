package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;

import java.util.List;
import java.util.Map;

/** Settings of model routing and the provider adapters. */
public final class ProviderSettings {

    private ProviderSettings() {}

    public static final Setting<JsonNode> MODELS = Setting.global("TOLLGATE_MODELS", SettingType.jsonArray(), null,
            "The models list: each name (and aliases) mapped to deployments (provider, model, base_url, api_key_env, weight) and fallbacks");

    public static final Setting<String> UNLISTED_MODELS = Setting.global("TOLLGATE_UNLISTED_MODELS",
            SettingType.oneOf("default", "refuse"), "default", "A model not in TOLLGATE_MODELS goes to LLM_API_BASE_PATH (default) or is refused (404)");

    public static final Setting<String> AZURE_RESOURCE_NAME = Setting.global("AZURE_RESOURCE_NAME", SettingType.string(), null,
            "Seed compatibility: send requests to this Azure OpenAI resource instead of LLM_API_BASE_PATH");

    public static final Setting<String> AZURE_DEPLOYMENT_ID = Setting.global("AZURE_DEPLOYMENT_ID", SettingType.string(), null,
            "Seed compatibility: the Azure deployment (default: TOLLGATE_AZURE_DEPLOYMENTS by model, else the model name)");

    public static final Setting<Map<String, String>> AZURE_DEPLOYMENTS = Setting.global("TOLLGATE_AZURE_DEPLOYMENTS",
            SettingType.stringMap(), Map.of(), "Azure deployment name per requested model, for AZURE_RESOURCE_NAME and the azure-resource header");

    public static final Setting<List<String>> AZURE_RESOURCES = Setting.global("TOLLGATE_AZURE_RESOURCES",
            SettingType.stringList(), List.of(), "Azure resources a request may name in x-tollgate-azure-resource (AZURE_RESOURCE_NAME is always allowed)");

    public static final Setting<String> AZURE_API_VERSION = Setting.global("TOLLGATE_AZURE_API_VERSION",
            SettingType.nonEmptyString(), "2024-10-21", "api-version of Azure OpenAI calls");

    public static final Setting<Integer> ANTHROPIC_MAX_TOKENS = Setting.global("TOLLGATE_ANTHROPIC_MAX_TOKENS",
            SettingType.integer(1, 1_000_000), 4096, "max_tokens sent to Anthropic when the request sets no output cap (Anthropic requires one)");

    public static final Setting<Integer> CIRCUIT_FAILURES = Setting.global("TOLLGATE_CIRCUIT_FAILURES",
            SettingType.integer(1, 1000), 5, "Consecutive failures after which a deployment is cooled down");

    public static final Setting<Integer> CIRCUIT_COOLDOWN_MS = Setting.global("TOLLGATE_CIRCUIT_COOLDOWN_MS",
            SettingType.integer(100, 3_600_000), 30_000, "How long a failing deployment is skipped before one request probes it");

    public static final List<Setting<?>> ALL = List.of(MODELS, UNLISTED_MODELS, AZURE_RESOURCE_NAME, AZURE_DEPLOYMENT_ID,
            AZURE_DEPLOYMENTS, AZURE_RESOURCES, AZURE_API_VERSION, ANTHROPIC_MAX_TOKENS, CIRCUIT_FAILURES, CIRCUIT_COOLDOWN_MS);
}
