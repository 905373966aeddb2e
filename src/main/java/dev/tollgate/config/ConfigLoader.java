package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads settings: built-in defaults, then the YAML file, then environment variables (a deployment
 * overrides a checked-in file). Every problem found is reported in one {@link ConfigException},
 * one line per key.
 */
public final class ConfigLoader {

    /** Environment variables with this prefix must be known keys: a typo is an error, not a no-op. */
    private static final String OWN_PREFIX = "TOLLGATE_";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final SettingCatalog catalog;

    public ConfigLoader(SettingCatalog catalog) {
        this.catalog = catalog;
    }

    public record Loaded(Settings settings, List<String> warnings) {}

    public Loaded load(Path file, Map<String, String> env) {
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Settings settings = Settings.defaults();

        if (file != null) {
            JsonNode root = readYaml(file, errors);
            if (root != null) {
                for (var field : root.properties()) {
                    Setting<?> setting = catalog.byKey(field.getKey());
                    if (setting == null) {
                        errors.add(unknownKey(field.getKey()));
                        continue;
                    }
                    try {
                        settings = put(settings, setting, setting.type().fromYaml(field.getValue()));
                    } catch (IllegalArgumentException e) {
                        errors.add(describe(setting, e));
                    }
                }
            }
        }

        for (Setting<?> setting : catalog.all()) {
            String raw = env.get(setting.key());
            if (raw == null) continue;
            try {
                settings = put(settings, setting, setting.type().fromString(raw));
            } catch (IllegalArgumentException e) {
                errors.add(describe(setting, e) + " (environment variable)");
            }
        }
        for (String name : env.keySet()) {
            if (name.startsWith(OWN_PREFIX) && catalog.byKey(name) == null) {
                errors.add(unknownKey(name) + " (environment variable)");
            }
        }

        // The seeds' cloud keys mean something to a hybrid data plane only (the hybrid package reads them).
        Setting<?> role = catalog.byKey("TOLLGATE_ROLE");
        if (role == null || !"data-plane".equals(settings.get(role))) {
            for (Setting<?> s : SeedSettings.CLOUD_ONLY) {
                if (settings.isSet(s)) warnings.add(s.key() + " is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)");
            }
        }

        if (!errors.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
        return new Loaded(settings, List.copyOf(warnings));
    }

    private JsonNode readYaml(Path file, List<String> errors) {
        try {
            String text = Files.readString(file);
            if (text.isBlank()) return null;
            JsonNode root;
            try (com.fasterxml.jackson.core.JsonParser parser = YAML.createParser(text)) {
                root = YAML.readTree(parser);
                if (parser.nextToken() != null) {
                    errors.add(file + ": holds several YAML documents; put every key in one");
                    return null;
                }
            }
            if (root == null || root.isNull() || root.isMissingNode()) return null;
            if (!root.isObject()) {
                errors.add(file + ": the top level must be a mapping of KEY: value");
                return null;
            }
            return root;
        } catch (NoSuchFileException e) {
            errors.add(file + ": no such file");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // The parser's own words and position; never the document's content (it may hold a key).
            String msg = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage().lines().findFirst().orElse("unreadable");
            msg = msg.replaceAll("'[^']*'", "'…'").replaceAll("\"[^\"]*\"", "\"…\"");
            var at = e.getLocation();
            errors.add(file + ": not valid YAML" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": " + msg);
        } catch (IOException e) {
            errors.add(file + ": unreadable");
        }
        return null;
    }

    private String unknownKey(String key) {
        String hint = catalog.closest(key);
        return key + ": unknown key" + (hint == null ? "" : " (did you mean " + hint + "?)");
    }

    private static String describe(Setting<?> setting, IllegalArgumentException e) {
        // A secret's value is never echoed, even clipped.
        return setting.key() + ": " + (setting.secret() ? "invalid value" : e.getMessage());
    }

    @SuppressWarnings("unchecked")
    private static <T> Settings put(Settings settings, Setting<T> setting, Object value) {
        return settings.with(setting, (T) value);
    }
}
