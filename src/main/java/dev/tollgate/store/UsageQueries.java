package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads of the ledger: what a subject spent in a period, and grouped usage reports. */
public final class UsageQueries {

    private UsageQueries() {}

    /** How a report groups rows; each maps to a fixed SQL expression (never caller text). */
    public enum GroupBy {
        KEY("key_id"), USER("user_id"), TEAM("team_id"), MODEL("model"), ENDPOINT("endpoint"),
        DAY(null); // the UTC day: each dialect has its own expression

        final String sql;

        GroupBy(String sql) {
            this.sql = sql;
        }

        public static GroupBy parse(String s) {
            for (GroupBy g : values()) if (g.name().equalsIgnoreCase(s)) return g;
            throw new IllegalArgumentException("group_by must be one of key, user, team, model, endpoint, day");
        }
    }

    /** Filter columns a report may be narrowed by. */
    public static final Map<String, String> FILTERS = Map.of("key", "key_id", "user", "user_id", "team", "team_id", "model", "model");

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

    /** Requests, tokens and cost per group, for rows with {@code from <= ts < to}, largest cost first. */
    public static List<Row> report(Connection c, GroupBy by, long from, long to, Map<String, String> filters) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(by == GroupBy.DAY ? SqlDialect.of(c).utcDay() : by.sql).append(" AS g, COUNT(*), SUM(input_tokens), ")
                .append("SUM(cached_input_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_nanousd) ")
                .append("FROM ledger WHERE ts >= ? AND ts < ?");
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> f : filters.entrySet()) {
            sql.append(" AND ").append(FILTERS.get(f.getKey())).append(" = ?");
            args.add(f.getValue());
        }
        sql.append(" GROUP BY g ORDER BY ").append(by == GroupBy.DAY ? "g" : "SUM(cost_nanousd) DESC, g");
        List<Row> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            for (int i = 0; i < args.size(); i++) ps.setString(3 + i, args.get(i));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Row(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7)));
                }
            }
        }
        return out;
    }
}
