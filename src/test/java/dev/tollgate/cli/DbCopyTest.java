package dev.tollgate.cli;

import dev.tollgate.Main;
import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.json.Json;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.limits.Limits;
import dev.tollgate.store.Database;
import dev.tollgate.store.DatabaseCopy;
import dev.tollgate.store.KeyRepository;
import dev.tollgate.store.Ledger;
import dev.tollgate.store.LedgerRow;
import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tollgate db copy}: a SQLite install moved to PostgreSQL or MariaDB, row for row. */
class DbCopyTest {

    @TempDir
    Path dir;

    private String out;
    private String err;

    @AfterEach
    void restoreEnv() {
        DbCommand.env = System.getenv();
    }

    private int run(Map<String, String> env, String... args) {
        DbCommand.env = env;
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(o));
        cli.setErr(new PrintWriter(e));
        int code = cli.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    private static ApiKey key(String id, String hash, String user, String team, long createdAt, Budget budget) throws Exception {
        return new ApiKey(id, "svc " + id + " — ünïcode", "tg-" + id.substring(4, 8), hash, null, 0, user, team, Map.of("env", "prod"),
                List.of("gpt-4o-mini"), null, Json.object(), Limits.parse(Json.parse(Json.toBuffer(Json.object().put("rpm", 5))), "l"),
                budget, 0, createdAt, 0, 0);
    }

    private static LedgerRow row(String rowId, long ts, String key, String user, String team, int status, long cost) {
        return new LedgerRow(rowId, ts, "req_" + rowId, key, user, team, "gpt-4o-mini", "/v1/chat/completions", status,
                1_000, 100, 0, 50, 7, cost, "upstream", true);
    }

    /** A single-node install: three keys (one rotated, one revoked), a user and a team, five ledger rows (one without a key, one from before row ids: it is copied as lr_copy_1). */
    private Path sqliteInstall() throws Exception {
        Path file = dir.resolve("tollgate.db");
        try (Database db = Database.open(file.toString())) {
            ApiKey a = key("key_aaaa0000000000000000001", "hash-a", "ann", "lab", 1_795_000_000_000L,
                    Budget.parse(Json.parse(Json.toBuffer(Json.object().put("amount_usd", 2.5).put("period", "monthly"))), "b"));
            ApiKey b = key("key_bbbb0000000000000000002", "hash-b", "bob", null, 1_795_000_001_000L, null);
            ApiKey c = key("key_cccc0000000000000000003", "hash-c", null, null, 1_795_000_002_000L, null);
            Principal ann = new Principal(Principal.Kind.USER, "ann", Limits.parse(Json.parse(Json.toBuffer(
                    Json.object().put("rpm", 9))), "l"), new Budget(3_000_000_000L, BudgetPeriod.MONTHLY), 1_795_000_003_000L);
            Principal lab = new Principal(Principal.Kind.TEAM, "lab", Limits.parse(Json.parse(Json.toBuffer(
                    Json.object().put("concurrent", 2))), "l"), null, 1_795_000_004_000L);
            db.write(x -> {
                KeyRepository.insert(x, a);
                KeyRepository.insert(x, b.rotated("tg-rot0", "hash-b2", 1_795_000_900_000L, 1_795_000_800_000L));
                KeyRepository.insert(x, c.revoked(1_795_000_700_000L));
                KeyRepository.upsert(x, ann);
                KeyRepository.upsert(x, lab);
                try (Statement s = x.createStatement()) { // a row written before ledger rows had ids
                    s.execute("INSERT INTO ledger (ts, request_id, key_id, endpoint, status, usage_source, cost_nanousd) VALUES "
                            + "(1795000005000, 'req_old', 'key_aaaa0000000000000000001', '/v1/embeddings', 200, 'estimated', 12)");
                }
                return null;
            }).join();
            Ledger ledger = new Ledger(db, 100, 60_000);
            ledger.record(row("lr_1", 1_795_000_010_000L, "key_aaaa0000000000000000001", "ann", "lab", 200, 180_000));
            ledger.record(row("lr_2", 1_795_000_020_000L, "key_bbbb0000000000000000002", "bob", null, 200, 9_223_372_036_854L));
            ledger.record(row("lr_3", 1_795_000_030_000L, null, null, null, 401, 0));
            ledger.record(row("lr_4", 1_795_000_040_000L, "key_aaaa0000000000000000001", "ann", "lab", 429, 0));
            ledger.close();
        }
        return file;
    }

    private static final List<String> EXPECTED_LEDGER = List.of(
            "1|1795000005000|req_old|key_aaaa0000000000000000001|null|null|null|/v1/embeddings|200|0|0|0|0|0|12|estimated|1|lr_copy_1",
            "2|1795000010000|req_lr_1|key_aaaa0000000000000000001|ann|lab|gpt-4o-mini|/v1/chat/completions|200|1000|100|0|50|7|180000|upstream|1|lr_1",
            "3|1795000020000|req_lr_2|key_bbbb0000000000000000002|bob|null|gpt-4o-mini|/v1/chat/completions|200|1000|100|0|50|7|9223372036854|upstream|1|lr_2",
            "4|1795000030000|req_lr_3|null|null|null|gpt-4o-mini|/v1/chat/completions|401|1000|100|0|50|7|0|upstream|1|lr_3",
            "5|1795000040000|req_lr_4|key_aaaa0000000000000000001|ann|lab|gpt-4o-mini|/v1/chat/completions|429|1000|100|0|50|7|0|upstream|1|lr_4");

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void aSqliteInstallIsCopiedToAServerRowForRow(TestDatabase.Kind kind) throws Exception {
        Path source = sqliteInstall();
        try (TestDatabase t = TestDatabase.create(kind)) {
            // The password comes from the variable TOLLGATE_DATABASE_PASSWORD_ENV names (the test servers take any, or none).
            Map<String, String> env = Map.of("TOLLGATE_DATABASE_USER", t.user(), "TOLLGATE_DATABASE_PASSWORD_ENV", "TG_TEST_DB_PASSWORD",
                    "TG_TEST_DB_PASSWORD", "");
            assertThat(run(env, "db", "copy", "--from", source.toString(), "--to", t.setting())).as(err).isZero();
            assertThat(err).isEmpty();
            assertThat(out).isEqualTo("copied 3 keys, 2 users and teams, 5 ledger rows, 0 request texts, 0 data-plane tokens, 0 data planes to " + t.setting() + "; verified row by row\n");

            try (Database from = Database.open(source.toString());
                 Database to = Database.open(Database.Target.of(t.setting(), t.user(), null, 2))) {
                assertThat(to.read(KeyRepository::allKeys).join()).hasSize(3).isEqualTo(from.read(KeyRepository::allKeys).join());
                assertThat(to.read(KeyRepository::allPrincipals).join()).hasSize(2).isEqualTo(from.read(KeyRepository::allPrincipals).join());
                assertThat(column(t, "SELECT id, updated_at FROM api_keys ORDER BY created_at")).containsExactly(
                        "key_aaaa0000000000000000001|1795000000000", "key_bbbb0000000000000000002|1795000800000",
                        "key_cccc0000000000000000003|1795000700000");
                assertThat(ledger(t)).isEqualTo(EXPECTED_LEDGER);

                // The server goes on numbering ledger rows after the copied ones, and still refuses a row id twice.
                Ledger ledger = new Ledger(to, 100, 60_000);
                ledger.record(row("lr_5", 1_795_000_050_000L, "key_aaaa0000000000000000001", "ann", "lab", 200, 1));
                ledger.record(row("lr_1", 1_795_000_010_000L, "key_aaaa0000000000000000001", "ann", "lab", 200, 180_000));
                ledger.close();
            }
            assertThat(column(t, "SELECT id, row_id FROM ledger WHERE id > 5 ORDER BY id")).containsExactly("6|lr_5");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void aTargetThatHoldsRowsIsRefusedUnlessReplaced(TestDatabase.Kind kind) throws Exception {
        Path source = sqliteInstall();
        try (TestDatabase t = TestDatabase.create(kind)) {
            Map<String, String> env = Map.of();
            assertThat(run(env, "db", "copy", "--from", source.toString(), "--to", t.setting(), "--to-user", t.user())).as(err).isZero();
            try (Connection c = t.connect(); Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM api_keys WHERE id = 'key_cccc0000000000000000003'");
                s.executeUpdate("UPDATE ledger SET cost_nanousd = 1 WHERE id = 2");
                s.executeUpdate("INSERT INTO subjects (kind, id, limits, updated_at) VALUES ('team', 'zeta', '{}', 5)");
            }

            assertThat(run(env, "db", "copy", "--from", source.toString(), "--to", t.setting(), "--to-user", t.user())).isEqualTo(1);
            assertThat(out).isEmpty();
            assertThat(err).isEqualTo("tollgate: " + t.setting() + " already holds 2 keys, 3 users and teams, 5 ledger rows, 0 request texts, 0 data-plane tokens, 0 data planes; copy into an "
                    + "empty database, or give --replace to delete them first\n");
            assertThat(column(t, "SELECT cost_nanousd FROM ledger WHERE id = 2")).containsExactly("1"); // untouched

            assertThat(run(env, "db", "copy", "--from", source.toString(), "--to", t.setting(), "--to-user", t.user(), "--replace"))
                    .as(err).isZero();
            assertThat(out).isEqualTo("copied 3 keys, 2 users and teams, 5 ledger rows, 0 request texts, 0 data-plane tokens, 0 data planes to " + t.setting() + "; verified row by row\n");
            assertThat(ledger(t)).isEqualTo(EXPECTED_LEDGER);
            assertThat(column(t, "SELECT kind, id FROM subjects ORDER BY kind, id")).containsExactly("team|lab", "user|ann");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void verificationNamesEveryRowThatDiffers(TestDatabase.Kind kind) throws Exception {
        Path source = sqliteInstall();
        try (TestDatabase t = TestDatabase.create(kind)) {
            assertThat(run(Map.of(), "db", "copy", "--from", source.toString(), "--to", t.setting(), "--to-user", t.user())).as(err).isZero();
            try (Connection c = t.connect(); Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM api_keys WHERE id = 'key_cccc0000000000000000003'");
                s.executeUpdate("UPDATE api_keys SET secret_hash = 'other' WHERE id = 'key_aaaa0000000000000000001'");
                s.executeUpdate("UPDATE ledger SET cost_nanousd = 1, row_id = NULL WHERE id = 2");
                s.executeUpdate("DELETE FROM ledger WHERE id = 4");
                s.executeUpdate("INSERT INTO subjects (kind, id, limits, updated_at) VALUES ('team', 'zeta', '{}', 5)");
            }
            try (Connection a = Database.connect(Database.Target.of(source.toString(), null, null, 1)); Connection b = t.connect()) {
                assertThat(DatabaseCopy.verify(a, b)).containsExactly(
                        "api_keys id=key_aaaa0000000000000000001: secret_hash differs",
                        "api_keys id=key_cccc0000000000000000003: missing in the target",
                        "subjects kind=team id=zeta: in the target only",
                        "ledger id=2: cost_nanousd differs",
                        "ledger id=2: row_id differs",
                        "ledger id=4: missing in the target");
            }
        }
    }

    @Test
    void aPasswordIsNeverTakenFromTheUrlOrTheCommandLine() throws Exception {
        Path source = sqliteInstall();
        assertThat(run(Map.of(), "db", "copy", "--from", source.toString(), "--to", "jdbc:postgresql://db.internal/tollgate?user=tg&password=s3cret"))
                .isEqualTo(2);
        assertThat(err).isEqualTo("tollgate: --to must not hold a password: put it in an environment variable and name that with "
                + "--to-password-env\n").doesNotContain("s3cret");
        assertThat(run(Map.of(), "db", "copy", "--from", source.toString(), "--to", "jdbc:mariadb://tg:s3cret@db.internal/tollgate"))
                .isEqualTo(2);
        assertThat(err).doesNotContain("s3cret").contains("--to must not hold a password");

        Map<String, String> env = new HashMap<>(Map.of("TOLLGATE_DATABASE_PASSWORD_ENV", "TG_MISSING"));
        assertThat(run(env, "db", "copy", "--from", source.toString(), "--to", "jdbc:postgresql://db.internal/tollgate")).isEqualTo(2);
        assertThat(err).isEqualTo("tollgate: --to-password-env names TG_MISSING, which is not set\n");

        assertThat(run(Map.of(), "db", "copy", "--from", source.toString(), "--to", "jdbc:oracle:thin:@db.internal:1521/x")).isEqualTo(2);
        assertThat(err).isEqualTo("tollgate: --to: unsupported database URL jdbc:oracle:thin:@db.internal:1521/x "
                + "(a SQLite file, or jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql:)\n");

        assertThat(run(Map.of(), "db", "copy", "--from", source.toString(), "--to", source.toString())).isEqualTo(2);
        assertThat(err).isEqualTo("tollgate: --from and --to are the same database\n");
    }

    private static List<String> ledger(TestDatabase t) throws Exception {
        return column(t, "SELECT id, ts, request_id, key_id, user_id, team_id, model, endpoint, status, input_tokens, cached_input_tokens, "
                + "cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, usage_source, priced, row_id FROM ledger ORDER BY id");
    }

    private static List<String> column(TestDatabase t, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = t.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> cells = new ArrayList<>();
                for (int i = 1; i <= n; i++) cells.add(String.valueOf(rs.getString(i)));
                out.add(String.join("|", cells));
            }
        }
        return out;
    }
}
