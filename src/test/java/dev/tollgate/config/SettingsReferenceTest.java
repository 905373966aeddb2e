package dev.tollgate.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The generated configuration reference: what each entry says, and where each setting is listed. */
class SettingsReferenceTest {

    private static final Setting<Integer> TIMEOUT = Setting.global("T_TIMEOUT_MS", SettingType.integer(0, 600_000), 90_000,
            "How long to wait.");
    private static final Setting<String> TOKEN = Setting.secret("T_TOKEN", "Guards | the thing");
    private static final Setting<Long> BODY = Setting.global("T_BODY_BYTES", SettingType.longInt(0, 1L << 40), 32L << 20, "Largest body.");
    private static final Setting<List<String>> DENY = Setting.restriction("T_DENY", "deny", SettingType.stringList(), List.of(),
            Strictness.denyListSuperset(), "Refused names.");
    private static final Setting<String> MODE = Setting.global("T_MODE", SettingType.oneOf("a", "b"), "a", "Which mode.");

    private final String md = new SettingsReference(new SettingCatalog(List.of(TIMEOUT, TOKEN, BODY, DENY, MODE)),
            Map.of("deny-rules", List.of(DENY, MODE))).markdown();

    @Test
    void aGatewayWideSettingShowsTypeDefaultWithItsReadableFormAndScope() {
        assertThat(md).contains("""

                #### `T_TIMEOUT_MS`

                How long to wait.

                - Type: an integer from 0 to 600000
                - Default: `90000` (90 s)
                - Scope: gateway-wide (config file or environment)
                """);
        assertThat(md).contains("- Default: `33554432` (32 MiB)\n");
    }

    @Test
    void aSecretIsMarkedAndAHelpTextGetsItsFullStop() {
        assertThat(md).contains("""
                #### `T_TOKEN`

                Guards | the thing.

                - Type: a string
                - Default: unset
                - Scope: gateway-wide (config file or environment); a secret: never echoed in errors or logs
                """);
        assertThat(md).contains("| [`T_TOKEN`](#t_token) | unset | gateway-wide, secret |\n");
    }

    @Test
    void aPolicysSettingsAreListedUnderThePolicyWithTheirHeader() {
        String policy = md.substring(md.indexOf("### Policy `deny-rules`"));
        assertThat(policy).contains("""
                #### `T_DENY`

                Refused names.

                - Type: a list of strings
                - Default: `[]`
                - Scope: per request: config file or environment, a key's own `settings`, and the header \
                `x-tollgate-deny` (alias `x-usagepanda-deny`), which may only tighten it
                - Read by: policy `deny-rules`
                """);
        assertThat(policy).contains("#### `T_MODE`");
        assertThat(md.substring(md.indexOf("## Gateway settings"), md.indexOf("## Policy settings")))
                .contains("#### `T_TIMEOUT_MS`").doesNotContain("T_DENY").doesNotContain("T_MODE");
        assertThat(md).contains("| `x-tollgate-deny` | [`T_DENY`](#t_deny) |\n");
    }

    @Test
    void theIndexListsEverySettingOnceInCatalogueThenChainOrder() {
        String index = md.substring(md.indexOf("## Index"), md.indexOf("## Gateway settings"));
        assertThat(index).contains("""
                | setting | default | scope |
                |---|---|---|
                | [`T_TIMEOUT_MS`](#t_timeout_ms) | `90000` (90 s) | gateway-wide |
                | [`T_TOKEN`](#t_token) | unset | gateway-wide, secret |
                | [`T_BODY_BYTES`](#t_body_bytes) | `33554432` (32 MiB) | gateway-wide |
                | [`T_DENY`](#t_deny) | `[]` | per request, `x-tollgate-deny` |
                | [`T_MODE`](#t_mode) | `a` | gateway-wide |
                """);
    }

    @Test
    void aPipeInADefaultIsEscapedInTheIndexTable() {
        Setting<String> delim = Setting.global("T_DELIM", SettingType.string(), "||", "Delimiter.");
        String out = new SettingsReference(new SettingCatalog(List.of(delim)), Map.of()).markdown();
        assertThat(out).contains("| [`T_DELIM`](#t_delim) | `\\|\\|` | gateway-wide |\n").contains("- Default: `||`\n");
    }
}
