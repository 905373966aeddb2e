package dev.tollgate.cli;

import dev.tollgate.Main;
import dev.tollgate.support.FakeUpstream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest extends CommandLineTest {

    @Test
    void theKeyLifecycleFromTheCommandLine() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(1000, 1000)));
        startKeyMode(Map.of());
        assertThat(run("keys", "create", "--name", "ci bot", "--user", "alice", "--team", "lab", "--label", "env=dev", "--model", "gpt-4o-mini",
                "--rpm", "5", "--budget", "10", "--budget-period", "weekly", "--expires", "30d",
                "--setting", "POLICY_MAX_PROMPT_CHARS=1000")).isZero();
        Matcher m = Pattern.compile("Created key (key_[0-9a-f]{24}) \\((tg-.{8})…\\)\nSecret \\(shown once, store it now\\): (tg-\\S{43})\n").matcher(out);
        assertThat(m.matches()).as(out).isTrue();
        String id = m.group(1);
        String secret = m.group(3);
        assertThat(secret).startsWith(m.group(2));
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);

        assertThat(run("keys", "list")).isZero();
        assertThat(out).startsWith("ID                            PREFIX        NAME    USER   TEAM  STATUS  CREATED               EXPIRES\n")
                .contains(id + "  " + m.group(2) + "…  ci bot  alice  lab   active  2026-11-24T12:00:00Z  2026-12-24T12:00:00Z\n")
                .doesNotContain(secret);

        assertThat(run("keys", "show", id)).isZero();
        assertThat(out).contains("allowed_models               [\"gpt-4o-mini\"]\n").contains("limits                       {\"rpm\":5}\n")
                .contains("budget                       {\"amount_usd\":10,\"period\":\"weekly\"}\n")
                .contains("settings                     {\"POLICY_MAX_PROMPT_CHARS\":1000}\n");

        assertThat(run("keys", "rotate", id, "--grace", "0")).isZero();
        String fresh = out.substring(out.indexOf("tg-")).trim();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(401);
        assertThat(chat(fresh, CHAT).statusCode()).isEqualTo(200);

        awaitLedgerQuiet();
        assertThat(run("usage", "--by", "model", "--since", "3650d")).isZero();
        assertThat(out).contains("MODEL                   REQUESTS  INPUT TOKENS  CACHED  OUTPUT TOKENS  COST USD\n"
                + "gpt-4o-mini-2024-07-18         2          2000       0           2000    0.0015\n"
                + "TOTAL                          2          2000                   2000    0.0015\n");

        assertThat(run("requests", "list", "--since", "3650d", "--limit", "1", "--user", "alice")).isZero();
        assertThat(out).startsWith("TIME                  KEY                           USER   TEAM  MODEL                   ENDPOINT              STATUS")
                .contains("2026-11-24T12:00:00Z  " + id + "  alice  lab   gpt-4o-mini-2024-07-18  /v1/chat/completions     200  1000  1000    0.0008")
                .containsPattern("Next page: --before [A-Za-z0-9_-]+\n$");
        assertThat(run("requests", "list", "--since", "3650d", "--limit", "0")).isEqualTo(1);
        assertThat(err).isEqualTo("tollgate: limit: expected a whole number from 1 to 200 (HTTP 400)\n");

        assertThat(run("keys", "revoke", id)).isZero();
        assertThat(out).isEqualTo("Revoked key " + id + " (" + fresh.substring(0, 11) + "…)\n");
        assertThat(chat(fresh, CHAT).statusCode()).isEqualTo(401);
    }

    @Test
    void errorsAreOneLineAndExitOne() throws Exception {
        startKeyMode(Map.of());
        assertThat(run("keys", "show", "key_nope")).isEqualTo(1);
        assertThat(err).isEqualTo("tollgate: No key with id 'key_nope'. (HTTP 404)\n");
        assertThat(run("keys", "create", "--label", "novalue")).isEqualTo(1);
        assertThat(err).isEqualTo("tollgate: --label: expected key=value, got 'novalue'\n");
        assertThat(run("keys", "create", "--expires", "soon")).isEqualTo(1);
        assertThat(err).isEqualTo("tollgate: --expires: expected a duration such as 30d, 12h, 90m or 45s\n");
        KeysCommand.AdminCall.env = Map.of();
        StringWriter e = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(e));
        assertThat(cli.execute("keys", "list")).isEqualTo(1);
        assertThat(e.toString()).isEqualTo("tollgate: set TOLLGATE_ADMIN_TOKEN to the gateway's admin token\n");
    }
}
