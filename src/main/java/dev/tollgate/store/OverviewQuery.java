package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's overview of a period: totals, a time series, latency percentiles and the top
 * spenders. Sums come from the rollups for whole days and hours ({@link Spans}). Latency percentiles
 * are exact (from the rows) for periods of at most {@link #EXACT_LATENCY_ROWS} requests, else read
 * from the hourly histograms ({@link LatencyHistogram}, within 4.9 %).
 */
public final class OverviewQuery {

    static final int EXACT_LATENCY_ROWS = 20_000;
    private static final int TOP = 10;

    private OverviewQuery() {}

    public record Totals(long requests, long errors, long inputTokens, long outputTokens, long costNanoUsd) {
        static Totals of(Spans.Totals t) {
            return new Totals(t.requests(), t.errors(), t.inputTokens(), t.outputTokens(), t.costNanoUsd());
        }
    }

    public record Point(long t, Totals totals) {}

    public record Top(String id, long requests, long costNanoUsd) {}

    /** {@code p50Ms} and {@code p95Ms} are -1 when no request of the period has a latency. */
    public record Overview(Totals totals, long p50Ms, long p95Ms, List<Point> series, List<Top> models, List<Top> keys, List<Top> users,
                           List<Top> teams) {}

    /** The overview of {@code from <= ts < to} with {@code bucketMs}-long points (an hour or a day), aligned to UTC. */
    public static Overview of(Connection c, long from, long to, long bucketMs) throws SQLException {
        SqlDialect d = SqlDialect.of(c);
        // Two reads of the rollups: per point, and per key, user, team and model (a key has one user and team).
        Map<String, Spans.Totals> byBucket = Spans.sum(c, d.floorTo("ts", bucketMs), from, to, List.of(), bucketMs);
        Spans.Totals all = Spans.Totals.ZERO;
        List<Point> series = new ArrayList<>();
        for (long t = Math.floorDiv(from, bucketMs) * bucketMs; t < to; t += bucketMs) {
            Spans.Totals p = byBucket.getOrDefault(Long.toString(t), Spans.Totals.ZERO);
            all = all.plus(p);
            series.add(new Point(t, Totals.of(p)));
        }
        Map<List<String>, Spans.Totals> byWho = Spans.sumBy(c, List.of("key_id", "user_id", "team_id", "model"), from, to, List.of(),
                Long.MAX_VALUE);
        long[] latency = all.requests() <= EXACT_LATENCY_ROWS ? exactLatency(c, from, to) : histogramLatency(c, from, to);
        return new Overview(Totals.of(all), latency[0], latency[1], series, top(byWho, 3), top(byWho, 0), top(byWho, 1), top(byWho, 2));
    }

    /** The top spenders by one of the group's columns. */
    private static List<Top> top(Map<List<String>, Spans.Totals> byWho, int column) {
        Map<String, Spans.Totals> sums = new HashMap<>();
        for (Map.Entry<List<String>, Spans.Totals> e : byWho.entrySet()) sums.merge(e.getKey().get(column), e.getValue(), Spans.Totals::plus);
        List<Top> out = new ArrayList<>();
        for (Map.Entry<String, Spans.Totals> e : sums.entrySet()) {
            if (e.getKey().isEmpty()) continue; // requests with no key, user, team or model named
            out.add(new Top(e.getKey(), e.getValue().requests(), e.getValue().costNanoUsd()));
        }
        out.sort(Comparator.comparingLong(Top::costNanoUsd).reversed().thenComparing(Comparator.comparingLong(Top::requests).reversed())
                .thenComparing(Top::id));
        return out.size() > TOP ? List.copyOf(out.subList(0, TOP)) : out;
    }

    private static long[] exactLatency(Connection c, long from, long to) throws SQLException {
        long[] values = new long[64];
        int n = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT latency_ms FROM ledger WHERE ts >= ? AND ts < ? AND latency_ms IS NOT NULL")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (n == values.length) values = java.util.Arrays.copyOf(values, n * 2);
                    values[n++] = rs.getLong(1);
                }
            }
        }
        long[] sorted = java.util.Arrays.copyOf(values, n);
        java.util.Arrays.sort(sorted);
        return new long[]{LatencyHistogram.exact(sorted, 0.50), LatencyHistogram.exact(sorted, 0.95)};
    }

    private static long[] histogramLatency(Connection c, long from, long to) throws SQLException {
        LatencyHistogram h = new LatencyHistogram();
        for (Spans.Part part : Spans.parts(from, to, Long.MAX_VALUE)) {
            boolean rollup = part.level() != null;
            String sql = rollup ? "SELECT bucket, SUM(requests) FROM " + part.level().latencyTable() + " WHERE ts >= ? AND ts < ? GROUP BY bucket"
                    : "SELECT latency_ms, 1 FROM ledger WHERE ts >= ? AND ts < ? AND latency_ms IS NOT NULL";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, part.from());
                ps.setLong(2, part.to());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) h.add(rollup ? rs.getInt(1) : LatencyHistogram.bucket(rs.getLong(1)), rs.getLong(2));
                }
            }
        }
        return new long[]{h.percentile(0.50), h.percentile(0.95)};
    }

}
