package dev.tollgate.hybrid;

import dev.tollgate.store.Database;
import dev.tollgate.store.Ledger;
import dev.tollgate.store.LedgerRow;
import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two control-plane replicas on one server database storing the same batches at the same moment
 * (a data plane's retry reaching the second while the first still writes): each row is stored once
 * and counted once in the rollups, and the two answers' "stored" add up to the rows.
 */
class UsageTwoReplicasTest {

    static final String PLANE = "dp_00000000000000ff";
    static final int BATCHES = 20;
    static final int ROWS = 50;

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void theSameBatchOnTwoReplicasAtOnceIsStoredAndCountedOnce(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind)) {
            Database.Target target = Database.Target.of(t.setting(), t.user(), null, 4);
            try (Database a = Database.open(target); Database b = Database.open(target);
                 Ledger one = new Ledger(a, 100, 60_000); Ledger two = new Ledger(b, 100, 60_000)) {
                int stored = 0;
                for (int batch = 0; batch < BATCHES; batch++) {
                    List<LedgerRow> rows = new ArrayList<>();
                    for (int i = 0; i < ROWS; i++) rows.add(UsageSpoolTest.row(batch * ROWS + i));
                    long now = System.currentTimeMillis();
                    CompletableFuture<Integer> x = one.storeReceived(rows, PLANE, c -> {
                        DataPlaneRows.lock(c, PLANE, "dpt_1", "1", now);
                        return null;
                    }, (c, n) -> DataPlaneRows.received(c, PLANE, "dpt_1", "1", n, 0, now));
                    CompletableFuture<Integer> y = two.storeReceived(rows, PLANE, c -> {
                        DataPlaneRows.lock(c, PLANE, "dpt_1", "1", now);
                        return null;
                    }, (c, n) -> DataPlaneRows.received(c, PLANE, "dpt_1", "1", n, 0, now));
                    stored += x.join() + y.join();
                }
                assertThat(stored).isEqualTo(BATCHES * ROWS);
            }
            try (Connection c = t.connect(); Statement s = c.createStatement()) {
                assertThat(one(s, "SELECT COUNT(*) FROM ledger WHERE data_plane_id = '" + PLANE + "'")).isEqualTo(BATCHES * ROWS);
                assertThat(one(s, "SELECT SUM(requests) FROM ledger_hourly")).isEqualTo(BATCHES * ROWS);
                assertThat(one(s, "SELECT SUM(requests) FROM ledger_daily")).isEqualTo(BATCHES * ROWS);
                assertThat(one(s, "SELECT rows_received FROM data_planes WHERE id = '" + PLANE + "'")).isEqualTo(BATCHES * ROWS);
            }
        }
    }

    private static long one(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
