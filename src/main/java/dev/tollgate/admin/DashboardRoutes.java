package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.json.Json;
import dev.tollgate.store.OverviewQuery;
import dev.tollgate.store.RequestRecords;
import dev.tollgate.usage.Cost;
import io.vertx.core.http.HttpServerRequest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The dashboard's reads: {@code GET /admin/v1/stats/overview} (totals, a time series, latency
 * percentiles, top spenders) and {@code GET /admin/v1/requests} (request records, newest first,
 * paged by cursor). Both write what the ledger holds first, so a request already answered is seen.
 */
final class DashboardRoutes {

    private static final long HOUR = 3_600_000L;
    private static final long DAY = 86_400_000L;
    /** Points a series may have at most. */
    static final int MAX_POINTS = 2_000;
    /** 10000-01-01T00:00:00Z: later times are refused (a period's arithmetic stays far from overflow). */
    private static final long END_OF_TIME = 253_402_300_800_000L;

    private final AccessControl access;

    DashboardRoutes(AccessControl access) {
        this.access = access;
    }

    CompletableFuture<JsonNode> overview(HttpServerRequest req, long now) {
        long from = AdminApi.time(req.getParam("from"), "from", now - 30 * DAY);
        long to = AdminApi.time(req.getParam("to"), "to", now + 1);
        checkPeriod(from, to);
        String bucket = req.getParam("bucket", to - from > 2 * DAY ? "day" : "hour");
        long bucketMs = switch (bucket) {
            case "hour" -> HOUR;
            case "day" -> DAY;
            default -> throw new IllegalArgumentException("bucket must be one of hour, day");
        };
        if ((to - from) / bucketMs >= MAX_POINTS) {
            throw new IllegalArgumentException("the period holds more than " + MAX_POINTS + " " + bucket + "s: choose a shorter period"
                    + (bucketMs == HOUR ? " or bucket=day" : ""));
        }
        return access.ledger().flushAsync().thenCompose(v -> access.database().read(c -> OverviewQuery.of(c, from, to, bucketMs)))
                .thenApply(o -> overviewJson(o, from, to, bucket));
    }

    private static JsonNode overviewJson(OverviewQuery.Overview o, long from, long to, String bucket) {
        ObjectNode out = Json.object();
        out.put("object", "tollgate.overview");
        out.put("from", Instant.ofEpochMilli(from).toString());
        out.put("to", Instant.ofEpochMilli(to).toString());
        out.put("bucket", bucket);
        OverviewQuery.Totals t = o.totals();
        out.put("requests", t.requests());
        out.put("errors", t.errors());
        out.put("error_rate", t.requests() == 0 ? BigDecimal.ZERO
                : BigDecimal.valueOf(t.errors()).divide(BigDecimal.valueOf(t.requests()), 4, RoundingMode.HALF_UP).stripTrailingZeros());
        out.put("cost_usd", Cost.dollars(t.costNanoUsd()));
        out.put("input_tokens", t.inputTokens());
        out.put("output_tokens", t.outputTokens());
        ObjectNode latency = out.putObject("latency_ms");
        if (o.p50Ms() < 0) latency.putNull("p50");
        else latency.put("p50", o.p50Ms());
        if (o.p95Ms() < 0) latency.putNull("p95");
        else latency.put("p95", o.p95Ms());
        ArrayNode series = out.putArray("series");
        for (OverviewQuery.Point p : o.series()) {
            ObjectNode point = series.addObject();
            point.put("t", Instant.ofEpochMilli(p.t()).toString());
            point.put("requests", p.totals().requests());
            point.put("errors", p.totals().errors());
            point.put("cost_usd", Cost.dollars(p.totals().costNanoUsd()));
            point.put("input_tokens", p.totals().inputTokens());
            point.put("output_tokens", p.totals().outputTokens());
        }
        ObjectNode top = out.putObject("top");
        top(top, "models", o.models());
        top(top, "keys", o.keys());
        top(top, "users", o.users());
        top(top, "teams", o.teams());
        return out;
    }

    private static void top(ObjectNode top, String name, List<OverviewQuery.Top> rows) {
        ArrayNode a = top.putArray(name);
        for (OverviewQuery.Top r : rows) a.addObject().put("id", r.id()).put("requests", r.requests()).put("cost_usd", Cost.dollars(r.costNanoUsd()));
    }

    CompletableFuture<JsonNode> requests(HttpServerRequest req, long now) {
        long from = AdminApi.time(req.getParam("from"), "from", 0);
        long to = AdminApi.time(req.getParam("to"), "to", now + 1);
        checkPeriod(from, to);
        Map<String, String> filters = new LinkedHashMap<>();
        for (String f : List.of("key", "user", "team", "model", "endpoint")) {
            String v = req.getParam(f);
            if (v != null && !v.isEmpty()) filters.put(f, v);
        }
        String s = req.getParam("status");
        RequestRecords.StatusFilter status = s == null || s.isEmpty() ? null : RequestRecords.StatusFilter.parse(s);
        int limit = limit(req.getParam("limit"));
        String b = req.getParam("before");
        RequestRecords.Cursor before = b == null || b.isEmpty() ? null : RequestRecords.Cursor.decode(b);
        return access.ledger().flushAsync()
                .thenCompose(v -> access.database().read(c -> RequestRecords.list(c, from, to, filters, status, before, limit)))
                .thenApply(DashboardRoutes::pageJson);
    }

    private static void checkPeriod(long from, long to) {
        if (from >= to) throw new IllegalArgumentException("from must be before to");
        if (from < 0 || to > END_OF_TIME) throw new IllegalArgumentException("from and to must lie between 1970 and 9999");
    }

    private static int limit(String v) {
        if (v == null || v.isEmpty()) return 50;
        if (!v.matches("[0-9]{1,4}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > 200) {
            throw new IllegalArgumentException("limit: expected a whole number from 1 to 200");
        }
        return Integer.parseInt(v);
    }

    private static JsonNode pageJson(RequestRecords.Page page) {
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (RequestRecords.Record r : page.data()) {
            ObjectNode o = data.addObject();
            o.put("id", r.rowId() != null ? r.rowId() : Long.toString(r.id()));
            o.put("time", Instant.ofEpochMilli(r.ts()).toString());
            o.put("request_id", r.requestId());
            o.put("key_id", r.keyId());
            o.put("user_id", r.user());
            o.put("team_id", r.team());
            o.put("model", r.model());
            o.put("endpoint", r.endpoint());
            o.put("status", r.status());
            o.put("input_tokens", r.inputTokens());
            o.put("output_tokens", r.outputTokens());
            o.put("cost_usd", Cost.dollars(r.costNanoUsd()));
            if (r.latencyMs() == null) o.putNull("latency_ms");
            else o.put("latency_ms", r.latencyMs());
            if (r.ttfbMs() != null) o.put("ttfb_ms", r.ttfbMs());
            o.set("findings", findings(r.findings()));
            if (r.prompt() != null) o.put("prompt", r.prompt());
            if (r.answer() != null) o.put("answer", r.answer());
        }
        if (page.next() == null) out.putNull("next");
        else out.put("next", page.next());
        return out;
    }

    private static JsonNode findings(String stored) {
        if (stored == null) return Json.MAPPER.createArrayNode();
        try {
            return Json.parse(stored);
        } catch (java.io.IOException e) {
            return Json.MAPPER.createArrayNode(); // written by the ledger writer as JSON: not expected
        }
    }
}
