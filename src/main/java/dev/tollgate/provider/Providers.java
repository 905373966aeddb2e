package dev.tollgate.provider;

import dev.tollgate.api.TranslationException;
import dev.tollgate.config.Setting;
import dev.tollgate.config.Settings;
import dev.tollgate.provider.anthropic.Anthropic;
import dev.tollgate.provider.azure.Azure;
import dev.tollgate.provider.gemini.Gemini;
import dev.tollgate.provider.openai.OpenAi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The providers this build knows: adding one is its package plus one line in {@link #ALL}. */
public final class Providers {

    /** Every provider, one line each; the order is the order of names in errors. */
    public static final List<ProviderSpec> ALL = List.of(
            OpenAi.SPEC,
            Azure.SPEC,
            Anthropic.SPEC,
            Gemini.SPEC);

    private static final Map<String, ProviderSpec> BY_NAME = byName();

    private final Map<ProviderSpec, ProviderAdapter> adapters = new HashMap<>();

    public Providers(Settings s) {
        for (ProviderSpec p : ALL) adapters.put(p, p.adapter(s));
    }

    private static Map<String, ProviderSpec> byName() {
        Map<String, ProviderSpec> out = new HashMap<>();
        for (ProviderSpec p : ALL) {
            List<String> names = new ArrayList<>(p.aliases());
            names.add(0, p.id());
            for (String n : names) {
                if (out.putIfAbsent(n, p) != null) throw new IllegalStateException("provider name " + n + " is used twice");
            }
        }
        return Map.copyOf(out);
    }

    /** The provider a deployment's {@code provider} names (case-insensitive). */
    public static ProviderSpec named(String name) {
        ProviderSpec p = BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (p == null) throw new IllegalArgumentException("unknown provider '" + name + "' (known: " + String.join(", ", names()) + ")");
        return p;
    }

    /** Every accepted name, each provider's id before its aliases. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (ProviderSpec p : ALL) {
            out.add(p.id());
            out.addAll(p.aliases());
        }
        return out;
    }

    /** Routing's settings and each provider's own, for the settings catalog. */
    public static List<Setting<?>> settings() {
        List<Setting<?>> out = new ArrayList<>(RoutingSettings.ALL);
        for (ProviderSpec p : ALL) out.addAll(p.settings());
        return List.copyOf(out);
    }

    public ProviderAdapter of(ProviderSpec provider) {
        ProviderAdapter a = adapters.get(provider);
        if (a == null) throw new TranslationException(null, "The provider " + provider.id() + " is not available in this build.");
        return a;
    }
}
