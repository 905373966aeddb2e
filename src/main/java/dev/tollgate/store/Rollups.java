package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the ledger writer adds beside its rows, in the same transaction: the hourly rollup
 * (requests, errors, tokens and cost per hour, key, user, team, model and endpoint), the hourly
 * latency histogram, and the prompt and answer texts. Only rows not stored before count: a spool
 * replayed after a crash, or rows retried after a write whose commit may have happened, would
 * otherwise be counted twice in the rollup; for those the writer asks the database which row ids
 * it holds (only this replica's writer stores its row ids, so the answer is exact).
 */
final class Rollups {

    static final long HOUR = 3_600_000L;
    static final long DAY = 86_400_000L;

    /** A rollup: its table, its latency histogram's table, and the length of its periods (UTC-aligned). */
    record Level(String table, String latencyTable, long millis) {}

    /** Coarsest first: a report reads days where it can, hours at the ends, rows within the ends' hours. */
    static final List<Level> LEVELS = List.of(new Level("ledger_daily", "ledger_latency_daily", DAY),
            new Level("ledger_hourly", "ledger_latency_hourly", HOUR));
    private static final int IN_CHUNK = 500;

    private Rollups() {}

    /** The rows whose row id the ledger does not hold yet, each once (a row queued twice is one row). */
    static List<LedgerRow> notYetStored(Connection c, List<LedgerRow> rows) throws SQLException {
        Set<String> present = new HashSet<>();
        for (int i = 0; i < rows.size(); i += IN_CHUNK) {
            List<LedgerRow> chunk = rows.subList(i, Math.min(rows.size(), i + IN_CHUNK));
            String sql = "SELECT row_id FROM ledger WHERE row_id IN (" + "?,".repeat(chunk.size() - 1) + "?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int j = 0; j < chunk.size(); j++) ps.setString(j + 1, chunk.get(j).rowId());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) present.add(rs.getString(1));
                }
            }
        }
        List<LedgerRow> fresh = new ArrayList<>(rows.size());
        Set<String> seen = new HashSet<>();
        for (LedgerRow r : rows) if (!present.contains(r.rowId()) && seen.add(r.rowId())) fresh.add(r);
        return fresh;
    }

    /** Each row once (a row queued twice is one row). */
    static List<LedgerRow> once(List<LedgerRow> rows) {
        Set<String> seen = new HashSet<>();
        List<LedgerRow> out = new ArrayList<>(rows.size());
        for (LedgerRow r : rows) if (seen.add(r.rowId())) out.add(r);
        return out;
    }

    private record Dims(long period, String key, String user, String team, String model, String endpoint) implements Comparable<Dims> {
        static Dims of(LedgerRow r, long millis) {
            return new Dims(Math.floorDiv(r.ts(), millis) * millis, nz(r.keyId()), nz(r.user()), nz(r.team()), nz(r.model()), nz(r.endpoint()));
        }

        @Override
        public int compareTo(Dims o) { // one order for every writer: upserts from two replicas never wait on each other in a cycle
            int c = Long.compare(period, o.period);
            if (c != 0) return c;
            return String.join("\u001f", key, user, team, model, endpoint).compareTo(String.join("\u001f", o.key, o.user, o.team, o.model, o.endpoint));
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    static final String COLUMNS = "ts, key_id, user_id, team_id, model, endpoint, requests, errors, input_tokens, "
            + "cached_input_tokens, output_tokens, reasoning_tokens, cost_nanousd";

    /** Adds rows (stored in this transaction) to each rollup and latency histogram, and stores their texts. */
    static void add(Connection c, SqlDialect d, List<LedgerRow> rows) throws SQLException {
        for (Level level : LEVELS) add(c, d, rows, level);
        texts(c, d, rows);
    }

    private static void add(Connection c, SqlDialect d, List<LedgerRow> rows, Level level) throws SQLException {
        long millis = level.millis();
        Map<Dims, long[]> sums = new TreeMap<>();
        Map<List<Long>, long[]> latency = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0)) ? Long.compare(a.get(1), b.get(1))
                : Long.compare(a.get(0), b.get(0)));
        for (LedgerRow r : rows) {
            long[] s = sums.computeIfAbsent(Dims.of(r, millis), k -> new long[7]);
            s[0]++;
            if (r.status() >= 400) s[1]++;
            s[2] += r.inputTokens();
            s[3] += r.cachedInputTokens();
            s[4] += r.outputTokens();
            s[5] += r.reasoningTokens();
            s[6] += r.costNanoUsd();
            if (r.latencyMs() != null) {
                long period = Math.floorDiv(r.ts(), millis) * millis;
                latency.computeIfAbsent(List.of(period, (long) LatencyHistogram.bucket(r.latencyMs())), k -> new long[1])[0]++;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(d.upsertAdding(level.table(), COLUMNS,
                "ts, key_id, user_id, team_id, model, endpoint", "requests", "errors", "input_tokens", "cached_input_tokens",
                "output_tokens", "reasoning_tokens", "cost_nanousd"))) {
            for (Map.Entry<Dims, long[]> e : sums.entrySet()) {
                Dims k = e.getKey();
                ps.setLong(1, k.period());
                ps.setString(2, k.key());
                ps.setString(3, k.user());
                ps.setString(4, k.team());
                ps.setString(5, k.model());
                ps.setString(6, k.endpoint());
                for (int i = 0; i < 7; i++) ps.setLong(7 + i, e.getValue()[i]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        if (!latency.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(d.upsertAdding(level.latencyTable(), "ts, bucket, requests", "ts, bucket",
                    "requests"))) {
                for (Map.Entry<List<Long>, long[]> e : latency.entrySet()) {
                    ps.setLong(1, e.getKey().get(0));
                    ps.setInt(2, e.getKey().get(1).intValue());
                    ps.setLong(3, e.getValue()[0]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    /**
     * Fills every rollup anew from the ledger's rows ({@code tollgate db copy}, which writes rows
     * directly): sums in SQL, latency buckets while the rows stream past.
     */
    static void rebuild(Connection c) throws SQLException {
        SqlDialect d = SqlDialect.of(c);
        List<Map<List<Long>, long[]>> latency = new ArrayList<>();
        for (Level level : LEVELS) {
            try (java.sql.Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM " + level.table());
                s.executeUpdate("DELETE FROM " + level.latencyTable());
                s.executeUpdate("INSERT INTO " + level.table() + " (" + COLUMNS + ") SELECT " + d.floorTo("ts", level.millis())
                        + ", COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), COALESCE(model, ''), endpoint, COUNT(*), "
                        + "SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens), "
                        + "SUM(reasoning_tokens), SUM(cost_nanousd) FROM ledger GROUP BY 1, 2, 3, 4, 5, 6");
            }
            latency.add(new java.util.HashMap<>());
        }
        try (java.sql.Statement s = c.createStatement()) {
            s.setFetchSize(1_000);
            try (ResultSet rs = s.executeQuery("SELECT ts, latency_ms FROM ledger WHERE latency_ms IS NOT NULL")) {
                while (rs.next()) {
                    long ts = rs.getLong(1);
                    long bucket = LatencyHistogram.bucket(rs.getLong(2));
                    for (int i = 0; i < LEVELS.size(); i++) {
                        long m = LEVELS.get(i).millis();
                        latency.get(i).computeIfAbsent(List.of(Math.floorDiv(ts, m) * m, bucket), k -> new long[1])[0]++;
                    }
                }
            }
        }
        for (int i = 0; i < LEVELS.size(); i++) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + LEVELS.get(i).latencyTable() + " (ts, bucket, requests) VALUES (?, ?, ?)")) {
                for (Map.Entry<List<Long>, long[]> e : latency.get(i).entrySet()) {
                    ps.setLong(1, e.getKey().get(0));
                    ps.setInt(2, e.getKey().get(1).intValue());
                    ps.setLong(3, e.getValue()[0]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private static void texts(Connection c, SqlDialect d, List<LedgerRow> rows) throws SQLException {
        List<LedgerRow> texts = rows.stream().filter(LedgerRow::hasText).toList();
        if (!texts.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(d.insertUnlessPresent("request_texts", "row_id, ts, prompt, answer", "row_id"))) {
                for (LedgerRow r : texts) {
                    ps.setString(1, r.rowId());
                    ps.setLong(2, r.ts());
                    ps.setString(3, r.prompt());
                    ps.setString(4, r.answer());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }
}
