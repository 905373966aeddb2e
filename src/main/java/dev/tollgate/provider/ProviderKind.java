package dev.tollgate.provider;

import java.util.Locale;

/** The API a deployment speaks. "openai" also covers any OpenAI-compatible server (vLLM, Ollama, ...). */
public enum ProviderKind {
    OPENAI, AZURE, ANTHROPIC, GEMINI;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ProviderKind parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "openai", "openai-compatible" -> OPENAI;
            case "azure", "azure-openai" -> AZURE;
            case "anthropic" -> ANTHROPIC;
            case "gemini", "google" -> GEMINI;
            default -> throw new IllegalArgumentException("unknown provider '" + s + "' (known: openai, openai-compatible, azure, anthropic, gemini)");
        };
    }
}
