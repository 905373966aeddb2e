package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sums over a period from the rollups: whole UTC days from the daily one, whole hours at the ends
 * from the hourly one, and the ledger's rows only for the parts of hours at either end, so a report
 * reads at most two hours of rows whatever its length.
 */
final class Spans {

    private Spans() {}

    /** Requests, errors (status >= 400), tokens and cost of one group. */
    record Totals(long requests, long errors, long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                  long costNanoUsd) {
        static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0);

        Totals plus(Totals o) {
            return new Totals(requests + o.requests, errors + o.errors, inputTokens + o.inputTokens, cachedInputTokens + o.cachedInputTokens,
                    outputTokens + o.outputTokens, reasoningTokens + o.reasoningTokens, costNanoUsd + o.costNanoUsd);
        }
    }

    /** Column filters (column = value), the same in the ledger and the rollups. */
    record Filter(String column, String value) {}

    /** A piece of a period: {@code from <= ts < to}, read from a rollup {@code level} or (null) from the ledger's rows. */
    record Part(long from, long to, Rollups.Level level) {}

    private static final String RAW_SUMS = "COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), "
            + "SUM(cached_input_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_nanousd)";
    private static final String ROLLUP_SUMS = "SUM(requests), SUM(errors), SUM(input_tokens), SUM(cached_input_tokens), "
            + "SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_nanousd)";

    /** Totals per group over {@code from <= ts < to}, grouped by one SQL expression (see {@link #sumBy}); null: one total under "". */
    static Map<String, Totals> sum(Connection c, String group, long from, long to, List<Filter> filters) throws SQLException {
        return sum(c, group, from, to, filters, Long.MAX_VALUE);
    }

    /** As {@link #sum(Connection, String, long, long, List)}, reading no rollup coarser than {@code coarsestMillis} (a series by hour). */
    static Map<String, Totals> sum(Connection c, String group, long from, long to, List<Filter> filters, long coarsestMillis)
            throws SQLException {
        Map<String, Totals> out = new HashMap<>();
        for (Map.Entry<List<String>, Totals> e : sumBy(c, group == null ? List.of() : List.of(group), from, to, filters, coarsestMillis)
                .entrySet()) {
            out.put(e.getKey().isEmpty() ? "" : e.getKey().get(0), e.getValue());
        }
        return out;
    }

    /**
     * Totals per group over {@code from <= ts < to}; {@code groups} are SQL expressions over columns
     * the ledger and the rollups both have (a missing key, user, team or model reads as "").
     */
    static Map<List<String>, Totals> sumBy(Connection c, List<String> groups, long from, long to, List<Filter> filters, long coarsestMillis)
            throws SQLException {
        Map<List<String>, Totals> out = new HashMap<>();
        for (Part part : parts(from, to, coarsestMillis)) {
            boolean rollup = part.level() != null;
            List<String> g = new ArrayList<>();
            for (String e : groups) g.add(rollup ? e : e.replaceAll("\\b(key_id|user_id|team_id|model)\\b", "COALESCE($1, '')"));
            StringBuilder sql = new StringBuilder("SELECT ");
            for (String e : g) sql.append(e).append(", ");
            sql.append(rollup ? ROLLUP_SUMS : RAW_SUMS).append(" FROM ").append(rollup ? part.level().table() : "ledger")
                    .append(" WHERE ts >= ? AND ts < ?");
            for (Filter f : filters) sql.append(" AND ").append(f.column()).append(" = ?");
            if (!g.isEmpty()) sql.append(" GROUP BY ").append(String.join(", ", g));
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                ps.setLong(1, part.from());
                ps.setLong(2, part.to());
                for (int i = 0; i < filters.size(); i++) ps.setString(3 + i, filters.get(i).value());
                try (ResultSet rs = ps.executeQuery()) {
                    int n = g.size();
                    while (rs.next()) {
                        List<String> key = new ArrayList<>(n);
                        for (int i = 1; i <= n; i++) key.add(rs.getString(i) == null ? "" : rs.getString(i));
                        Totals t = new Totals(rs.getLong(n + 1), rs.getLong(n + 2), rs.getLong(n + 3), rs.getLong(n + 4), rs.getLong(n + 5),
                                rs.getLong(n + 6), rs.getLong(n + 7));
                        out.merge(key, t, Totals::plus);
                    }
                }
            }
        }
        return out;
    }

    /** The period cut into parts: the coarsest rollup's whole periods in the middle, finer ones towards the ends, rows at the very ends. */
    static List<Part> parts(long from, long to, long coarsestMillis) {
        List<Part> out = new ArrayList<>(5);
        split(from, to, 0, coarsestMillis, out);
        return out;
    }

    private static void split(long from, long to, int level, long coarsestMillis, List<Part> out) {
        if (from >= to) return;
        if (level == Rollups.LEVELS.size()) {
            out.add(new Part(from, to, null));
            return;
        }
        Rollups.Level l = Rollups.LEVELS.get(level);
        if (l.millis() > coarsestMillis) {
            split(from, to, level + 1, coarsestMillis, out);
            return;
        }
        long a = Math.floorDiv(from, l.millis()) * l.millis();
        if (a < from) a += l.millis();
        long b = Math.floorDiv(to, l.millis()) * l.millis();
        if (a >= b) {
            split(from, to, level + 1, coarsestMillis, out);
            return;
        }
        split(from, a, level + 1, coarsestMillis, out);
        out.add(new Part(a, b, l));
        split(b, to, level + 1, coarsestMillis, out);
    }
}
