package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Reads of the ledger: what a subject spent in a period, and grouped usage reports. */
public final class UsageQueries {

    private UsageQueries() {}

    /** How a report groups rows; each maps to a fixed SQL expression (never caller text). */
    public enum GroupBy {
        KEY("key_id"), USER("user_id"), TEAM("team_id"), MODEL("model"), ENDPOINT("endpoint"),
        DATA_PLANE("data_plane_id"), // hybrid mode: which data plane served the rows (none: the gateway itself)
        DAY(null); // the UTC day: each dialect has its own expression

        final String sql;

        GroupBy(String sql) {
            this.sql = sql;
        }

        public static GroupBy parse(String s) {
            for (GroupBy g : values()) if (g.name().equalsIgnoreCase(s)) return g;
            throw new IllegalArgumentException("group_by must be one of key, user, team, model, endpoint, data_plane, day");
        }
    }

    /** Filter columns a report may be narrowed by. */
    public static final Map<String, String> FILTERS = Map.of("key", "key_id", "user", "user_id", "team", "team_id", "model", "model",
            "data_plane", "data_plane_id");

    public record Row(String group, long requests, long inputTokens, long cachedInputTokens, long outputTokens,
                      long reasoningTokens, long costNanoUsd) {}

    /** Nano-dollars spent by key_id / user_id / team_id {@code id} since {@code fromMillis}. */
    public static long spentSince(Connection c, String column, String id, long fromMillis) throws SQLException {
        if (!FILTERS.containsValue(column)) throw new IllegalArgumentException(column);
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(cost_nanousd), 0) FROM ledger WHERE " + column
                + " = ? AND ts >= ?")) {
            ps.setString(1, id);
            ps.setLong(2, fromMillis);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Requests, tokens and cost per group, for rows with {@code from <= ts < to}, largest cost first
     * (days: in order). Whole hours are read from the hourly rollup, the rest from the rows. The
     * rollups have no data-plane column: a report by or for a data plane reads the rows (indexed by
     * data plane and time).
     */
    public static List<Row> report(Connection c, GroupBy by, long from, long to, Map<String, String> filters) throws SQLException {
        List<Spans.Filter> where = new ArrayList<>();
        for (Map.Entry<String, String> f : filters.entrySet()) where.add(new Spans.Filter(FILTERS.get(f.getKey()), f.getValue()));
        String group = by == GroupBy.DAY ? SqlDialect.of(c).utcDay() : by.sql;
        List<Row> out = new ArrayList<>();
        boolean rowsOnly = by == GroupBy.DATA_PLANE || filters.containsKey("data_plane");
        for (Map.Entry<String, Spans.Totals> e : Spans.sum(c, group, from, to, where, rowsOnly ? 0 : Long.MAX_VALUE).entrySet()) {
            Spans.Totals t = e.getValue();
            out.add(new Row(e.getKey().isEmpty() ? null : e.getKey(), t.requests(), t.inputTokens(), t.cachedInputTokens(), t.outputTokens(),
                    t.reasoningTokens(), t.costNanoUsd()));
        }
        Comparator<Row> byGroup = Comparator.comparing(Row::group, Comparator.nullsLast(Comparator.naturalOrder()));
        out.sort(by == GroupBy.DAY ? byGroup : Comparator.comparingLong(Row::costNanoUsd).reversed().thenComparing(byGroup));
        return out;
    }
}
