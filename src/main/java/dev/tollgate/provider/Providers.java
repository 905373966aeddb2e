package dev.tollgate.provider;

import dev.tollgate.api.TranslationException;
import dev.tollgate.provider.anthropic.AnthropicAdapter;
import dev.tollgate.provider.azure.AzureAdapter;
import dev.tollgate.provider.gemini.GeminiAdapter;
import dev.tollgate.provider.openai.OpenAiAdapter;

import dev.tollgate.config.Settings;

import java.util.EnumMap;
import java.util.Map;

/** The adapter of each provider: adding a provider is one package plus one line here. */
public final class Providers {

    private final Map<ProviderKind, ProviderAdapter> adapters = new EnumMap<>(ProviderKind.class);

    public Providers(Settings s) {
        adapters.put(ProviderKind.OPENAI, new OpenAiAdapter());
        adapters.put(ProviderKind.AZURE, new AzureAdapter(s.get(ProviderSettings.AZURE_DEPLOYMENTS)));
        adapters.put(ProviderKind.ANTHROPIC, new AnthropicAdapter(s.get(ProviderSettings.ANTHROPIC_MAX_TOKENS)));
        adapters.put(ProviderKind.GEMINI, new GeminiAdapter());
    }

    public ProviderAdapter of(ProviderKind kind) {
        ProviderAdapter a = adapters.get(kind);
        if (a == null) throw new TranslationException(null, "The provider " + kind.id() + " is not available in this build.");
        return a;
    }
}
