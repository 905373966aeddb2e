package dev.tollgate.policy.wordfilter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.chain.Finding;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The seeds' word-list setting: {@code profanity:block,dan:redact,custom:audit} (spaces allowed),
 * mapping list names to actions. As a YAML value it may also be a mapping {@code {profanity: block}}.
 */
public record WordListSpec(Map<String, Finding.Action> actions) {

    public static final WordListSpec NONE = new WordListSpec(Map.of());

    public boolean isEmpty() {
        return actions.isEmpty();
    }

    /** At least as strict: every configured list is present with an action at least as severe. */
    public static Strictness<WordListSpec> strictness() {
        return (candidate, configured) -> {
            for (var e : configured.actions().entrySet()) {
                Finding.Action a = candidate.actions().get(e.getKey());
                if (a == null || severity(a) < severity(e.getValue())) return false;
            }
            return true;
        };
    }

    static int severity(Finding.Action a) {
        return switch (a) {
            case AUDIT -> 1;
            case REDACT -> 2;
            case BLOCK -> 3;
        };
    }

    public static SettingType<WordListSpec> type() {
        return new SettingType<>() {
            @Override
            public WordListSpec fromString(String raw) {
                Map<String, Finding.Action> out = new LinkedHashMap<>();
                for (String part : raw.split(",")) {
                    String p = part.trim();
                    if (p.isEmpty()) continue;
                    int colon = p.indexOf(':');
                    if (colon < 0) throw new IllegalArgumentException("expected " + describe() + ", got '" + p + "'");
                    put(out, p.substring(0, colon), p.substring(colon + 1));
                }
                return new WordListSpec(Collections.unmodifiableMap(out));
            }

            @Override
            public WordListSpec fromYaml(JsonNode node) {
                if (node.isNull()) return NONE;
                if (node.isTextual()) return fromString(node.textValue());
                if (!node.isObject()) throw new IllegalArgumentException("expected " + describe());
                Map<String, Finding.Action> out = new LinkedHashMap<>();
                for (var e : node.properties()) put(out, e.getKey(), e.getValue().asText());
                return new WordListSpec(Collections.unmodifiableMap(out));
            }

            /** The mapping form, {@code {"profanity":"block"}}: what {@link #fromYaml} reads. */
            @Override
            public JsonNode toJson(WordListSpec value) {
                com.fasterxml.jackson.databind.node.ObjectNode o = dev.tollgate.json.Json.object();
                value.actions().forEach((list, action) -> o.put(list, action.name().toLowerCase(Locale.ROOT)));
                return o;
            }

            private void put(Map<String, Finding.Action> out, String name, String action) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                String a = action.trim().toLowerCase(Locale.ROOT);
                if (!n.matches("[a-z0-9_-]+")) throw new IllegalArgumentException("'" + name.trim() + "' is not a list name");
                Finding.Action act = switch (a) {
                    case "audit" -> Finding.Action.AUDIT;
                    case "redact" -> Finding.Action.REDACT;
                    case "block" -> Finding.Action.BLOCK;
                    default -> throw new IllegalArgumentException("'" + action.trim() + "' is not an action (audit, redact, block)");
                };
                out.put(n, act);
            }

            @Override
            public String format(WordListSpec value) {
                StringBuilder sb = new StringBuilder();
                for (var e : value.actions().entrySet()) {
                    if (!sb.isEmpty()) sb.append(',');
                    sb.append(e.getKey()).append(':').append(e.getValue().name().toLowerCase(Locale.ROOT));
                }
                return sb.toString();
            }

            @Override
            public String describe() {
                return "list:action pairs such as profanity:block,dan:redact (actions: audit, redact, block)";
            }
        };
    }
}
