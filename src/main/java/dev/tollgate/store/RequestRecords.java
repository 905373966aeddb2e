package dev.tollgate.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The request records: ledger rows newest first, with their latency, findings and (where logging
 * stored them) prompt and answer texts, paged by a cursor on (time, id). Old texts are deleted by
 * {@link #deleteTextsBefore} in small batches; the ledger rows themselves are accounting (budgets
 * and reports read them) and stay.
 */
public final class RequestRecords {

    private RequestRecords() {}

    /** Filter names and the columns they compare; {@code status} is handled apart (a code or a class such as 5xx). */
    public static final Map<String, String> FILTERS = Map.of("key", "key_id", "user", "user_id", "team", "team_id", "model", "model",
            "endpoint", "endpoint");

    public record Record(long id, String rowId, long ts, String requestId, String keyId, String user, String team, String model,
                         String endpoint, int status, long inputTokens, long outputTokens, long costNanoUsd, Long latencyMs, Long ttfbMs,
                         String findings, String prompt, String answer) {}

    public record Page(List<Record> data, String next) {}

    /** A status filter: one code (429) or a class (4xx). */
    public record StatusFilter(int low, int high) {
        public static StatusFilter parse(String v) {
            if (v.matches("[1-5][0-9][0-9]")) return new StatusFilter(Integer.parseInt(v), Integer.parseInt(v));
            if (v.matches("[1-5]xx")) {
                int c = (v.charAt(0) - '0') * 100;
                return new StatusFilter(c, c + 99);
            }
            throw new IllegalArgumentException("status: expected a status code (429) or a class (4xx)");
        }
    }

    /** Where a page starts: before this time and id. */
    public record Cursor(long ts, long id) {
        public String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((ts + ":" + id).getBytes(StandardCharsets.US_ASCII));
        }

        public static Cursor decode(String s) {
            try {
                String[] p = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.US_ASCII).split(":");
                if (p.length != 2) throw new IllegalArgumentException();
                return new Cursor(Long.parseLong(p[0]), Long.parseLong(p[1]));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("before: not a cursor from a previous page's 'next'");
            }
        }
    }

    /** Up to {@code limit} records of {@code from <= ts < to} matching the filters, newest first, and the cursor of the next page. */
    public static Page list(Connection c, long from, long to, Map<String, String> filters, StatusFilter status, Cursor before, int limit)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT l.id, l.row_id, l.ts, l.request_id, l.key_id, l.user_id, l.team_id, l.model, l.endpoint, "
                + "l.status, l.input_tokens, l.output_tokens, l.cost_nanousd, l.latency_ms, l.ttfb_ms, l.findings, t.prompt, t.answer "
                + "FROM ledger l LEFT JOIN request_texts t ON t.row_id = l.row_id WHERE l.ts >= ? AND l.ts < ?");
        List<Object> args = new ArrayList<>(List.of(from, to));
        for (Map.Entry<String, String> f : filters.entrySet()) {
            sql.append(" AND l.").append(FILTERS.get(f.getKey())).append(" = ?");
            args.add(f.getValue());
        }
        if (status != null) {
            sql.append(" AND l.status >= ? AND l.status <= ?");
            args.add((long) status.low());
            args.add((long) status.high());
        }
        if (before != null) {
            sql.append(" AND (l.ts < ? OR (l.ts = ? AND l.id < ?))");
            args.add(before.ts());
            args.add(before.ts());
            args.add(before.id());
        }
        sql.append(" ORDER BY l.ts DESC, l.id DESC LIMIT ?");
        args.add((long) limit + 1);
        List<Record> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i) instanceof Long n) ps.setLong(i + 1, n);
                else ps.setString(i + 1, (String) args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Record(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7), rs.getString(8), rs.getString(9), rs.getInt(10), rs.getLong(11), rs.getLong(12), rs.getLong(13),
                            nullableLong(rs, 14), nullableLong(rs, 15), rs.getString(16), rs.getString(17), rs.getString(18)));
                }
            }
        }
        if (out.size() <= limit) return new Page(out, null);
        Record last = out.get(limit - 1);
        return new Page(List.copyOf(out.subList(0, limit)), new Cursor(last.ts(), last.id()).encode());
    }

    private static Long nullableLong(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    /** Deletes up to {@code batch} prompt and answer texts recorded before {@code cutoff}; returns how many. */
    public static int deleteTextsBefore(Connection c, long cutoff, int batch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlDialect.of(c).deleteOlderBatch("request_texts", "row_id"))) {
            ps.setLong(1, cutoff);
            ps.setInt(2, batch);
            return ps.executeUpdate();
        }
    }
}
