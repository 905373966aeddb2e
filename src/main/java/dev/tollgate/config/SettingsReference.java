package dev.tollgate.config;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The configuration reference (docs/configuration.md), generated from the settings catalogue so the
 * docs cannot drift from the code: every key with its type, default, scope and help text. Settings a
 * policy declares are listed under that policy; all others under "Gateway settings", in catalogue
 * order. Only the introduction is hand-written (below).
 *
 * @param catalog        every setting the gateway knows
 * @param policySettings policy id to the settings it declares, in chain order
 */
public record SettingsReference(SettingCatalog catalog, Map<String, List<Setting<?>>> policySettings) {

    /** The command that regenerates docs/configuration.md; the drift test names it. */
    public static final String REGENERATE = "java -jar target/tollgate.jar config docs > docs/configuration.md";

    public String markdown() {
        Map<Setting<?>, String> owner = new IdentityHashMap<>();
        policySettings.forEach((policy, settings) -> settings.forEach(s -> owner.put(s, policy)));
        List<Setting<?>> gateway = new ArrayList<>();
        for (Setting<?> s : catalog.all()) if (!owner.containsKey(s)) gateway.add(s);
        Map<String, List<Setting<?>>> byPolicy = new LinkedHashMap<>();
        policySettings.forEach((policy, settings) -> {
            List<Setting<?>> known = settings.stream().filter(s -> catalog.byKey(s.key()) == s).toList();
            if (!known.isEmpty()) byPolicy.put(policy, known);
        });

        StringBuilder md = new StringBuilder(INTRO);
        headerTable(md);
        md.append("\n## Index\n\n| setting | default | scope |\n|---|---|---|\n");
        for (Setting<?> s : gateway) indexRow(md, s);
        byPolicy.values().forEach(list -> list.forEach(s -> indexRow(md, s)));

        md.append("\n## Gateway settings\n\nRead by the server, key mode, routing and providers; not tied to one policy.\n");
        for (Setting<?> s : gateway) entry(md, s, null);
        md.append("\n## Policy settings\n\nEach policy of the chain (see [Policies](policies.md)) declares its own settings.\n");
        byPolicy.forEach((policy, settings) -> {
            md.append("\n### Policy `").append(policy).append("`\n");
            for (Setting<?> s : settings) entry(md, s, policy);
        });
        return md.toString();
    }

    private void headerTable(StringBuilder md) {
        md.append("\nHeaders that set a setting for one request:\n\n| header | setting |\n|---|---|\n");
        for (Setting<?> s : catalog.all()) {
            if (s.header() == null) continue;
            md.append("| `x-tollgate-").append(s.header()).append("` | ").append(link(s)).append(" |\n");
        }
        md.append(OTHER_HEADERS);
    }

    private static void indexRow(StringBuilder md, Setting<?> s) {
        md.append("| ").append(link(s)).append(" | ").append(cell(defaultText(s))).append(" | ").append(cell(shortScope(s))).append(" |\n");
    }

    private static void entry(StringBuilder md, Setting<?> s, String policy) {
        md.append("\n#### `").append(s.key()).append("`\n\n");
        md.append(sentence(s.help())).append("\n\n");
        md.append("- Type: ").append(s.type().describe()).append('\n');
        md.append("- Default: ").append(defaultText(s)).append('\n');
        md.append("- Scope: ").append(scope(s)).append('\n');
        if (policy != null) md.append("- Read by: policy `").append(policy).append("`\n");
    }

    /** Help texts are written as sentences; a missing full stop is added so entries read alike. */
    private static String sentence(String help) {
        if (help == null || help.isBlank()) return "(No description.)";
        String h = help.strip();
        return h.endsWith(".") ? h : h + ".";
    }

    private static String link(Setting<?> s) {
        return "[`" + s.key() + "`](#" + s.key().toLowerCase(Locale.ROOT) + ")";
    }

    /** The default as a user would write it, with a readable size or duration for byte and millisecond keys. */
    static <T> String defaultText(Setting<T> s) {
        String v = s.type().format(s.defaultValue());
        if (v == null) return "unset";
        if (v.isEmpty()) return "empty";
        return "`" + v + "`" + readable(s.key(), s.defaultValue());
    }

    private static String readable(String key, Object value) {
        if (!(value instanceof Number n) || n.longValue() <= 0) return "";
        long v = n.longValue();
        if (key.endsWith("_BYTES") && v % (1L << 20) == 0) {
            return v % (1L << 30) == 0 ? " (" + (v >> 30) + " GiB)" : " (" + (v >> 20) + " MiB)";
        }
        if (key.endsWith("_MS") && v >= 1000 && v % 1000 == 0) {
            long sec = v / 1000;
            return sec % 60 == 0 ? " (" + sec / 60 + " min)" : " (" + sec + " s)";
        }
        return "";
    }

    private static String scope(Setting<?> s) {
        if (s.header() != null) {
            return "per request: config file or environment, a key's own `settings`, and the header `x-tollgate-" + s.header()
                    + "` (alias `x-usagepanda-" + s.header() + "`), which may only tighten it";
        }
        if (s.secret()) return "gateway-wide (config file or environment); a secret: never echoed in errors or logs";
        return "gateway-wide (config file or environment)";
    }

    private static String shortScope(Setting<?> s) {
        if (s.header() != null) return "per request, `x-tollgate-" + s.header() + "`";
        return s.secret() ? "gateway-wide, secret" : "gateway-wide";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    private static final String INTRO = """
            # Configuration

            <!-- Generated by `tollgate config docs` from the settings catalogue (config/SettingsReference.java and
                 each setting's help text). Do not edit by hand: change the help text, then run
                 %s -->

            [Tollgate](../README.md) · docs: [configuration](configuration.md) · [policies](policies.md) · [keys and budgets](keys-and-budgets.md) · [providers](providers.md) · [streaming](streaming.md) · [errors](errors.md) · [operations](operations.md) · [metrics](metrics.md) · [tracing](tracing.md) · [hybrid mode](hybrid.md) · [request records](request-records.md) · [dashboard](dashboard.md) · [admin API](admin-api.md) · [security](security.md) · [performance](performance.md)

            Every key has one name, used both as a YAML key in the config file and as an environment
            variable. Usage Panda's keys keep their names and meaning; keys Tollgate adds start with
            `TOLLGATE_`. Precedence, lowest first: built-in default < config file < environment variable <
            per-key setting (see [Keys](keys-and-budgets.md)) < request header.

            ```yaml
            # tollgate.yaml — start with: java -jar target/tollgate.jar serve --config tollgate.yaml
            OPENAI_API_KEY: sk-...            # better: set it in the environment, not in a file
            LLM_API_BASE_PATH: https://api.openai.com/v1
            POLICY_DISABLED_MODELS: [gpt-4, gpt-4-32k, 1024x1024]
            POLICY_RETRY_COUNT: 2
            CORS_HEADERS:
              Access-Control-Allow-Origin: https://app.example.com
              Access-Control-Allow-Headers: "*"
            ```

            `examples/usage-panda-config.yaml` is Usage Panda's `config.js` translated to Tollgate with its
            policies switched on (a test starts a gateway from it and checks each policy).
            `examples/providers.yaml` is a complete routing config (see [Providers](providers.md)).

            In the environment, lists are comma-separated (`POLICY_DISABLED_MODELS=gpt-4,gpt-4-32k`) or a
            JSON array; mappings are a JSON object (`CORS_HEADERS='{"Access-Control-Allow-Origin":"*"}'`).

            Config is validated at start-up. An unknown key (with a "did you mean" hint), a wrong type, a value
            out of range, malformed YAML, a key given twice, or an unknown `TOLLGATE_*` environment variable
            stops start-up with one message naming every bad key:

            ```
            $ java -jar target/tollgate.jar config check bad.yaml
            tollgate: invalid configuration:
              POLICY_RETRY_COUNT: expected an integer from 0 to 5, got 9
              POLCY_DISABLED_MODELS: unknown key (did you mean POLICY_DISABLED_MODELS?)
            ```

            A secret's value is never echoed in such a message, nor a URL's password (`http://user:***@host`,
            also for models-list `base_url`s), nor a key pasted where `api_key_env` wants the name of a
            variable.

            Usage Panda's cloud keys `USAGE_PANDA_API_KEY`, `USAGE_PANDA_API` and `CONFIG_CACHE_MINUTES` configure
            a hybrid data plane (see [Hybrid mode](hybrid.md)); on any other gateway they are accepted with a warning.

            ## Per-request settings (headers)

            A request can adjust a setting with `x-tollgate-<setting>`; Usage Panda's `x-usagepanda-<setting>`
            is accepted as an alias, so the seeds' clients work unchanged. Values use the environment
            variable's format. Several lines of one header form one comma-separated value.

            A header may only tighten a restriction (turn a check on, add to a deny-list, lower a limit)
            unless `TOLLGATE_ALLOW_HEADER_LOOSENING` is true. A header that would loosen one is refused with
            403 `setting_override_forbidden`; a malformed value with 400 `invalid_header_value`; an unknown
            `x-tollgate-*` header with 400 `unknown_setting_header` (a typo never silently turns a check off).
            Every setting a header can change is tighten-only, so no header can make the gateway call the
            upstream more often, spend more, or hold a connection longer than configured; the retry count
            included (`x-tollgate-retry-count: 5` against `POLICY_RETRY_COUNT: 1` is refused with 403, not
            clamped, so the caller learns the header was not honoured). A key's own settings (set by the admin)
            may raise or lower it; headers then tighten that value. What "tighter" means for each setting is
            in its entry below.
            """.formatted(REGENERATE);

    private static final String OTHER_HEADERS = """

            Headers that are not settings:

            | header | meaning |
            |---|---|
            | `x-tollgate-trace-id` | recorded as `metadata.trace_id` in the request log (as `metadata.caller_trace_id` when [tracing](tracing.md) is on) |
            | `x-tollgate-api-key` | the caller's Tollgate key, in key mode (see [Keys](keys-and-budgets.md)) |
            | `x-tollgate-azure-resource`, `x-tollgate-azure-deployment` | send this request to an allow-listed Azure resource (see [Providers](providers.md)) |
            """;
}
