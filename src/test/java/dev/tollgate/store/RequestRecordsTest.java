package dev.tollgate.store;

import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Request records, rollups, overview and retention: the same exact figures on SQLite, PostgreSQL and MariaDB. */
class RequestRecordsTest {

    /** 2026-11-24T00:00:00Z. */
    private static final long MIDNIGHT = 1_795_478_400_000L;
    private static final long HOUR = 3_600_000L;

    private static Database open(TestDatabase t) throws Exception {
        return Database.open(Database.Target.of(t.setting(), t.user(), null, 2));
    }

    private static LedgerRow row(String id, long ts, String key, String user, String team, String model, int status, long cost, long latency,
                                 String findings, String prompt, String answer) {
        return new LedgerRow(id, ts, "req_" + id, key, user, team, model, "/v1/chat/completions", status, 100, 10, 0, 20, 5, cost, "upstream",
                true, latency, null, findings, prompt, answer);
    }

    /**
     * Six rows: 01:30 and 02:10 on the 24th (two hours apart in the rollup), 03:00, 03:59:59.999,
     * 04:00, and one at 05:20 with no key, user, team or model.
     */
    private static List<LedgerRow> rows() {
        List<LedgerRow> r = new ArrayList<>();
        r.add(row("lr_1", MIDNIGHT + HOUR + 30 * 60_000, "key_a", "ann", "lab", "gpt-4o-mini", 200, 1_000, 100,
                "[{\"policy\":\"wordfilter\",\"action\":\"redact\"}]", "{\"messages\":[]}", "{\"choices\":[]}"));
        r.add(row("lr_2", MIDNIGHT + 2 * HOUR + 10 * 60_000, "key_a", "ann", "lab", "gpt-4o", 200, 5_000, 300, null, null, null));
        r.add(row("lr_3", MIDNIGHT + 3 * HOUR, "key_b", "bob", "lab", "gpt-4o", 500, 0, 50, null, null, null));
        r.add(row("lr_4", MIDNIGHT + 4 * HOUR - 1, "key_b", "bob", "ops", "gpt-4o-mini", 429, 0, 10, null, null, null));
        r.add(row("lr_5", MIDNIGHT + 4 * HOUR, "key_c", "cy", "ops", "gpt-4o", 200, 2_000, 200, null, "{\"old\":true}", null));
        r.add(row("lr_6", MIDNIGHT + 5 * HOUR + 20 * 60_000, null, null, null, null, 200, 0, 1, null, null, null));
        return r;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void rowsFeedRollupsReportsTheOverviewAndTheRecordList(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind); Database db = open(t)) {
            Ledger ledger = new Ledger(db, 1_000, 60_000);
            List<LedgerRow> rows = rows();
            for (LedgerRow r : rows) ledger.record(r);
            ledger.close();
            // A spool replayed after a crash that came after its rows were written: stored and counted once.
            LedgerSpool spool = new LedgerSpool(java.nio.file.Files.createTempDirectory("tg-spool").resolve("ledger-spool.jsonl"));
            spool.append(List.of(rows.get(0), rows.get(4)));
            new Ledger(db, 1_000, 60_000, spool).close();
            assertThat(spool.size()).isZero();

            // The rollup: one row per hour and key, user, team, model, endpoint.
            assertThat(strings(db, "SELECT ts, key_id, user_id, team_id, model, requests, errors, cost_nanousd FROM ledger_hourly ORDER BY ts"))
                    .containsExactly(
                            (MIDNIGHT + HOUR) + "|key_a|ann|lab|gpt-4o-mini|1|0|1000",
                            (MIDNIGHT + 2 * HOUR) + "|key_a|ann|lab|gpt-4o|1|0|5000",
                            (MIDNIGHT + 3 * HOUR) + "|key_b|bob|lab|gpt-4o|1|1|0",
                            (MIDNIGHT + 3 * HOUR) + "|key_b|bob|ops|gpt-4o-mini|1|1|0",
                            (MIDNIGHT + 4 * HOUR) + "|key_c|cy|ops|gpt-4o|1|0|2000",
                            (MIDNIGHT + 5 * HOUR) + "|||||1|0|0");
            assertThat(strings(db, "SELECT ts, model, SUM(requests), SUM(cost_nanousd) FROM ledger_daily GROUP BY ts, model ORDER BY model")).containsExactly(
                    MIDNIGHT + "||1|0", MIDNIGHT + "|gpt-4o|3|7000", MIDNIGHT + "|gpt-4o-mini|2|1000");
            // Latency buckets: 100 ms → 49, 300 ms → 60, 50 ms → 42, 10 ms → 25, 200 ms → 56, 1 ms → 1.
            assertThat(strings(db, "SELECT ts, bucket, requests FROM ledger_latency_hourly ORDER BY ts, bucket")).containsExactly(
                    (MIDNIGHT + HOUR) + "|49|1", (MIDNIGHT + 2 * HOUR) + "|60|1", (MIDNIGHT + 3 * HOUR) + "|25|1",
                    (MIDNIGHT + 3 * HOUR) + "|42|1", (MIDNIGHT + 4 * HOUR) + "|56|1", (MIDNIGHT + 5 * HOUR) + "|1|1");
            assertThat(strings(db, "SELECT row_id, prompt, answer FROM request_texts ORDER BY row_id"))
                    .containsExactly("lr_1|{\"messages\":[]}|{\"choices\":[]}", "lr_5|{\"old\":true}|null");

            // Reports: whole hours from the rollup, the ends from the rows; the same as the rows say.
            long from = MIDNIGHT + HOUR + 40 * 60_000; // 01:40: lr_1 is outside
            long to = MIDNIGHT + 4 * HOUR + 1;         // lr_5 at 04:00:00.000 is inside
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.MODEL, from, to, Map.of())).join()).containsExactly(
                    new UsageQueries.Row("gpt-4o", 3, 300, 30, 60, 15, 7_000), new UsageQueries.Row("gpt-4o-mini", 1, 100, 10, 20, 5, 0));
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.TEAM, MIDNIGHT, MIDNIGHT + 6 * HOUR, Map.of("user", "bob")))
                    .join()).containsExactly(new UsageQueries.Row("lab", 1, 100, 10, 20, 5, 0), new UsageQueries.Row("ops", 1, 100, 10, 20, 5, 0));
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.KEY, MIDNIGHT, MIDNIGHT + 6 * HOUR, Map.of())).join())
                    .extracting(UsageQueries.Row::group, UsageQueries.Row::requests)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("key_a", 2L), org.assertj.core.groups.Tuple.tuple("key_c", 1L),
                            org.assertj.core.groups.Tuple.tuple("key_b", 2L), org.assertj.core.groups.Tuple.tuple(null, 1L));
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.DAY, MIDNIGHT - 1, MIDNIGHT + 6 * HOUR, Map.of())).join())
                    .containsExactly(new UsageQueries.Row("2026-11-24", 6, 600, 60, 120, 30, 8_000));

            // A period of whole days and ragged ends: the day from the daily rollup, the rest from the hourly one and the rows.
            long dayBefore = MIDNIGHT - 86_400_000L + 5;
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.MODEL, dayBefore, MIDNIGHT + 2 * 86_400_000L + 7, Map.of()))
                    .join()).extracting(UsageQueries.Row::group, UsageQueries.Row::requests, UsageQueries.Row::costNanoUsd).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("gpt-4o", 3L, 7_000L), org.assertj.core.groups.Tuple.tuple("gpt-4o-mini", 2L, 1_000L),
                    org.assertj.core.groups.Tuple.tuple(null, 1L, 0L));
            OverviewQuery.Overview twoDays = db.read(c -> OverviewQuery.of(c, dayBefore, MIDNIGHT + 86_400_000L + 1, HOUR)).join();
            assertThat(twoDays.series()).hasSize(49);
            assertThat(twoDays.series().stream().filter(p -> p.totals().requests() > 0).map(p -> p.t() + ":" + p.totals().requests()))
                    .containsExactly((MIDNIGHT + HOUR) + ":1", (MIDNIGHT + 2 * HOUR) + ":1", (MIDNIGHT + 3 * HOUR) + ":2",
                            (MIDNIGHT + 4 * HOUR) + ":1", (MIDNIGHT + 5 * HOUR) + ":1");
            assertThat(twoDays.totals()).isEqualTo(new OverviewQuery.Totals(6, 2, 600, 120, 8_000));
            assertThat(twoDays.p50Ms()).isEqualTo(50); // 1, 10, 50, 100, 200, 300
            assertThat(twoDays.p95Ms()).isEqualTo(300);

            OverviewQuery.Overview o = db.read(c -> OverviewQuery.of(c, from, to, HOUR)).join();
            assertThat(o.totals()).isEqualTo(new OverviewQuery.Totals(4, 2, 400, 80, 7_000));
            assertThat(o.p50Ms()).isEqualTo(50);   // 10, 50, 200, 300: nearest rank
            assertThat(o.p95Ms()).isEqualTo(300);
            assertThat(o.series()).extracting(p -> p.t() + ":" + p.totals().requests() + ":" + p.totals().costNanoUsd()).containsExactly(
                    (MIDNIGHT + HOUR) + ":0:0", (MIDNIGHT + 2 * HOUR) + ":1:5000", (MIDNIGHT + 3 * HOUR) + ":2:0", (MIDNIGHT + 4 * HOUR) + ":1:2000");
            assertThat(o.models()).containsExactly(new OverviewQuery.Top("gpt-4o", 3, 7_000), new OverviewQuery.Top("gpt-4o-mini", 1, 0));
            assertThat(o.keys()).containsExactly(new OverviewQuery.Top("key_a", 1, 5_000), new OverviewQuery.Top("key_c", 1, 2_000),
                    new OverviewQuery.Top("key_b", 2, 0));
            assertThat(o.teams()).containsExactly(new OverviewQuery.Top("lab", 2, 5_000), new OverviewQuery.Top("ops", 2, 2_000));
            OverviewQuery.Overview days = db.read(c -> OverviewQuery.of(c, MIDNIGHT, MIDNIGHT + 6 * HOUR, 86_400_000L)).join();
            assertThat(days.series()).extracting(p -> p.t() + ":" + p.totals().requests() + ":" + p.totals().errors())
                    .containsExactly(MIDNIGHT + ":6:2");
            assertThat(days.users()).extracting(OverviewQuery.Top::id).containsExactly("ann", "cy", "bob"); // no empty user

            // Records newest first, paged by cursor, filtered.
            RequestRecords.Page first = db.read(c -> RequestRecords.list(c, 0, Long.MAX_VALUE, Map.of(), null, null, 4)).join();
            assertThat(first.data()).extracting(RequestRecords.Record::rowId).containsExactly("lr_6", "lr_5", "lr_4", "lr_3");
            RequestRecords.Page second = db.read(c -> RequestRecords.list(c, 0, Long.MAX_VALUE, Map.of(), null,
                    RequestRecords.Cursor.decode(first.next()), 4)).join();
            assertThat(second.data()).extracting(RequestRecords.Record::rowId).containsExactly("lr_2", "lr_1");
            assertThat(second.next()).isNull();
            RequestRecords.Record r1 = second.data().get(1);
            assertThat(r1).isEqualTo(new RequestRecords.Record(r1.id(), "lr_1", MIDNIGHT + HOUR + 30 * 60_000, "req_lr_1", "key_a", "ann", "lab",
                    "gpt-4o-mini", "/v1/chat/completions", 200, 100, 20, 1_000, 100L, null, "[{\"policy\":\"wordfilter\",\"action\":\"redact\"}]",
                    "{\"messages\":[]}", "{\"choices\":[]}"));
            assertThat(db.read(c -> RequestRecords.list(c, 0, Long.MAX_VALUE, Map.of("user", "bob"), RequestRecords.StatusFilter.parse("4xx"),
                    null, 10)).join().data()).extracting(RequestRecords.Record::rowId).containsExactly("lr_4");
            assertThat(db.read(c -> RequestRecords.list(c, 0, Long.MAX_VALUE, Map.of("model", "gpt-4o", "team", "lab"), null, null, 10)).join()
                    .data()).extracting(RequestRecords.Record::rowId).containsExactly("lr_3", "lr_2");
            assertThat(db.read(c -> RequestRecords.list(c, from, to, Map.of(), RequestRecords.StatusFilter.parse("200"), null, 10)).join()
                    .data()).extracting(RequestRecords.Record::rowId).containsExactly("lr_5", "lr_2");

            // Retention: texts recorded before the cutoff go, in batches; the ledger rows stay.
            assertThat(new TextRetention(db, () -> MIDNIGHT + 4 * HOUR + 30L * 86_400_000, 30).runOnce()).isEqualTo(1);
            assertThat(strings(db, "SELECT row_id FROM request_texts")).containsExactly("lr_5");
            assertThat(strings(db, "SELECT COUNT(*) FROM ledger")).containsExactly("6");
            assertThat(new TextRetention(db, () -> MIDNIGHT + 400L * 86_400_000, 0).runOnce()).isZero(); // 0: kept
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void oldTextsAreDeletedInBatches(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind); Database db = open(t)) {
            Ledger ledger = new Ledger(db, 5_000, 60_000);
            for (int i = 0; i < 2_500; i++) {
                ledger.record(row("lr_b" + i, MIDNIGHT + i, "key_a", "ann", "lab", "gpt-4o", 200, 1, 5, null, "p" + i, "a" + i));
            }
            ledger.close();
            assertThat(db.read(c -> RequestRecords.deleteTextsBefore(c, MIDNIGHT + 2_400, 1_000)).join()).isEqualTo(1_000);
            assertThat(new TextRetention(db, () -> MIDNIGHT + 2_400 + 86_400_000L, 1).runOnce()).isEqualTo(1_400);
            assertThat(strings(db, "SELECT COUNT(*), MIN(ts) FROM request_texts")).containsExactly("100|" + (MIDNIGHT + 2_400));
        }
    }

    @org.junit.jupiter.api.Test
    void aBadCursorOrStatusIsRefused() {
        assertThatThrownBy(() -> RequestRecords.Cursor.decode("nope!")).hasMessage("before: not a cursor from a previous page's 'next'");
        assertThatThrownBy(() -> RequestRecords.StatusFilter.parse("6xx")).hasMessage("status: expected a status code (429) or a class (4xx)");
        RequestRecords.Cursor c = new RequestRecords.Cursor(MIDNIGHT, 42);
        assertThat(RequestRecords.Cursor.decode(c.encode())).isEqualTo(c);
    }

    private static List<String> strings(Database db, String sql) {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 1; i <= n; i++) b.append(i == 1 ? "" : "|").append(rs.getString(i));
                    out.add(b.toString());
                }
            }
            return out;
        }).join();
    }
}
