package dev.tollgate.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

class LedgerTest {

    @TempDir
    Path dir;

    private static LedgerRow row(int i) {
        return new LedgerRow("lr_" + i, 1_000L + i, "req_" + i, "key_a", "u", "t", "gpt-4o-mini", "/v1/chat/completions", 200,
                10, 2, 0, 5, 1, 4_500, "upstream", true);
    }

    private static long count(Database db) {
        return db.writeNow(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*), COALESCE(SUM(cost_nanousd),0) FROM ledger")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Test
    void rowsAreWrittenInBatchesEveryInterval() throws Exception {
        try (Database db = Database.open(dir.resolve("l.db").toString())) {
            Ledger ledger = new Ledger(db, 10_000, 50);
            for (int i = 0; i < 5_000; i++) assertThat(ledger.record(row(i))).isTrue();
            long deadline = System.currentTimeMillis() + 10_000;
            while (ledger.written() < 5_000 && System.currentTimeMillis() < deadline) Thread.sleep(20);
            assertThat(count(db)).isEqualTo(5_000);
            ledger.close();
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() throws Exception {
        try (Database db = Database.open(dir.resolve("l.db").toString())) {
            Ledger ledger = new Ledger(db, 100, 60_000); // no flush during the test
            long start = System.nanoTime();
            int accepted = 0;
            for (int i = 0; i < 150; i++) if (ledger.record(row(i))) accepted++;
            assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
            assertThat(accepted).isEqualTo(100);
            assertThat(ledger.dropped()).isEqualTo(50);
            assertThat(count(db)).isZero();
            ledger.close(); // shutdown writes what is queued
            assertThat(count(db)).isEqualTo(100);
        }
    }

    @Test
    void theSchemaIsMigratedOnceAndReopensCleanly() throws Exception {
        String file = dir.resolve("m.db").toString();
        try (Database db = Database.open(file)) {
            Ledger l = new Ledger(db, 100, 60_000);
            l.record(row(1));
            l.close();
        }
        try (Database db = Database.open(file)) {
            assertThat(count(db)).isEqualTo(1);
            long migrations = db.writeNow(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(migrations).isEqualTo(6); // V1 keys, subjects, ledger; V2 replicas; V3 key updated_at; V4 data planes; V5 request records; V6 data-plane usage
        }
    }

    @Test
    void aDatabaseMadeBeforeReplicasIsMigratedWithItsRowsKept() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("old.db");
        // A file as the previous version left it: only V1, and a ledger row with no row id.
        org.flywaydb.core.Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration/sqlite").target("1").load().migrate();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ledger (ts, endpoint, status, cost_nanousd, usage_source) VALUES (5, '/v1/chat/completions', 200, 42, 'upstream')");
        }
        try (Database db = Database.open(dir.resolve("old.db").toString())) {
            Ledger l = new Ledger(db, 100, 60_000);
            l.record(row(1));
            l.close();
            assertThat(count(db)).isEqualTo(2);
            long old = db.writeNow(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ledger WHERE row_id IS NULL AND cost_nanousd = 42")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(old).isEqualTo(1);
        }
    }
}
