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
 * Sums over a period from the hourly rollup for its whole hours and from the ledger's rows for the
 * parts of hours at either end, so a report reads at most two hours of rows whatever its length.
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

    /** Column filters (column = value), the same in the ledger and the rollup. */
    record Filter(String column, String value) {}

    private static final String RAW_SUMS = "COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), "
            + "SUM(cached_input_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_nanousd)";
    private static final String ROLLUP_SUMS = "SUM(requests), SUM(errors), SUM(input_tokens), SUM(cached_input_tokens), "
            + "SUM(output_tokens), SUM(reasoning_tokens), SUM(cost_nanousd)";

    /**
     * Totals per group over {@code from <= ts < to}; {@code group} is an SQL expression over columns
     * both tables have (a missing key, user, team or model reads as ""), or null for one total under "".
     */
    static Map<String, Totals> sum(Connection c, String group, long from, long to, List<Filter> filters) throws SQLException {
        Map<String, Totals> out = new HashMap<>();
        for (long[] part : parts(from, to)) {
            boolean rollup = part[2] == 1;
            String g = group == null ? "''" : rollup ? group : group.replaceAll("\\b(key_id|user_id|team_id|model)\\b", "COALESCE($1, '')");
            StringBuilder sql = new StringBuilder("SELECT ").append(g).append(" AS g, ").append(rollup ? ROLLUP_SUMS : RAW_SUMS)
                    .append(" FROM ").append(rollup ? "ledger_hourly" : "ledger").append(" WHERE ts >= ? AND ts < ?");
            for (Filter f : filters) sql.append(" AND ").append(f.column()).append(" = ?");
            if (group != null) sql.append(" GROUP BY ").append(g);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                ps.setLong(1, part[0]);
                ps.setLong(2, part[1]);
                for (int i = 0; i < filters.size(); i++) ps.setString(3 + i, filters.get(i).value());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String key = rs.getString(1);
                        Totals t = new Totals(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                                rs.getLong(8));
                        out.merge(key == null ? "" : key, t, Totals::plus);
                    }
                }
            }
        }
        return out;
    }

    /** The period cut into [from, to, 1 = from the rollup / 0 = from the rows] parts. */
    static List<long[]> parts(long from, long to) {
        List<long[]> out = new ArrayList<>(3);
        long h1 = Math.floorDiv(from + Rollups.HOUR - 1, Rollups.HOUR) * Rollups.HOUR;
        long h2 = Math.floorDiv(to, Rollups.HOUR) * Rollups.HOUR;
        if (h1 >= h2) {
            if (from < to) out.add(new long[]{from, to, 0});
            return out;
        }
        if (from < h1) out.add(new long[]{from, h1, 0});
        out.add(new long[]{h1, h2, 1});
        if (h2 < to) out.add(new long[]{h2, to, 0});
        return out;
    }
}
