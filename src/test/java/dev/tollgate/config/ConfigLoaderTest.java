package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.access.AccessSettings;
import dev.tollgate.policy.modelrules.ModelRulesPolicy;
import dev.tollgate.policy.logging.RequestLoggingPolicy;
import dev.tollgate.policy.usage.UsageAccountingPolicy;
import dev.tollgate.server.Gateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The config loader: built-in defaults, then the YAML file, then environment variables; every
 * problem reported at once in one message, one line per key, each naming its key.
 */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private final SettingCatalog catalog = Gateway.catalog();
    private final ConfigLoader loader = new ConfigLoader(catalog);

    private static final String PREFIX = "invalid configuration:\n  ";

    // ---- helpers -------------------------------------------------------------------------

    private Path yaml(String text) throws IOException {
        Path f = Files.createTempFile(dir, "tollgate", ".yaml");
        Files.writeString(f, text);
        return f;
    }

    private ConfigLoader.Loaded load(String yamlText, Map<String, String> env) throws IOException {
        return loader.load(yamlText == null ? null : yaml(yamlText), env);
    }

    private ConfigLoader.Loaded load(String yamlText) throws IOException {
        return load(yamlText, Map.of());
    }

    /** The message of the ConfigException thrown for this file and environment. */
    private String error(String yamlText, Map<String, String> env) throws IOException {
        Path f = yamlText == null ? null : yaml(yamlText);
        return errorFor(f, env);
    }

    private String error(String yamlText) throws IOException {
        return error(yamlText, Map.of());
    }

    private String errorFor(Path file, Map<String, String> env) {
        try {
            loader.load(file, env);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a ConfigException");
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    @SuppressWarnings("unchecked")
    private <T> T get(Settings s, String key) {
        Setting<?> setting = catalog.byKey(key);
        assertThat(setting).as("known key " + key).isNotNull();
        return (T) s.get(setting);
    }

    // ---- defaults, file, environment ---------------------------------------------------------

    @Test
    void noFileAndEmptyEnvironmentGiveTheDefaults() {
        ConfigLoader.Loaded loaded = loader.load(null, Map.of());
        Settings s = loaded.settings();

        assertThat(loaded.warnings()).isEmpty();
        assertThat(s.get(CoreSettings.PORT)).isEqualTo(9000);
        assertThat(s.get(CoreSettings.HOST)).isEqualTo("0.0.0.0");
        assertThat(s.get(CoreSettings.OPENAI_API_KEY)).isNull();
        assertThat(s.get(CoreSettings.OPENAI_ORGANIZATION)).isNull();
        assertThat(s.get(CoreSettings.OPENAI_PROJECT)).isNull();
        assertThat(s.get(CoreSettings.LLM_API_BASE_PATH)).isEqualTo("https://api.openai.com/v1");
        assertThat(s.get(CoreSettings.LOCAL_MODE)).isTrue();
        assertThat(s.get(CoreSettings.CORS_HEADERS)).isEqualTo(Map.of(
                "Access-Control-Allow-Headers", "*",
                "Access-Control-Allow-Origin", "*",
                "Access-Control-Allow-Methods", "OPTIONS,POST,GET,DELETE"));
        assertThat(s.get(CoreSettings.MAX_BODY_BYTES)).isEqualTo(33_554_432L);
        assertThat(s.get(CoreSettings.MAX_UPLOAD_BYTES)).isEqualTo(536_870_912L);
        assertThat(s.get(CoreSettings.MAX_RESPONSE_BYTES)).isEqualTo(67_108_864L);
        assertThat(s.get(CoreSettings.CLIENT_HEADER_TIMEOUT_MS)).isEqualTo(30_000);
        assertThat(s.get(CoreSettings.UPSTREAM_FIRST_BYTE_TIMEOUT_MS)).isEqualTo(600_000);
        assertThat(s.get(CoreSettings.RETRY_COUNT)).isEqualTo(0);
        assertThat(s.get(CoreSettings.ALLOW_HEADER_LOOSENING)).isFalse();
        assertThat(s.get(CoreSettings.EVENT_LOOPS)).isEqualTo(0);
        assertThat(s.get(SeedSettings.REDACTION_STRING)).isEqualTo("****");
        assertThat(s.get(SeedSettings.PROMPT_REFLECTION_DELIMETER)).isEqualTo("||");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).isEmpty();
        assertThat(s.get(RequestLoggingPolicy.LOG_REQUEST)).isFalse();
        assertThat(s.get(RequestLoggingPolicy.LOG_RESPONSE)).isFalse();
        assertThat(s.get(UsageAccountingPolicy.USAGE_ACCOUNTING)).isTrue();
        assertThat((Integer) get(s, "POLICY_MAX_TOKENS")).isEqualTo(0);
        assertThat((String) get(s, "POLICY_PROMPT_REFLECTION")).isEqualTo("none");
        for (Setting<?> setting : catalog.all()) {
            assertThat(s.isSet(setting)).as(setting.key()).isFalse();
        }
    }

    @Test
    void emptyAndCommentOnlyFilesGiveTheDefaults() throws IOException {
        for (String text : List.of("", "   \n\n", "# nothing configured yet\n", "---\n")) {
            ConfigLoader.Loaded loaded = load(text);
            assertThat(loaded.warnings()).as(text).isEmpty();
            assertThat(loaded.settings().get(CoreSettings.PORT)).as(text).isEqualTo(9000);
            assertThat(loaded.settings().isSet(CoreSettings.PORT)).as(text).isFalse();
        }
    }

    @Test
    void fileValuesAreRead() throws IOException {
        Settings s = load("""
                PORT: 8080
                HOST: 127.0.0.1
                OPENAI_API_KEY: sk-from-file
                OPENAI_ORGANIZATION: org-123
                LLM_API_BASE_PATH: http://localhost:11434/v1/
                LOCAL_MODE: false
                TOLLGATE_MAX_BODY_BYTES: 2048
                TOLLGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "1500"
                POLICY_RETRY_COUNT: 5
                TOLLGATE_ALLOW_HEADER_LOOSENING: yes
                POLICY_LOG_REQUEST: true
                TOLLGATE_USAGE_ACCOUNTING: off
                REDACTION_STRING: "[redacted]"
                """).settings();

        assertThat(s.get(CoreSettings.PORT)).isEqualTo(8080);
        assertThat(s.get(CoreSettings.HOST)).isEqualTo("127.0.0.1");
        assertThat(s.get(CoreSettings.OPENAI_API_KEY)).isEqualTo("sk-from-file");
        assertThat(s.get(CoreSettings.OPENAI_ORGANIZATION)).isEqualTo("org-123");
        // stored without the trailing slash
        assertThat(s.get(CoreSettings.LLM_API_BASE_PATH)).isEqualTo("http://localhost:11434/v1");
        assertThat(s.get(CoreSettings.LOCAL_MODE)).isFalse();
        assertThat(s.get(CoreSettings.MAX_BODY_BYTES)).isEqualTo(2048L);
        assertThat(s.get(CoreSettings.UPSTREAM_FIRST_BYTE_TIMEOUT_MS)).isEqualTo(1500);
        assertThat(s.get(CoreSettings.RETRY_COUNT)).isEqualTo(5);
        assertThat(s.get(CoreSettings.ALLOW_HEADER_LOOSENING)).isTrue();
        assertThat(s.get(RequestLoggingPolicy.LOG_REQUEST)).isTrue();
        assertThat(s.get(UsageAccountingPolicy.USAGE_ACCOUNTING)).isFalse();
        assertThat(s.get(SeedSettings.REDACTION_STRING)).isEqualTo("[redacted]");
        // untouched keys keep their defaults and are not marked as set
        assertThat(s.get(CoreSettings.MAX_UPLOAD_BYTES)).isEqualTo(536_870_912L);
        assertThat(s.isSet(CoreSettings.MAX_UPLOAD_BYTES)).isFalse();
        assertThat(s.isSet(CoreSettings.PORT)).isTrue();
    }

    @Test
    void environmentValuesAreRead() throws IOException {
        Settings s = load(null, env(
                "PORT", " 8081 ",
                "OPENAI_API_KEY", "sk-from-env",
                "LLM_API_BASE_PATH", "https://gateway.example.com/openai/v1",
                "LOCAL_MODE", "0",
                "POLICY_RETRY_COUNT", "2",
                "TOLLGATE_MAX_UPLOAD_BYTES", "1048576",
                "POLICY_LOG_RESPONSE", "TRUE")).settings();

        assertThat(s.get(CoreSettings.PORT)).isEqualTo(8081);
        assertThat(s.get(CoreSettings.OPENAI_API_KEY)).isEqualTo("sk-from-env");
        assertThat(s.get(CoreSettings.LLM_API_BASE_PATH)).isEqualTo("https://gateway.example.com/openai/v1");
        assertThat(s.get(CoreSettings.LOCAL_MODE)).isFalse();
        assertThat(s.get(CoreSettings.RETRY_COUNT)).isEqualTo(2);
        assertThat(s.get(CoreSettings.MAX_UPLOAD_BYTES)).isEqualTo(1_048_576L);
        assertThat(s.get(RequestLoggingPolicy.LOG_RESPONSE)).isTrue();
    }

    @Test
    void environmentOverridesTheFile() throws IOException {
        Settings s = load("""
                PORT: 8080
                HOST: 127.0.0.1
                OPENAI_API_KEY: sk-file
                POLICY_DISABLED_MODELS: [gpt-4]
                POLICY_LOG_REQUEST: true
                """, env(
                "PORT", "8081",
                "OPENAI_API_KEY", "sk-env",
                "POLICY_DISABLED_MODELS", "gpt-4o",
                "POLICY_LOG_REQUEST", "false")).settings();

        assertThat(s.get(CoreSettings.PORT)).isEqualTo(8081);
        assertThat(s.get(CoreSettings.OPENAI_API_KEY)).isEqualTo("sk-env");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4o");
        assertThat(s.get(RequestLoggingPolicy.LOG_REQUEST)).isFalse();
        // a file value the environment does not mention stays
        assertThat(s.get(CoreSettings.HOST)).isEqualTo("127.0.0.1");
    }

    @Test
    void unrelatedEnvironmentVariablesAreIgnored() throws IOException {
        ConfigLoader.Loaded loaded = load("PORT: 8080\n", env(
                "PATH", "/usr/bin:/bin",
                "HOME", "/root",
                "OPENAI_BASE_URL", "not a url",
                "TOLLGATE", "x",
                "tollgate_port", "not-a-number",
                "JAVA_TOOL_OPTIONS", "-Xmx1g"));

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.settings().get(CoreSettings.PORT)).isEqualTo(8080);
    }

    // ---- type errors ---------------------------------------------------------------------

    @Test
    void wrongTypesInYamlNameTheKeyAndWhatWasFound() throws IOException {
        assertThat(error("PORT: [8080]\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got a list");
        assertThat(error("PORT: {a: 1}\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got a mapping");
        assertThat(error("PORT: true\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got the boolean true");
        assertThat(error("PORT: 80.5\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got the number 80.5");
        assertThat(error("PORT:\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got nothing");
        assertThat(error("PORT: eighty\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got 'eighty'");
        assertThat(error("TOLLGATE_MAX_BODY_BYTES: [1]\n"))
                .isEqualTo(PREFIX + "TOLLGATE_MAX_BODY_BYTES: expected an integer from 1024 to 2147483648, got a list");
        assertThat(error("LOCAL_MODE: 3\n"))
                .isEqualTo(PREFIX + "LOCAL_MODE: expected true or false, got the number 3");
        assertThat(error("LOCAL_MODE: maybe\n"))
                .isEqualTo(PREFIX + "LOCAL_MODE: expected true or false, got 'maybe'");
        assertThat(error("HOST: ''\n"))
                .isEqualTo(PREFIX + "HOST: expected a non-empty string, got an empty value");
        assertThat(error("OPENAI_ORGANIZATION: [org-1]\n"))
                .isEqualTo(PREFIX + "OPENAI_ORGANIZATION: expected a string, got a list");
        assertThat(error("LLM_API_BASE_PATH: 42\n"))
                .isEqualTo(PREFIX + "LLM_API_BASE_PATH: expected an http:// or https:// URL without query, got the number 42");
        assertThat(error("POLICY_PROMPT_REFLECTION: sometimes\n"))
                .isEqualTo(PREFIX + "POLICY_PROMPT_REFLECTION: expected one of none, audit, redact, block, got 'sometimes'");
        assertThat(error("POLICY_DISABLED_MODELS: {gpt-4: true}\n"))
                .isEqualTo(PREFIX + "POLICY_DISABLED_MODELS: expected a list of strings, got a mapping");
        assertThat(error("POLICY_DISABLED_MODELS: [gpt-4, [nested]]\n"))
                .isEqualTo(PREFIX + "POLICY_DISABLED_MODELS: expected a list of strings, got a list containing a list");
        assertThat(error("POLICY_DISABLED_MODELS: [gpt-4, ~]\n"))
                .isEqualTo(PREFIX + "POLICY_DISABLED_MODELS: expected a list of strings, got a list containing nothing");
        assertThat(error("POLICY_AUTOREPLY: hello\n"))
                .isEqualTo(PREFIX + "POLICY_AUTOREPLY: expected a list (a JSON array in an environment variable), got the string 'hello'");
        assertThat(error("CORS_HEADERS: [a, b]\n"))
                .isEqualTo(PREFIX + "CORS_HEADERS: expected a mapping of names to strings (a JSON object in an environment variable), got a list");
        assertThat(error("CORS_HEADERS:\n  Access-Control-Allow-Origin: [a, b]\n"))
                .isEqualTo(PREFIX + "CORS_HEADERS: expected a mapping of names to strings (a JSON object in an environment variable), "
                        + "but 'Access-Control-Allow-Origin' is a list");
    }

    @Test
    void badValuesInTheEnvironmentNameTheKeyAndTheSource() throws IOException {
        assertThat(error(null, env("PORT", "80a")))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got '80a' (environment variable)");
        assertThat(error(null, env("PORT", "")))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got '' (environment variable)");
        assertThat(error(null, env("TOLLGATE_MAX_BODY_BYTES", "32MB")))
                .isEqualTo(PREFIX + "TOLLGATE_MAX_BODY_BYTES: expected an integer from 1024 to 2147483648, got '32MB' (environment variable)");
        assertThat(error(null, env("POLICY_RETRY_COUNT", "1.5")))
                .isEqualTo(PREFIX + "POLICY_RETRY_COUNT: expected an integer from 0 to 5, got '1.5' (environment variable)");
        assertThat(error(null, env("LOCAL_MODE", "maybe")))
                .isEqualTo(PREFIX + "LOCAL_MODE: expected true or false, got 'maybe' (environment variable)");
        assertThat(error(null, env("HOST", "")))
                .isEqualTo(PREFIX + "HOST: expected a non-empty string, got an empty value (environment variable)");
        // an integer too large for a long is a bad integer, not a crash
        assertThat(error(null, env("PORT", "18446744073709559696")))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got '18446744073709559696' (environment variable)");
        // control characters are not echoed raw
        assertThat(error(null, env("PORT", "80\n80")))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got '80?80' (environment variable)");
    }

    @Test
    void longBadValuesAreClippedInErrors() throws IOException {
        String value = "x".repeat(100);
        assertThat(error(null, env("PORT", value)))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got '" + "x".repeat(40) + "…' (environment variable)");
    }

    @Test
    void outOfRangeValuesAreRefusedWithTheRange() throws IOException {
        assertThat(error("PORT: 70000\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got 70000");
        assertThat(error("PORT: -1\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got -1");
        assertThat(error("POLICY_RETRY_COUNT: 6\n"))
                .isEqualTo(PREFIX + "POLICY_RETRY_COUNT: expected an integer from 0 to 5, got 6");
        assertThat(error("TOLLGATE_MAX_BODY_BYTES: 1023\n"))
                .isEqualTo(PREFIX + "TOLLGATE_MAX_BODY_BYTES: expected an integer from 1024 to 2147483648, got 1023");
        assertThat(error("TOLLGATE_CLIENT_HEADER_TIMEOUT_MS: 10\n"))
                .isEqualTo(PREFIX + "TOLLGATE_CLIENT_HEADER_TIMEOUT_MS: expected an integer from 50 to 3600000, got 10");
        assertThat(error(null, env("PORT", "65536")))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got 65536 (environment variable)");
        assertThat(error(null, env("TOLLGATE_MAX_RESPONSE_BYTES", "2147483649")))
                .isEqualTo(PREFIX + "TOLLGATE_MAX_RESPONSE_BYTES: expected an integer from 1024 to 2147483648, got 2147483649 (environment variable)");
        // the bounds themselves are accepted
        Settings s = load("PORT: 65535\nPOLICY_RETRY_COUNT: 0\nTOLLGATE_MAX_BODY_BYTES: 2147483648\n").settings();
        assertThat(s.get(CoreSettings.PORT)).isEqualTo(65535);
        assertThat(s.get(CoreSettings.RETRY_COUNT)).isEqualTo(0);
        assertThat(s.get(CoreSettings.MAX_BODY_BYTES)).isEqualTo(2_147_483_648L);
    }

    @Test
    void yamlIntegersBeyondTheLongRangeAreRefused() throws IOException {
        assertThat(error("PORT: 18446744073709559696\n"))
                .isEqualTo(PREFIX + "PORT: expected an integer from 0 to 65535, got 18446744073709559696");
        assertThat(error("TOLLGATE_MAX_BODY_BYTES: 18446744073709553664\n"))
                .isEqualTo(PREFIX + "TOLLGATE_MAX_BODY_BYTES: expected an integer from 1024 to 2147483648, got 18446744073709553664");
    }

    @Test
    void llmApiBasePathMustBeAnHttpUrlWithoutQuery() throws IOException {
        String expected = "LLM_API_BASE_PATH: expected an http:// or https:// URL without query, got '%s'";
        for (String bad : List.of("ftp://example.com/v1", "api.openai.com/v1", "https://api.openai.com/v1?key=1",
                "https://api.openai.com/v1#frag", "https://user:pw@api.openai.com/v1", "http://", "https://exa mple.com", "")) {
            assertThat(error(null, env("LLM_API_BASE_PATH", bad))).as(bad)
                    .isEqualTo(PREFIX + expected.formatted(bad.replace(":pw@", ":***@")) + " (environment variable)");
        }
        assertThat(error("LLM_API_BASE_PATH: 'file:///etc/passwd'\n"))
                .isEqualTo(PREFIX + expected.formatted("file:///etc/passwd"));

        assertThat(load(null, env("LLM_API_BASE_PATH", " HTTPS://Example.com:8443/openai/v1// ")).settings()
                .get(CoreSettings.LLM_API_BASE_PATH)).isEqualTo("HTTPS://Example.com:8443/openai/v1");
    }

    // ---- file-level errors -----------------------------------------------------------------

    @Test
    void theTopLevelMustBeAMapping() throws IOException {
        Path list = yaml("- PORT\n- 8080\n");
        assertThat(errorFor(list, Map.of())).isEqualTo(PREFIX + list + ": the top level must be a mapping of KEY: value");
        Path scalar = yaml("PORT=8080\n");
        assertThat(errorFor(scalar, Map.of())).isEqualTo(PREFIX + scalar + ": the top level must be a mapping of KEY: value");
    }

    @Test
    void malformedYamlIsOneErrorNamingTheFile() throws IOException {
        Path f = yaml("PORT: [8080\nHOST: 127.0.0.1\n");
        String message = errorFor(f, Map.of());
        // one line only: the parser's first line and where it stopped, never the offending text
        assertThat(message).isEqualTo(PREFIX + f + ": not valid YAML at line 2, column 5: while parsing a flow sequence");
    }

    @Test
    void malformedYamlNeverQuotesTheFileContent() throws IOException {
        String secret = "sk-live-0123456789abcdef";
        for (String text : List.of("OPENAI_API_KEY: " + secret + ": x\n", "OPENAI_API_KEY: \"" + secret + "\n",
                "OPENAI_API_KEY:\t" + secret + "\n", "OPENAI_API_KEY: " + secret + "\n  PORT: 1\n")) {
            Path f = yaml(text);
            String message = errorFor(f, Map.of());
            assertThat(message).as(text).startsWith(PREFIX + f + ": not valid YAML at line ").doesNotContain(secret);
            assertThat(message.lines()).as(text).hasSize(2);
        }
    }

    @Test
    void aKeyGivenTwiceIsAnError() throws IOException {
        Path f = yaml("PORT: 8080\nPORT: 9090\n");
        assertThat(errorFor(f, Map.of())).isEqualTo(PREFIX + f + ": not valid YAML at line 2, column 5: Duplicate field '…'");
    }

    @Test
    void severalYamlDocumentsAreAnError() throws IOException {
        Path f = yaml("PORT: 8080\n---\nHOST: 127.0.0.1\n");
        assertThat(errorFor(f, Map.of())).isEqualTo(PREFIX + f + ": holds several YAML documents; put every key in one");
    }

    @Test
    void aMissingFileIsAnError() {
        Path missing = dir.resolve("nope.yaml");
        assertThat(errorFor(missing, Map.of())).isEqualTo(PREFIX + missing + ": no such file");
    }

    @Test
    void fileErrorsAreReportedWithEnvironmentErrors() {
        Path missing = dir.resolve("nope.yaml");
        assertThat(errorFor(missing, env("PORT", "x")))
                .isEqualTo(PREFIX + missing + ": no such file\n"
                        + "  PORT: expected an integer from 0 to 65535, got 'x' (environment variable)");
    }

    // ---- unknown keys ----------------------------------------------------------------------

    @Test
    void unknownKeysInTheFileAreErrorsWithAHint() throws IOException {
        assertThat(error("PROT: 8080\n")).isEqualTo(PREFIX + "PROT: unknown key (did you mean PORT?)");
        assertThat(error("port: 8080\n")).isEqualTo(PREFIX + "port: unknown key (did you mean PORT?)");
        assertThat(error("POLICY_DISABLED_MODEL: [gpt-4]\n"))
                .isEqualTo(PREFIX + "POLICY_DISABLED_MODEL: unknown key (did you mean POLICY_DISABLED_MODELS?)");
        assertThat(error("PROMPT_REFLECTION_DELIMITER: '||'\n"))
                .isEqualTo(PREFIX + "PROMPT_REFLECTION_DELIMITER: unknown key (did you mean PROMPT_REFLECTION_DELIMETER?)");
        assertThat(error("ZZZ: 1\n")).isEqualTo(PREFIX + "ZZZ: unknown key");
    }

    @Test
    void unknownTollgateEnvironmentVariablesAreErrors() throws IOException {
        assertThat(error(null, env("TOLLGATE_MAX_BODY_BYTE", "2048")))
                .isEqualTo(PREFIX + "TOLLGATE_MAX_BODY_BYTE: unknown key (did you mean TOLLGATE_MAX_BODY_BYTES?) (environment variable)");
        assertThat(error(null, env("TOLLGATE_QQQ", "1")))
                .isEqualTo(PREFIX + "TOLLGATE_QQQ: unknown key (environment variable)");
    }

    // ---- many errors at once ---------------------------------------------------------------

    @Test
    void allErrorsAreReportedTogetherInOneMessage() throws IOException {
        Path f = yaml("""
                PORT: lots
                PROT: 8080
                LOCAL_MODE: [yes]
                AZURE_RESOURCE_NAME: [my-resource]
                """);
        String message = errorFor(f, env(
                "TOLLGATE_MAX_BODY_BYTES", "-5",
                "TOLLGATE_EVENT_LOOP", "2"));

        assertThat(message).isEqualTo("invalid configuration:\n"
                + "  PORT: expected an integer from 0 to 65535, got 'lots'\n"
                + "  PROT: unknown key (did you mean PORT?)\n"
                + "  LOCAL_MODE: expected true or false, got a list\n"
                + "  AZURE_RESOURCE_NAME: expected a string, got a list\n"
                + "  TOLLGATE_MAX_BODY_BYTES: expected an integer from 1024 to 2147483648, got -5 (environment variable)\n"
                + "  TOLLGATE_EVENT_LOOP: unknown key (did you mean TOLLGATE_EVENT_LOOPS?) (environment variable)");
    }

    // ---- secrets ---------------------------------------------------------------------------

    @Test
    void aSecretsValueNeverAppearsInAnError() throws IOException {
        String secret = "sk-live-0123456789abcdef";

        assertThat(error("OPENAI_API_KEY: [" + secret + "]\n"))
                .isEqualTo(PREFIX + "OPENAI_API_KEY: invalid value");
        assertThat(error("OPENAI_API_KEY:\n  " + secret + ": x\n"))
                .isEqualTo(PREFIX + "OPENAI_API_KEY: invalid value");
        assertThat(error("USAGE_PANDA_API_KEY: [" + secret + "]\n"))
                .isEqualTo(PREFIX + "USAGE_PANDA_API_KEY: invalid value");
        assertThat(error("TOLLGATE_ADMIN_TOKEN: {" + secret + ": 1}\n"))
                .isEqualTo(PREFIX + "TOLLGATE_ADMIN_TOKEN: invalid value");
        assertThat(load(null, env("TOLLGATE_ADMIN_TOKEN", secret)).settings().get(AccessSettings.ADMIN_TOKEN)).isEqualTo(secret);

        // A secret alongside other errors, in the file and in the environment, is never echoed either.
        String message = error("OPENAI_API_KEY: [" + secret + "]\nPORT: x\n", env("OPENAI_API_KEY", secret, "TOLLGATE_ADMIN_TOKEN", secret));
        assertThat(message).doesNotContain(secret).doesNotContain("sk-live");
        assertThat(message).isEqualTo(PREFIX + "OPENAI_API_KEY: invalid value\n"
                + "  PORT: expected an integer from 0 to 65535, got 'x'");
    }

    @Test
    void secretsAreAcceptedFromFileAndEnvironment() throws IOException {
        assertThat(load("OPENAI_API_KEY: sk-file\n").settings().get(CoreSettings.OPENAI_API_KEY)).isEqualTo("sk-file");
        assertThat(load(null, env("OPENAI_API_KEY", "sk-env")).settings().get(CoreSettings.OPENAI_API_KEY)).isEqualTo("sk-env");
    }

    // ---- seed compatibility keys -------------------------------------------------------------

    @Test
    void cloudOnlyKeysAreIgnoredWithAWarning() throws IOException {
        ConfigLoader.Loaded loaded = load("""
                USAGE_PANDA_API: https://api.usagepanda.com/v1
                CONFIG_CACHE_MINUTES: 10
                """, env("USAGE_PANDA_API_KEY", "up-secret-key"));

        assertThat(loaded.warnings()).containsExactly(
                "USAGE_PANDA_API_KEY is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)",
                "USAGE_PANDA_API is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)",
                "CONFIG_CACHE_MINUTES is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)");
        assertThat(String.join("\n", loaded.warnings())).doesNotContain("up-secret-key");
    }

    @Test
    void cloudOnlyKeysAreStillTypeChecked() throws IOException {
        assertThat(error("CONFIG_CACHE_MINUTES: soon\n"))
                .isEqualTo(PREFIX + "CONFIG_CACHE_MINUTES: expected an integer from 0 to 1000000, got 'soon'");
    }

    @Test
    void theSeedsAzureKeysAreTaken() throws IOException {
        Settings s = load("AZURE_RESOURCE_NAME: my-resource\n", env("AZURE_DEPLOYMENT_ID", "my-deployment")).settings();
        assertThat(s.get(dev.tollgate.provider.azure.Azure.RESOURCE_NAME)).isEqualTo("my-resource");
        assertThat(s.get(dev.tollgate.provider.azure.Azure.DEPLOYMENT_ID)).isEqualTo("my-deployment");
    }

    @Test
    void notYetSupportedKeysAtTheirDefaultAreAccepted() throws IOException {
        ConfigLoader.Loaded loaded = load("""
                POLICY_MAX_TOKENS: 0
                POLICY_MAX_PROMPT_CHARS: 0
                POLICY_AUTO_MODERATE: false
                POLICY_ENFORCE_USER_IDS: false
                POLICY_PROMPT_REFLECTION: NONE
                POLICY_REQUEST_WORDLIST: ''
                POLICY_RESPONSE_WORDLIST: ''
                POLICY_CUSTOM_WORDLIST: []
                POLICY_AUTOREPLY: []
                AZURE_RESOURCE_NAME: null
                AZURE_DEPLOYMENT_ID: ~
                TOLLGATE_ADMIN_TOKEN: null
                """, env("POLICY_MAX_TOKENS", "0", "POLICY_AUTOREPLY", "[]", "POLICY_AUTO_MODERATE", "false"));

        assertThat(loaded.warnings()).isEmpty();
        Settings s = loaded.settings();
        assertThat((Integer) get(s, "POLICY_MAX_TOKENS")).isEqualTo(0);
        assertThat((String) get(s, "POLICY_PROMPT_REFLECTION")).isEqualTo("none");
        assertThat((List<String>) get(s, "POLICY_CUSTOM_WORDLIST")).isEmpty();
        assertThat((List<?>) get(s, "POLICY_AUTOREPLY")).isEmpty();
        assertThat((String) get(s, "AZURE_RESOURCE_NAME")).isNull();
        assertThat((String) get(s, "TOLLGATE_ADMIN_TOKEN")).isNull();
    }

    // ---- list and map settings ---------------------------------------------------------------

    @Test
    void disabledModelsAsAYamlList() throws IOException {
        Settings s = load("POLICY_DISABLED_MODELS:\n  - gpt-4\n  - ' gpt-3.5-turbo '\n  - ''\n  - 256x256\n").settings();
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4", "gpt-3.5-turbo", "256x256");

        assertThat(load("POLICY_DISABLED_MODELS: [gpt-4, dall-e-2]\n").settings().get(ModelRulesPolicy.DISABLED_MODELS))
                .containsExactly("gpt-4", "dall-e-2");
        assertThat(load("POLICY_DISABLED_MODELS: 'gpt-4, dall-e-2'\n").settings().get(ModelRulesPolicy.DISABLED_MODELS))
                .containsExactly("gpt-4", "dall-e-2");
        assertThat(load("POLICY_DISABLED_MODELS: []\n").settings().get(ModelRulesPolicy.DISABLED_MODELS)).isEmpty();
        assertThat(load("POLICY_DISABLED_MODELS:\n").settings().get(ModelRulesPolicy.DISABLED_MODELS)).isEmpty();
    }

    @Test
    void disabledModelsAsACommaSeparatedEnvironmentString() throws IOException {
        Settings s = load(null, env("POLICY_DISABLED_MODELS", " gpt-4 , gpt-3.5-turbo,, 256x256 ,")).settings();
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4", "gpt-3.5-turbo", "256x256");

        assertThat(load(null, env("POLICY_DISABLED_MODELS", "")).settings().get(ModelRulesPolicy.DISABLED_MODELS)).isEmpty();
        assertThat(load(null, env("POLICY_DISABLED_MODELS", "gpt-4")).settings().get(ModelRulesPolicy.DISABLED_MODELS))
                .containsExactly("gpt-4");
    }

    @Test
    void disabledModelsAsAJsonArrayEnvironmentString() throws IOException {
        Settings s = load(null, env("POLICY_DISABLED_MODELS", " [\"gpt-4\", \"text-davinci-003\", \"1024x1024\"] ")).settings();
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4", "text-davinci-003", "1024x1024");

        assertThat(load(null, env("POLICY_DISABLED_MODELS", "[]")).settings().get(ModelRulesPolicy.DISABLED_MODELS)).isEmpty();
        assertThat(error(null, env("POLICY_DISABLED_MODELS", "[\"gpt-4\"")))
                .isEqualTo(PREFIX + "POLICY_DISABLED_MODELS: expected a list of strings, got malformed JSON (environment variable)");
        assertThat(error(null, env("POLICY_DISABLED_MODELS", "[{\"model\":\"gpt-4\"}]")))
                .isEqualTo(PREFIX + "POLICY_DISABLED_MODELS: expected a list of strings, got a list containing a mapping (environment variable)");
    }

    @Test
    void corsHeadersAsAYamlMapping() throws IOException {
        Settings s = load("""
                CORS_HEADERS:
                  Access-Control-Allow-Origin: 'https://app.example.com, https://admin.example.com'
                  Access-Control-Allow-Headers: Authorization, Content-Type
                  Access-Control-Max-Age: 3600
                """).settings();
        assertThat(s.get(CoreSettings.CORS_HEADERS)).isEqualTo(Map.of(
                "Access-Control-Allow-Origin", "https://app.example.com, https://admin.example.com",
                "Access-Control-Allow-Headers", "Authorization, Content-Type",
                "Access-Control-Max-Age", "3600"));

        assertThat(load("CORS_HEADERS: {}\n").settings().get(CoreSettings.CORS_HEADERS)).isEmpty();
    }

    @Test
    void corsHeadersAsAJsonEnvironmentString() throws IOException {
        Settings s = load("CORS_HEADERS:\n  Access-Control-Allow-Origin: '*'\n", env("CORS_HEADERS",
                "{\"Access-Control-Allow-Origin\": \"https://app.example.com\", \"Access-Control-Allow-Methods\": \"POST\"}"))
                .settings();
        assertThat(s.get(CoreSettings.CORS_HEADERS)).isEqualTo(Map.of(
                "Access-Control-Allow-Origin", "https://app.example.com",
                "Access-Control-Allow-Methods", "POST"));

        assertThat(error(null, env("CORS_HEADERS", "Access-Control-Allow-Origin: *")))
                .isEqualTo(PREFIX + "CORS_HEADERS: expected a mapping of names to strings (a JSON object in an environment variable), "
                        + "got malformed JSON (environment variable)");
        assertThat(error(null, env("CORS_HEADERS", "[\"*\"]")))
                .isEqualTo(PREFIX + "CORS_HEADERS: expected a mapping of names to strings (a JSON object in an environment variable), "
                        + "got a list (environment variable)");
    }

    // ---- the seeds' example config -------------------------------------------------------------

    @Test
    void theSeedsUsagePandaExampleConfigLoads() throws URISyntaxException {
        Path seed = Path.of(ConfigLoaderTest.class.getResource("/seed-config.yaml").toURI());
        ConfigLoader.Loaded loaded = loader.load(seed, Map.of());
        Settings s = loaded.settings();

        // Its cloud keys are ignored with a warning, each once; the null key counts as present.
        assertThat(loaded.warnings()).containsExactly(
                "USAGE_PANDA_API_KEY is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)",
                "USAGE_PANDA_API is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)",
                "CONFIG_CACHE_MINUTES is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)");

        // Everything else reads as Tollgate's defaults, except what the example spells out differently.
        assertThat(s.get(CoreSettings.LOCAL_MODE)).isFalse();
        assertThat(s.get(CoreSettings.OPENAI_API_KEY)).isNull();
        assertThat(s.get(CoreSettings.LLM_API_BASE_PATH)).isEqualTo(CoreSettings.LLM_API_BASE_PATH.defaultValue());
        assertThat(s.get(CoreSettings.CORS_HEADERS)).isEqualTo(Map.of(
                "Access-Control-Allow-Headers", "*",
                "Access-Control-Allow-Origin", "*",
                "Access-Control-Allow-Methods", "OPTIONS,POST,GET",
                "Content-Type", "application/json"));
        assertThat(s.get(SeedSettings.REDACTION_STRING)).isEqualTo("****");
        assertThat(s.get(SeedSettings.PROMPT_REFLECTION_DELIMETER)).isEqualTo("||");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).isEmpty();
        assertThat(s.get(RequestLoggingPolicy.LOG_REQUEST)).isFalse();
        assertThat(s.get(RequestLoggingPolicy.LOG_RESPONSE)).isFalse();
        // The example's keys are all known: each one was set from the file.
        for (String key : List.of("LOCAL_MODE", "USAGE_PANDA_API", "USAGE_PANDA_API_KEY", "OPENAI_API_KEY", "LLM_API_BASE_PATH",
                "CONFIG_CACHE_MINUTES", "CORS_HEADERS", "REDACTION_STRING", "PROMPT_REFLECTION_DELIMETER",
                "POLICY_DISABLED_MODELS", "POLICY_AUTOREPLY", "POLICY_REQUEST_WORDLIST", "POLICY_RESPONSE_WORDLIST",
                "POLICY_CUSTOM_WORDLIST", "POLICY_MAX_TOKENS", "POLICY_MAX_PROMPT_CHARS", "POLICY_AUTO_MODERATE",
                "POLICY_ENFORCE_USER_IDS", "POLICY_LOG_REQUEST", "POLICY_LOG_RESPONSE", "POLICY_PROMPT_REFLECTION",
                "AZURE_RESOURCE_NAME", "AZURE_DEPLOYMENT_ID")) {
            assertThat(s.isSet(catalog.byKey(key))).as(key).isTrue();
        }
    }

    @Test
    void theSeedsExampleWithItsSecretsFromTheEnvironment() throws URISyntaxException {
        Path seed = Path.of(ConfigLoaderTest.class.getResource("/seed-config.yaml").toURI());
        Settings s = loader.load(seed, env("OPENAI_API_KEY", "sk-from-env")).settings();
        assertThat(s.get(CoreSettings.OPENAI_API_KEY)).isEqualTo("sk-from-env");
    }

    @Test
    void configExceptionCarriesNoStackTraceOrCause() throws IOException {
        Path f = yaml("PORT: x\n");
        assertThatThrownBy(() -> loader.load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasNoCause();
    }

    // ---- credentials inside URLs are never echoed ----------------------------------------

    @Test
    void aUrlWithCredentialsIsRefusedWithoutEchoingThem() throws IOException {
        assertThat(error(null, env("LLM_API_BASE_PATH", "http://user:s3cretPassw0rd@proxy.example/v1")))
                .isEqualTo(PREFIX + "LLM_API_BASE_PATH: expected an http:// or https:// URL without query, "
                        + "got 'http://user:***@proxy.example/v1' (environment variable)");
        // Only a token as the user part; and a password so long that clipping would have cut before the '@'.
        assertThat(error("LLM_API_BASE_PATH: https://tokenonly0123456789@h.example/v1\n"))
                .isEqualTo(PREFIX + "LLM_API_BASE_PATH: expected an http:// or https:// URL without query, got 'https://***@h.example/v1'");
        // A key in the query: masked before the value is clipped, so no piece of it is left.
        assertThat(error(null, env("LLM_API_BASE_PATH", "https://api.example.com/v1?key=abcdefghijklmnop")))
                .isEqualTo(PREFIX + "LLM_API_BASE_PATH: expected an http:// or https:// URL without query, "
                        + "got 'https://api.example.com/v1?key=[REDACTED]' (environment variable)");
        String longPassword = "p".repeat(60);
        String message = error(null, env("LLM_API_BASE_PATH", "https://u:" + longPassword + "@h.example/v1"));
        assertThat(message).doesNotContain("ppppp").contains("https://u:***@h.example/v1");
    }

    @Test
    void aModelsListBaseUrlWithCredentialsIsRefusedWithoutEchoingThem() throws IOException {
        Settings s = load(null, env("TOLLGATE_MODELS", "[{\"name\":\"m\",\"deployments\":[{\"provider\":\"openai\","
                + "\"base_url\":\"https://bob:hunter2hunter2@llm.example/v1\"}]}]")).settings();
        assertThatThrownBy(() -> Gateway.router(s, name -> null, System::currentTimeMillis))
                .isInstanceOf(ConfigException.class)
                .hasMessage(PREFIX + "TOLLGATE_MODELS[0].deployments[0]: expected an http:// or https:// URL without query, "
                        + "got 'https://bob:***@llm.example/v1'");
    }

    @Test
    void aKeyPutWhereTheNameOfItsVariableBelongsIsNotEchoed() throws IOException {
        // api_key_env names an environment variable; a user who pastes the key itself must not see it printed back.
        for (String pasted : new String[]{"sk-proj-AbCdEf0123456789", "0123456789abcdef0123456789abcdef", "abc123secret"}) {
            Settings s = load(null, env("TOLLGATE_MODELS", "[{\"name\":\"m\",\"deployments\":[{\"provider\":\"azure\","
                    + "\"resource\":\"r1\",\"deployment\":\"d\",\"api_key_env\":\"" + pasted + "\"}]}]")).settings();
            assertThatThrownBy(() -> Gateway.router(s, name -> null, System::currentTimeMillis))
                    .as(pasted)
                    .isInstanceOf(ConfigException.class)
                    .hasMessage(PREFIX + "TOLLGATE_MODELS[0].deployments[0].api_key_env: the environment variable it names is not set "
                            + "(give the variable's name, not the key)");
        }
        Settings named = load(null, env("TOLLGATE_MODELS", "[{\"name\":\"m\",\"deployments\":[{\"provider\":\"azure\","
                + "\"resource\":\"r1\",\"deployment\":\"d\",\"api_key_env\":\"AZURE_KEY\"}]}]")).settings();
        assertThatThrownBy(() -> Gateway.router(named, name -> null, System::currentTimeMillis))
                .hasMessage(PREFIX + "TOLLGATE_MODELS[0].deployments[0].api_key_env: the environment variable AZURE_KEY is not set");
    }
}
