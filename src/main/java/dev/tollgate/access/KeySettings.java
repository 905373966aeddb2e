package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingCatalog;
import dev.tollgate.config.Settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A key's own policy settings, checked once when the key is created or loaded. Any per-request
 * setting of the chain may be set (tighter or looser than the file: an admin chose it); gateway-wide
 * settings (ports, timeouts, secrets) may not. Precedence: defaults < file < key < request header.
 */
public final class KeySettings {

    public static final KeySettings NONE = new KeySettings(List.of());

    private record Value<T>(Setting<T> setting, T value) {
        Settings applyTo(Settings s) {
            return s.with(setting, value);
        }
    }

    private final List<Value<?>> values;

    private KeySettings(List<Value<?>> values) {
        this.values = values;
    }

    /** Parses {@code {"POLICY_MAX_PROMPT_CHARS": 2000, ...}}; errors name the setting. */
    public static KeySettings parse(JsonNode settings, SettingCatalog catalog) {
        if (settings == null || settings.isNull() || settings.isEmpty()) return NONE;
        if (!settings.isObject()) throw new IllegalArgumentException("settings: expected a mapping of setting names to values");
        List<Value<?>> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : settings.properties()) {
            Setting<?> s = catalog.byKey(e.getKey());
            if (s == null) throw new IllegalArgumentException("settings." + e.getKey() + ": unknown setting");
            if (s.header() == null) {
                throw new IllegalArgumentException("settings." + e.getKey() + ": a gateway-wide setting, not settable per key");
            }
            try {
                out.add(value(s, e.getValue()));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("settings." + e.getKey() + ": " + bad.getMessage());
            }
        }
        return new KeySettings(List.copyOf(out));
    }

    private static <T> Value<T> value(Setting<T> s, JsonNode node) {
        return new Value<>(s, s.type().fromYaml(node));
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public Settings applyTo(Settings configured) {
        Settings s = configured;
        for (Value<?> v : values) s = v.applyTo(s);
        return s;
    }
}
