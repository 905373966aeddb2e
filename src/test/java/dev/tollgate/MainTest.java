package dev.tollgate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line, run in-process through picocli exactly as {@link Main#main} does (without its
 * System.exit), with stdout and stderr captured.
 */
class MainTest {

    @TempDir
    Path dir;

    private static final String NL = System.lineSeparator();

    record Run(int exitCode, String out, String err) {}

    /** Runs {@code tollgate <args>} capturing System.out/err (the commands print to them directly). */
    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        PrintStream capOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream capErr = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code;
        try {
            System.setOut(capOut);
            System.setErr(capErr);
            CommandLine cmd = new CommandLine(new Main());
            cmd.setOut(new PrintWriter(capOut, true));
            cmd.setErr(new PrintWriter(capErr, true));
            code = cmd.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        capOut.flush();
        capErr.flush();
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path file(String yaml) throws IOException {
        Path f = dir.resolve("tollgate.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    // ---- config check ------------------------------------------------------------------

    @Test
    void configCheckOnAValidFilePrintsOkAndExitsZero() throws IOException {
        Path f = file("""
                PORT: 8080
                HOST: 127.0.0.1
                LLM_API_BASE_PATH: http://localhost:11434/v1
                POLICY_DISABLED_MODELS: [gpt-4]
                POLICY_LOG_REQUEST: true
                """);

        Run r = run("config", "check", f.toString());

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("config ok: " + f + NL);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void configCheckPrintsWarningsBeforeOk() throws IOException {
        Path f = file("USAGE_PANDA_API: https://api.usagepanda.com/v1\nCONFIG_CACHE_MINUTES: 5\n");

        Run r = run("config", "check", f.toString());

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.out()).isEqualTo(
                "warning: USAGE_PANDA_API is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)" + NL
                        + "warning: CONFIG_CACHE_MINUTES is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)" + NL
                        + "config ok: " + f + NL);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void configCheckAcceptsTheSeedsExampleConfig() throws URISyntaxException {
        Path seed = Path.of(MainTest.class.getResource("/seed-config.yaml").toURI());

        Run r = run("config", "check", seed.toString());

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.out()).isEqualTo(
                "warning: USAGE_PANDA_API_KEY is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)" + NL
                        + "warning: USAGE_PANDA_API is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)" + NL
                        + "warning: CONFIG_CACHE_MINUTES is ignored unless TOLLGATE_ROLE=data-plane (hybrid mode)" + NL
                        + "config ok: " + seed + NL);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void configCheckOnAnInvalidFilePrintsTheErrorAndExitsTwo() throws IOException {
        Path f = file("""
                PORT: 70000
                PROT: 8080
                OPENAI_API_KEY: [sk-live-0123456789]
                """);

        Run r = run("config", "check", f.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  PORT: expected an integer from 0 to 65535, got 70000\n"
                + "  PROT: unknown key (did you mean PORT?)\n"
                + "  OPENAI_API_KEY: invalid value" + NL);
        assertThat(r.err()).doesNotContain("sk-live");
    }

    @Test
    void configCheckRefusesARedisUrlWithoutRepeatingIt() throws IOException {
        Path ok = file("TOLLGATE_REDIS_URL: redis://127.0.0.1:6379/2\nTOLLGATE_SHARED_STATE_ON_ERROR: local\n");
        assertThat(run("config", "check", ok.toString()).out()).isEqualTo("config ok: " + ok + NL);

        Path bad = file("TOLLGATE_REDIS_URL: http://:hunter2-secret@cache:6379\nTOLLGATE_SHARED_STATE_ON_ERROR: open\n");
        Run r = run("config", "check", bad.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  TOLLGATE_SHARED_STATE_ON_ERROR: expected one of closed, local, got 'open'" + NL);
        Path url = file("TOLLGATE_REDIS_URL: http://:hunter2-secret@cache:6379\n");
        Run u = run("config", "check", url.toString());
        assertThat(u.exitCode()).isEqualTo(2);
        assertThat(u.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  TOLLGATE_REDIS_URL: expected redis://host:port[/db] or rediss://host:port[/db]" + NL);
        assertThat(u.err()).doesNotContain("hunter2");
    }

    @Test
    void configCheckRefusesADatabaseUrlWithAPasswordOrOfNoSupportedDatabase() throws IOException {
        for (String good : List.of("data/tollgate.db", "jdbc:postgresql://db.internal:5432/tollgate?sslmode=require",
                "jdbc:mariadb://db.internal/tollgate", "jdbc:mysql://db.internal:3306/tollgate")) {
            Path ok = file("TOLLGATE_DATABASE: \"" + good + "\"\n");
            assertThat(run("config", "check", ok.toString()).out()).isEqualTo("config ok: " + ok + NL);
        }

        Path param = file("TOLLGATE_DATABASE: \"jdbc:postgresql://db.internal/tollgate?user=tg&password=hunter2-secret\"\n");
        Run p = run("config", "check", param.toString());
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  TOLLGATE_DATABASE must not hold a password: put it in an environment variable and name that in "
                + "TOLLGATE_DATABASE_PASSWORD_ENV" + NL);

        Path userInfo = file("TOLLGATE_DATABASE: \"jdbc:mariadb://tg:hunter2-secret@db.internal/tollgate\"\n");
        Run u = run("config", "check", userInfo.toString());
        assertThat(u.exitCode()).isEqualTo(2);
        assertThat(u.err()).startsWith("tollgate: invalid configuration:\n  TOLLGATE_DATABASE must not hold a password").doesNotContain("hunter2");

        Path typo = file("TOLLGATE_DATABASE: \"jdbc:postgres://db.internal:5432/tollgate?sslmode=require\"\n");
        Run t = run("config", "check", typo.toString());
        assertThat(t.exitCode()).isEqualTo(2);
        assertThat(t.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  TOLLGATE_DATABASE: unsupported database URL jdbc:postgres://db.internal:5432/tollgate?… "
                + "(a SQLite file, or jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql:)" + NL);
    }

    @Test
    void configCheckKnowsTheProtocolSettings() throws IOException {
        Path ok = file("TOLLGATE_HTTP2_CLEARTEXT: true\n");
        assertThat(run("config", "check", ok.toString()).out()).isEqualTo("config ok: " + ok + NL);

        Path bad = file("""
                TOLLGATE_HTTP2_CLEARTEXT: maybe
                AZURE_RESOURCE_NAME: my-resource
                AZURE_DEPLOYMENT_ID: ../other
                """);
        Run r = run("config", "check", bad.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  TOLLGATE_HTTP2_CLEARTEXT: expected true or false, got 'maybe'" + NL);
        Path deployment = file("AZURE_RESOURCE_NAME: my-resource\nAZURE_DEPLOYMENT_ID: ../other\n");
        Run d = run("config", "check", deployment.toString());
        assertThat(d.exitCode()).isEqualTo(2);
        assertThat(d.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  AZURE_DEPLOYMENT_ID: '../other' is not a valid Azure deployment name (letters, digits, '-', '_' and inner '.', at most 64)" + NL);
    }

    @Test
    void configCheckReportsABaseUrlTheProviderCannotUse() throws IOException {
        Path f = file("""
                TOLLGATE_MODELS:
                  - name: gemini
                    deployments:
                      - {provider: gemini, base_url: "https://generativelanguage.googleapis.com/v1beta/openai/", api_key_env: PATH}
                """);

        Run r = run("config", "check", f.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  TOLLGATE_MODELS[0].deployments[0].base_url: the path /v1beta/openai is not Gemini's API root: give "
                + "https://generativelanguage.googleapis.com (the gateway adds /v1beta/models/...); Google's OpenAI-compatible "
                + "endpoint is provider openai" + NL);
    }

    @Test
    void configCheckOnAMissingFileExitsTwo() {
        Path missing = dir.resolve("missing.yaml");

        Run r = run("config", "check", missing.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("tollgate: invalid configuration:\n  " + missing + ": no such file" + NL);
    }

    @Test
    void configCheckWithoutAFileIsAUsageError() {
        Run r = run("config", "check");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("Missing required parameter: '<file>'" + NL + "Usage: tollgate config check [-hV] <file>" + NL);
    }

    // ---- serve refuses a bad config before starting ------------------------------------

    @Test
    void serveWithAnInvalidConfigExitsTwoWithoutStarting() throws IOException {
        Path f = file("PORT: lots\n");

        Run r = run("serve", "--config", f.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate: invalid configuration:\n"
                + "  PORT: expected an integer from 0 to 65535, got 'lots'" + NL);
    }

    @Test
    void serveWithABadPortOptionIsAUsageError() {
        Run r = run("serve", "--port", "abc");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("Invalid value for option '--port': 'abc' is not an int" + NL
                + "Usage: tollgate serve [-hV] [--config=<config>] [--port=<port>]" + NL);
    }

    @Test
    void servePortOptionIsRangeCheckedLikePort() throws IOException {
        Path f = file("HOST: 127.0.0.1\n");

        Run r = run("serve", "--config", f.toString(), "--port", "70000");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tollgate: --port: expected an integer from 0 to 65535, got 70000\n");
    }

    // ---- help ----------------------------------------------------------------------------

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("Usage: tollgate [-hV] [COMMAND]" + NL + "Self-hosted LLM API gateway." + NL);
        assertThat(r.out()).contains(NL + "Commands:" + NL);
        assertThat(r.out()).contains(NL + "  serve       Start the gateway." + NL);
        assertThat(r.out()).contains(NL + "  config      Configuration tools." + NL);
        assertThat(r.out()).contains(NL + "  requests    Request records of a running gateway." + NL);
        assertThat(r.out()).contains(NL + "  dataplanes  Data-plane tokens and data planes (hybrid mode's control plane)." + NL);
    }

    @Test
    void noArgumentsPrintsTheUsage() {
        Run r = run();

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.out()).isEqualTo(run("--help").out());
    }

    @Test
    void versionIsPrinted() {
        Run r = run("--version");

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("tollgate 0.1.0" + NL);
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        Run r = run("nope");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("Unmatched argument at index 0: 'nope'" + NL + "Usage: tollgate [-hV] [COMMAND]" + NL);
    }

    @Test
    void configAloneListsItsCommands() {
        Run r = run("config");

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.out()).contains(NL + "Commands:" + NL
                + "  check  Validate a config file (and the environment) without starting." + NL
                + "  docs   Print the configuration reference (docs/configuration.md) as markdown." + NL);
    }

    @Test
    void configDocsPrintsTheGeneratedReferenceAndExitsZero() {
        Run r = run("config", "docs");

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo(Main.configurationReference());
        assertThat(r.out()).startsWith("# Configuration\n").contains("\n#### `POLICY_MAX_TOKENS`\n");
    }

    @Test
    void configAloneNamesTheFullCommand() {
        Run r = run("config");

        assertThat(r.out()).startsWith("Usage: tollgate config [-hV] [COMMAND]" + NL);
    }

    @Test
    void subcommandsHaveHelp() {
        Run serve = run("serve", "--help");
        assertThat(serve.exitCode()).isEqualTo(0);
        assertThat(serve.err()).isEmpty();
        assertThat(serve.out()).startsWith("Usage: tollgate serve ");

        Run check = run("config", "check", "--help");
        assertThat(check.exitCode()).isEqualTo(0);
        assertThat(check.err()).isEmpty();
        assertThat(check.out()).startsWith("Usage: tollgate config check ");
    }
}
