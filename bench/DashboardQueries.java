import dev.tollgate.store.Database;
import dev.tollgate.store.Ledger;
import dev.tollgate.store.LedgerRow;
import dev.tollgate.store.OverviewQuery;
import dev.tollgate.store.RequestRecords;
import dev.tollgate.store.UsageQueries;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The dashboard's queries over a ledger of ROWS rows (default 1,000,000), on one database: fills it
 * through the ledger writer (rows, rollups and texts, as the gateway writes them), then times each
 * query (median of RUNS runs after two warm-ups). Run by bench/dashboard.sh; or by hand:
 *
 *   java -cp target/classes:$(cat target/cp.txt) bench/DashboardQueries.java <database setting> [user]
 *
 * The traffic: 30 days, 200 keys of 40 users in 8 teams, 6 models (each key mostly uses one),
 * 3 endpoints, 2 % 429s and 1 % 500s, log-normal latencies around 800 ms, 2 % of requests with
 * 1 KB of prompt and answer text.
 */
public class DashboardQueries {

    static final long HOUR = 3_600_000L, DAY = 86_400_000L;
    /** 2026-11-01T00:00:00Z: the data covers the 30 days after it; "now" is 17 minutes past the end. */
    static final long START = 1_793_491_200_000L;
    static final long NOW = START + 30 * DAY + 17 * 60_000;
    static final String[] MODELS = {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4", "gemini-2.5-flash", "o4-mini", "text-embedding-3-small"};
    static final String[] ENDPOINTS = {"/v1/chat/completions", "/v1/responses", "/v1/embeddings"};

    public static void main(String[] args) throws Exception {
        int rows = Integer.parseInt(System.getenv().getOrDefault("ROWS", "1000000"));
        int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "7"));
        String target = args[0];
        String user = args.length > 1 ? args[1] : null;
        try (Database db = Database.open(Database.Target.of(target, user, null, 4))) {
            long count = db.read(c -> {
                try (var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM ledger")) {
                    rs.next();
                    return rs.getLong(1);
                }
            }).join();
            if (count == 0) fill(db, rows);
            else System.out.println("ledger already holds " + count + " rows");
            Map<String, Supplier<Object>> queries = new LinkedHashMap<>();
            long from30 = NOW - 30 * DAY;
            queries.put("usage by model, 30 days", () -> db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.MODEL, from30, NOW + 1, Map.of())).join());
            queries.put("usage by key, 30 days", () -> db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.KEY, from30, NOW + 1, Map.of())).join());
            queries.put("usage by day, 30 days", () -> db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.DAY, from30, NOW + 1, Map.of())).join());
            queries.put("usage by user, team filter, 30 days", () -> db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.USER, from30, NOW + 1,
                    Map.of("team", "team-3"))).join());
            queries.put("overview, 30 days by day", () -> db.read(c -> OverviewQuery.of(c, from30, NOW + 1, DAY)).join());
            queries.put("overview, 7 days by hour", () -> db.read(c -> OverviewQuery.of(c, NOW - 7 * DAY, NOW + 1, HOUR)).join());
            queries.put("overview, 24 hours by hour", () -> db.read(c -> OverviewQuery.of(c, NOW - DAY, NOW + 1, HOUR)).join());
            queries.put("requests, first page (50)", () -> db.read(c -> RequestRecords.list(c, 0, NOW + 1, Map.of(), null, null, 50)).join());
            queries.put("requests, key filter", () -> db.read(c -> RequestRecords.list(c, 0, NOW + 1, Map.of("key", "key_0042"), null, null, 50)).join());
            queries.put("requests, status 5xx", () -> db.read(c -> RequestRecords.list(c, 0, NOW + 1, Map.of(),
                    RequestRecords.StatusFilter.parse("5xx"), null, 50)).join());
            queries.put("requests, model + endpoint filter", () -> db.read(c -> RequestRecords.list(c, 0, NOW + 1,
                    Map.of("model", "o4-mini", "endpoint", "/v1/responses"), null, null, 50)).join());
            queries.put("requests, 20th page by cursor", () -> {
                RequestRecords.Cursor at = null;
                RequestRecords.Page p = null;
                for (int i = 0; i < 20; i++) {
                    RequestRecords.Cursor before = at;
                    p = db.read(c -> RequestRecords.list(c, 0, NOW + 1, Map.of(), null, before, 50)).join();
                    at = RequestRecords.Cursor.decode(p.next());
                }
                return p;
            });
            System.out.printf("%-40s %10s %10s%n", "query", "median ms", "max ms");
            for (Map.Entry<String, Supplier<Object>> q : queries.entrySet()) {
                q.getValue().get();
                q.getValue().get();
                double[] t = new double[runs];
                for (int i = 0; i < runs; i++) {
                    long s = System.nanoTime();
                    q.getValue().get();
                    t[i] = (System.nanoTime() - s) / 1e6;
                }
                Arrays.sort(t);
                // The 20th page is 20 queries: its figure is per page.
                double per = q.getKey().startsWith("requests, 20th") ? 20 : 1;
                System.out.printf("%-40s %10.1f %10.1f%s%n", q.getKey(), t[runs / 2] / per, t[runs - 1] / per, per > 1 ? " (per page)" : "");
            }
        }
    }

    static void fill(Database db, int rows) {
        Random r = new Random(42);
        long step = 30 * DAY / rows;
        Ledger ledger = new Ledger(db, 100_000, 600_000);
        String text = "x".repeat(1_000);
        long started = System.nanoTime();
        for (int i = 0; i < rows; i++) {
            int key = (int) Math.min(199, Math.abs(r.nextGaussian()) * 60);
            int u = key % 40;
            String model = r.nextInt(10) < 8 ? MODELS[key % MODELS.length] : MODELS[r.nextInt(MODELS.length)];
            String endpoint = model.startsWith("text-") ? ENDPOINTS[2] : ENDPOINTS[r.nextInt(10) < 7 ? 0 : 1];
            int roll = r.nextInt(100);
            int status = roll < 2 ? 429 : roll < 3 ? 500 : 200;
            long latency = (long) Math.exp(Math.log(800) + 0.6 * r.nextGaussian());
            boolean logged = r.nextInt(50) == 0;
            long in = 200 + r.nextInt(2_000), out = status == 200 ? 50 + r.nextInt(800) : 0;
            ledger.record(new LedgerRow(LedgerRow.newRowId(), START + i * step + r.nextInt((int) Math.max(1, step)), "req_" + i,
                    String.format("key_%04d", key), "user-" + u, "team-" + (u % 8), model, endpoint, status, in, 0, 0, out, 0,
                    (in * 150 + out * 600), "upstream", true, latency, null, null, logged ? text : null, logged ? text : null));
            if (i % 50_000 == 49_999) {
                ledger.flush();
                System.out.printf("  %,d rows written (%.0f s)%n", i + 1, (System.nanoTime() - started) / 1e9);
            }
        }
        ledger.close();
        System.out.printf("filled %,d rows in %.0f s%n", rows, (System.nanoTime() - started) / 1e9);
    }
}
