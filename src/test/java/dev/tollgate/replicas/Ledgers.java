package dev.tollgate.replicas;

import dev.tollgate.support.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

/** The ledger rows of one key, read straight from the shared database (every replica writes there). */
final class Ledgers {

    /** One key's rows: request id → cost in nano-dollars (a request id seen twice fails the test). */
    record Rows(Map<String, Long> costByRequest, Map<String, Integer> statusByRequest, int count) {
        long totalCost() {
            return costByRequest.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private Ledgers() {}

    static Rows of(TestDatabase db, String keyId) throws Exception {
        Map<String, Long> cost = new HashMap<>();
        Map<String, Integer> status = new HashMap<>();
        int count = 0;
        try (Connection c = db.connect();
             PreparedStatement st = c.prepareStatement("SELECT request_id, cost_nanousd, status FROM ledger WHERE key_id = ?")) {
            st.setString(1, keyId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    count++;
                    cost.put(rs.getString(1), rs.getLong(2));
                    status.put(rs.getString(1), rs.getInt(3));
                }
            }
        }
        return new Rows(cost, status, count);
    }

    /**
     * Waits until the key has {@code expected} rows (each replica writes its queue every
     * TOLLGATE_LEDGER_FLUSH_MS), then a little longer, so a row too many would show too.
     */
    static Rows await(TestDatabase db, String keyId, int expected) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        Rows rows = of(db, keyId);
        while (rows.count() < expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            rows = of(db, keyId);
        }
        Thread.sleep(500); // several flush intervals: nothing more may arrive
        return of(db, keyId);
    }
}
