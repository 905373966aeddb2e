package dev.tollgate.store;

import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A SQLite file made before migrations moved to one folder per dialect keeps working: its V1 is
 * recognised (same version, same checksum), V2 and V3 are applied, and its rows survive.
 * The fixture {@code store/tollgate-v1.db} was made by Flyway from {@code classpath:db/migration}
 * holding only the original {@code V1__keys_subjects_ledger.sql} (commit 27083b8), with two keys
 * (one rotated and then revoked), a team and two ledger rows inserted.
 */
class SqliteUpgradeTest {

    @TempDir
    Path dir;

    @Test
    void aDatabaseFromTheOldLayoutMigratesAndKeepsItsRows() throws Exception {
        Path file = dir.resolve("tollgate.db");
        try (InputStream in = SqliteUpgradeTest.class.getResourceAsStream("/store/tollgate-v1.db")) {
            Files.copy(in, file);
        }
        assertThat(history(file)).containsExactly("1:V1__keys_subjects_ledger.sql:1101789549");

        try (Database db = Database.open(file.toString())) {
            List<ApiKey> keys = db.read(KeyRepository::allKeys).join();
            assertThat(keys).extracting(ApiKey::id, ApiKey::user, ApiKey::secretHash, ApiKey::previousHash, ApiKey::revokedAt, ApiKey::rotatedAt)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("key_000000000000000000000001", "ann", "hash-1", null, 0L, 0L),
                            org.assertj.core.groups.Tuple.tuple("key_000000000000000000000002", "bob", "hash-2b", "hash-2a", 1_795_200_000_000L, 1_795_100_000_000L));
            assertThat(keys.get(0).labels()).isEqualTo(Map.of("env", "prod"));
            assertThat(keys.get(0).allowedModels()).containsExactly("gpt-4o-mini");
            assertThat(db.read(KeyRepository::allPrincipals).join()).extracting(Principal::subject, Principal::updatedAt)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("team:lab", 1_795_000_002_000L));
            // updated_at of existing keys: their latest change.
            assertThat(db.read(c -> KeyChanges.since(c, 0)).join()).extracting(ch -> ch.key().id() + "@" + ch.at())
                    .containsExactly("key_000000000000000000000001@1795000000000", "key_000000000000000000000002@1795200000000");
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.KEY, 0, Long.MAX_VALUE, Map.of())).join())
                    .containsExactly(new UsageQueries.Row("key_000000000000000000000001", 2, 1_000, 100, 50, 0, 180_000));

            // New rows, with ids, go in beside the old ones (which have none).
            Ledger ledger = new Ledger(db, 100, 60_000);
            LedgerRow row = new LedgerRow("lr_new", 1_795_000_030_000L, "req_c", "key_000000000000000000000001", "ann", "lab", "gpt-4o-mini",
                    "/v1/chat/completions", 200, 10, 0, 0, 5, 0, 2_000, "upstream", true);
            ledger.record(row);
            ledger.record(row);
            ledger.close();
        }
        assertThat(history(file)).containsExactly("1:V1__keys_subjects_ledger.sql:1101789549", "2:V2__replicas.sql:" + checksum(file, "2"),
                "3:V3__key_updated_at.sql:" + checksum(file, "3"), "4:V4__dataplanes.sql:" + checksum(file, "4"),
                "5:V5__request_records.sql:" + checksum(file, "5"), "6:V6__dataplane_usage.sql:" + checksum(file, "6"));
        assertThat(column(file, "SELECT COALESCE(row_id, '-') FROM ledger ORDER BY id")).containsExactly("-", "-", "lr_new");

        try (Database again = Database.open(file.toString())) { // up to date: nothing more to apply
            assertThat(again.read(c -> UsageQueries.spentSince(c, "key_id", "key_000000000000000000000001", 0)).join()).isEqualTo(182_000);
            // The hourly rollup holds the old rows (filled by V5) and the new one once, though it was recorded twice.
            assertThat(again.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.KEY, 0, Long.MAX_VALUE, Map.of())).join())
                    .containsExactly(new UsageQueries.Row("key_000000000000000000000001", 3, 1_010, 100, 55, 0, 182_000));
        }
        assertThat(history(file)).hasSize(6);
    }

    private static List<String> history(Path file) throws Exception {
        return column(file, "SELECT version || ':' || script || ':' || checksum FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank");
    }

    private static String checksum(Path file, String version) throws Exception {
        return column(file, "SELECT checksum FROM flyway_schema_history WHERE version = '" + version + "'").get(0);
    }

    private static List<String> column(Path file, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
