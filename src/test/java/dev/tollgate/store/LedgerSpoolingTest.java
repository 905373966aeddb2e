package dev.tollgate.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger while its database refuses writes: rows wait in the spool, in order, and nothing is lost. */
class LedgerSpoolingTest {

    @TempDir
    Path dir;

    private static LedgerRow row(int i) {
        return new LedgerRow("lr_" + i, 1_000L + i, "req_" + i, "key_a", "u", "t", "gpt-4o-mini", "/v1/chat/completions", 200,
                10, 0, 0, 5, 0, 1_000L + i, "upstream", true);
    }

    /** The ledger table unusable, as when the server is unreachable: every write fails until it is back. */
    private static void cut(Database db) {
        db.write(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE ledger RENAME TO ledger_away");
            }
            return null;
        }).join(); // on the store writer, like every write
    }

    private static void restore(Database db) {
        db.write(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE ledger_away RENAME TO ledger");
            }
            return null;
        }).join(); // on the store writer, like every write
    }

    private static List<String> requestIds(Database db) {
        return db.write(c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT request_id FROM ledger ORDER BY id")) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }).join();
    }

    @Test
    void rowsRecordedDuringAnOutageAreSpooledThenWrittenInOrderWhenTheDatabaseIsBack() throws Exception {
        try (Database db = Database.open(dir.resolve("l.db").toString())) {
            LedgerSpool spool = LedgerSpool.open(dir.resolve("data"));
            Ledger ledger = new Ledger(db, 1_000, 60_000, spool); // flushed by hand below
            ledger.record(row(1));
            ledger.flush();
            cut(db);
            for (int i = 2; i <= 6; i++) ledger.record(row(i));
            ledger.flush();
            assertThat(ledger.unreachable()).isTrue();
            assertThat(ledger.spooled()).isEqualTo(5);
            assertThat(ledger.queued()).isZero();
            ledger.record(row(7));
            ledger.flush();
            assertThat(ledger.spooled()).isEqualTo(6);

            restore(db);
            ledger.record(row(8));
            ledger.flush();
            assertThat(ledger.unreachable()).isFalse();
            assertThat(ledger.spooled()).isZero();
            assertThat(ledger.replayed()).isEqualTo(6);
            assertThat(ledger.dropped()).isZero();
            assertThat(requestIds(db)).containsExactly("req_1", "req_2", "req_3", "req_4", "req_5", "req_6", "req_7", "req_8");
            ledger.close();
            spool.release();
        }
    }

    @Test
    void aGatewayStoppedDuringAnOutageSpoolsWhatIsQueuedAndTheNextStartWritesIt() throws Exception {
        Path data = dir.resolve("data");
        try (Database db = Database.open(dir.resolve("l.db").toString())) {
            LedgerSpool spool = LedgerSpool.open(data);
            Ledger ledger = new Ledger(db, 1_000, 60_000, spool);
            cut(db);
            for (int i = 1; i <= 3; i++) ledger.record(row(i));
            ledger.close(); // SIGTERM: the database refuses, so the queue goes to the spool
            spool.release();
            restore(db);

            LedgerSpool again = LedgerSpool.open(data);
            assertThat(again.size()).isEqualTo(3);
            Ledger restarted = new Ledger(db, 1_000, 60_000, again);
            restarted.flush();
            assertThat(requestIds(db)).containsExactly("req_1", "req_2", "req_3");
            assertThat(again.size()).isZero();
            restarted.close();
            again.release();
        }
    }

    @Test
    void aSecondGatewayOnTheSameDataDirectoryIsRefused() throws Exception {
        LedgerSpool first = LedgerSpool.open(dir);
        assertThatThrownBy(() -> LedgerSpool.open(dir)).hasMessageContaining("is in use by another running gateway")
                .hasMessageContaining("give each replica its own TOLLGATE_DATA_DIR");
        first.release();
        LedgerSpool.open(dir).release();
    }
}
