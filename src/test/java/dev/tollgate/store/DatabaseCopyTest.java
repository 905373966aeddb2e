package dev.tollgate.store;

import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.json.Json;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.limits.Limits;
import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DatabaseCopy} on a store larger than one batch: a SQLite store with rotated and revoked
 * keys, users and teams, and 2,500 ledger rows (some without user, team or model, some from
 * before row ids) lands on PostgreSQL and MariaDB with the same keys, principals and reports.
 */
class DatabaseCopyTest {

    private static final long DAY = 86_400_000L;
    /** Midnight UTC, so that the rows fill five whole days. */
    private static final long T0 = 20_775 * DAY;
    private static final int LEDGER_ROWS = 2_500;
    /** Rows inserted as a store before V2 held them: no row id. */
    private static final int OLD_ROWS = 30;

    private static Limits limits(String name, int value) {
        try {
            return Limits.parse(Json.parse(Json.toBuffer(Json.object().put(name, value))), "l");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ApiKey key(String id, String hash, String user, String team) {
        return new ApiKey(id, "key " + id, "tg-" + id.substring(4, 8), hash, null, 0, user, team, Map.of("env", "prod"),
                List.of("gpt-4o-mini"), null, Json.object(), limits("rpm", 5), null, 0, T0, 0, 0);
    }

    /** keys: a plain one, a rotated one (old secret still valid), a revoked one; a user and a team; the ledger. */
    private static void fill(Database db) {
        ApiKey a = key("key_aaaa0000000000000000001", "hash-a", "ann", "lab");
        ApiKey b = key("key_bbbb0000000000000000002", "hash-b", "bob", null).rotated("tg-rot0", "hash-b2", T0 + 9 * DAY, T0 + 8_000);
        ApiKey c = key("key_cccc0000000000000000003", "hash-c", null, null).revoked(T0 + 7_000);
        Principal ann = new Principal(Principal.Kind.USER, "ann", limits("rpm", 9), new Budget(3_000_000_000L, BudgetPeriod.MONTHLY), T0);
        Principal lab = new Principal(Principal.Kind.TEAM, "lab", limits("concurrent", 2), null, T0 + 1);
        List<String> keys = List.of(a.id(), b.id(), c.id());
        db.write(x -> {
            KeyRepository.insert(x, a);
            KeyRepository.insert(x, b);
            KeyRepository.insert(x, c);
            KeyRepository.upsert(x, ann);
            KeyRepository.upsert(x, lab);
            try (PreparedStatement s = x.prepareStatement("INSERT INTO ledger (ts, request_id, key_id, user_id, team_id, model, endpoint, "
                    + "status, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, "
                    + "usage_source, priced, row_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < LEDGER_ROWS; i++) {
                    boolean anonymous = i % 7 == 0; // no user, team or model: a request refused before attribution
                    s.setLong(1, T0 + i * (5 * DAY / LEDGER_ROWS)); // spread over five UTC days
                    s.setString(2, "req_" + i);
                    s.setString(3, keys.get(i % 3));
                    s.setString(4, anonymous ? null : i % 2 == 0 ? "ann" : "bob");
                    s.setString(5, anonymous || i % 2 == 1 ? null : "lab");
                    s.setString(6, anonymous ? null : i % 3 == 0 ? "gpt-4o-mini" : "claude-3-5-haiku");
                    s.setString(7, "/v1/chat/completions");
                    s.setInt(8, anonymous ? 401 : 200);
                    s.setLong(9, 1_000 + i);
                    s.setLong(10, i % 5);
                    s.setLong(11, i % 2);
                    s.setLong(12, 50 + i % 11);
                    s.setLong(13, i % 3);
                    s.setLong(14, i == 1 ? 9_223_372_036_854L : 17_000L * i);
                    s.setString(15, i % 4 == 0 ? "estimated" : "upstream");
                    s.setInt(16, i % 9 == 0 ? 0 : 1);
                    s.setString(17, i < OLD_ROWS ? null : String.format("lr_%024x", i));
                    s.addBatch();
                }
                s.executeBatch();
            }
            // Hybrid mode: a data-plane token, the data plane seen with it, and every fifth row served by it.
            try (Statement s = x.createStatement()) {
                s.executeUpdate("INSERT INTO dataplane_tokens (id, name, prefix, secret_hash, created_at, revoked_at) "
                        + "VALUES ('dpt_000000000000000000000001', 'eu-west', 'tgdp-AbCd1234', 'hash-dp', " + T0 + ", 0)");
                s.executeUpdate("INSERT INTO data_planes (id, token_id, version, snapshot_version, first_contact, last_contact, rows_waiting, "
                        + "rows_received) VALUES ('dp_00000000000000aa', 'dpt_000000000000000000000001', '1.2.0', 'abc', " + T0 + ", "
                        + (T0 + 5) + ", 7, " + LEDGER_ROWS / 5 + ")");
                s.executeUpdate("UPDATE ledger SET data_plane_id = 'dp_00000000000000aa' WHERE id % 5 = 0");
            }
            Rollups.rebuild(x); // rows written past the ledger writer: their rollups made as db copy makes them
            return null;
        }).join();
    }

    private static Database.Target target(TestDatabase t) {
        return Database.Target.of(t.setting(), t.user(), null, 2);
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void aSqliteStoreIsCopiedAndReadsTheSameOnTheServer(TestDatabase.Kind kind) throws Exception {
        try (FilledPair pair = FilledPair.of(kind)) {
            TestDatabase source = pair.source(), server = pair.server();
            try (Connection a = source.connect(); Connection b = Database.connect(target(server))) {
                assertThat(DatabaseCopy.copy(a, b, false)).containsExactly(
                        Map.entry("keys", 3L), Map.entry("users and teams", 2L), Map.entry("ledger rows", (long) LEDGER_ROWS), Map.entry("request texts", 0L),
                        Map.entry("data-plane tokens", 1L), Map.entry("data planes", 1L));
                assertThat(DatabaseCopy.counts(b)).isEqualTo(DatabaseCopy.counts(a));
                assertThat(DatabaseCopy.verify(a, b)).isEmpty();
            }

            try (Database from = Database.open(source.setting()); Database to = Database.open(target(server))) {
                List<ApiKey> keys = from.read(KeyRepository::allKeys).join();
                assertThat(keys).hasSize(3);
                assertThat(to.read(KeyRepository::allKeys).join()).isEqualTo(keys);
                List<Principal> principals = from.read(KeyRepository::allPrincipals).join();
                assertThat(principals).hasSize(2);
                assertThat(to.read(KeyRepository::allPrincipals).join()).isEqualTo(principals);
                for (UsageQueries.GroupBy by : List.of(UsageQueries.GroupBy.DAY, UsageQueries.GroupBy.KEY, UsageQueries.GroupBy.DATA_PLANE)) {
                    List<UsageQueries.Row> report = from.read(c -> UsageQueries.report(c, by, T0, T0 + 6 * DAY, Map.of())).join();
                    assertThat(report).as(by.name()).hasSizeGreaterThanOrEqualTo(2);
                    assertThat(to.read(c -> UsageQueries.report(c, by, T0, T0 + 6 * DAY, Map.of())).join()).as(by.name()).isEqualTo(report);
                }
                assertThat(from.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.DAY, T0, T0 + 6 * DAY, Map.of())).join())
                        .extracting(UsageQueries.Row::requests).containsExactly(500L, 500L, 500L, 500L, 500L);
                assertThat(to.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.DATA_PLANE, T0, T0 + 6 * DAY, Map.of())).join())
                        .extracting(UsageQueries.Row::group, UsageQueries.Row::requests)
                        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("dp_00000000000000aa", 500L),
                                org.assertj.core.groups.Tuple.tuple(null, 2_000L));
            }
            assertThat(cells(server, "SELECT id, token_id, rows_waiting, rows_received FROM data_planes"))
                    .containsExactly("dp_00000000000000aa|dpt_000000000000000000000001|7|500");
            assertThat(cells(server, "SELECT id, name, prefix, secret_hash, revoked_at FROM dataplane_tokens"))
                    .containsExactly("dpt_000000000000000000000001|eu-west|tgdp-AbCd1234|hash-dp|0");

            // Old rows got a row id made from their source id; the source was not written to.
            assertThat(cells(server, "SELECT id, row_id FROM ledger WHERE id <= 3 ORDER BY id"))
                    .containsExactly("1|lr_copy_1", "2|lr_copy_2", "3|lr_copy_3");
            assertThat(cells(server, "SELECT COUNT(*) FROM ledger WHERE row_id LIKE 'lr_copy_%'")).containsExactly("30");
            assertThat(cells(source, "SELECT COUNT(*) FROM ledger WHERE row_id IS NULL")).containsExactly("30");
            assertThat(cells(server, "SELECT COUNT(*) FROM ledger WHERE model IS NULL AND user_id IS NULL AND team_id IS NULL"))
                    .containsExactly(String.valueOf((LEDGER_ROWS + 6) / 7));
            assertThat(cells(server, "SELECT MIN(id), MAX(id) FROM ledger")).containsExactly("1|2500");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void verificationFindsOneChangedCell(TestDatabase.Kind kind) throws Exception {
        try (FilledPair pair = FilledPair.of(kind)) {
            TestDatabase source = pair.source(), server = pair.server();
            try (Connection a = source.connect(); Connection b = Database.connect(target(server))) {
                DatabaseCopy.copy(a, b, false);
                assertThat(DatabaseCopy.verify(a, b)).isEmpty();

                try (Statement s = b.createStatement()) { // one cell, deep in the third batch
                    s.executeUpdate("UPDATE ledger SET output_tokens = output_tokens + 1 WHERE id = 2345");
                }
                assertThat(DatabaseCopy.verify(a, b)).containsExactly("ledger id=2345: output_tokens differs");

                try (Statement s = b.createStatement()) { // back, and a null made where the source has a value
                    s.executeUpdate("UPDATE ledger SET output_tokens = output_tokens - 1 WHERE id = 2345");
                    s.executeUpdate("UPDATE api_keys SET budget = '{}' WHERE id = 'key_aaaa0000000000000000001'");
                    s.executeUpdate("UPDATE subjects SET budget = NULL WHERE kind = 'user' AND id = 'ann'");
                    s.executeUpdate("UPDATE ledger SET row_id = NULL WHERE id = 5");
                }
                assertThat(DatabaseCopy.verify(a, b)).containsExactly(
                        "api_keys id=key_aaaa0000000000000000001: budget differs",
                        "subjects kind=user id=ann: budget differs",
                        "ledger id=5: row_id differs");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void aRepeatedCopyGivesOldRowsTheSameRowIds(TestDatabase.Kind kind) throws Exception {
        try (FilledPair pair = FilledPair.of(kind)) {
            TestDatabase source = pair.source(), server = pair.server();
            try (Connection a = source.connect(); Connection b = Database.connect(target(server))) {
                DatabaseCopy.copy(a, b, false);
                List<String> first = cells(server, "SELECT id, row_id FROM ledger ORDER BY id");
                DatabaseCopy.copy(a, b, true);
                assertThat(cells(server, "SELECT id, row_id FROM ledger ORDER BY id")).hasSize(LEDGER_ROWS).isEqualTo(first);
                assertThat(DatabaseCopy.verify(a, b)).isEmpty();
            }
        }
    }

    /** A filled SQLite store to copy from and a migrated, empty server database of {@code kind} to copy to. */
    private record FilledPair(TestDatabase source, TestDatabase server) implements AutoCloseable {
        static FilledPair of(TestDatabase.Kind kind) throws Exception {
            FilledPair pair = new FilledPair(TestDatabase.create(TestDatabase.Kind.SQLITE), TestDatabase.create(kind));
            try {
                try (Database db = Database.open(pair.source().setting())) {
                    fill(db);
                }
                Database.migrate(target(pair.server()));
                return pair;
            } catch (Exception e) {
                pair.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } finally {
                source.close();
            }
        }
    }

    private static List<String> cells(TestDatabase t, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = t.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) row.add(String.valueOf(rs.getString(i)));
                out.add(String.join("|", row));
            }
        }
        return out;
    }
}
