package dev.tollgate.hybrid;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.store.LedgerRow;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /dataplane/v1/usage}: {@code {"rows": [...]}}, each row a ledger row in
 * snake_case. A data plane writes it; the control plane reads it strictly, since what it accepts
 * goes into the ledger as it is: every field known, typed and within the ledger's columns, or the
 * whole batch is refused naming the first bad field.
 */
public final class UsageBatch {

    /** Rows per batch at most (the data plane sends fewer, see {@link UsageShipper#BATCH_ROWS}). */
    public static final int MAX_ROWS = 500;
    /** The longest prompt or answer text a row carries (a request record's texts are cut at 16 KiB characters). */
    static final int MAX_TEXT = 16_384;
    private static final long MIN_TS = 946_684_800_000L; // 2000-01-01: older is not a request this gateway served
    private static final long FUTURE_SLACK_MS = 86_400_000L; // a data plane's clock may run ahead, not by days
    private static final long MAX_COUNT = 1_000_000_000_000L;
    private static final Pattern ROW_ID = Pattern.compile("lr_[0-9a-f]{16,60}");
    private static final Set<String> SOURCES = Set.of("upstream", "estimated", "none");
    private static final Set<String> FIELDS = Set.of("row_id", "ts", "request_id", "key_id", "user", "team", "model", "endpoint",
            "status", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_nanousd",
            "usage_source", "priced", "latency_ms", "ttfb_ms", "findings", "prompt", "answer");

    private UsageBatch() {}

    /** A batch refused, naming the field (as {@code rows[3].status}) and why. */
    public static final class Invalid extends RuntimeException {
        final String param;

        Invalid(String param, String message) {
            super(param + ": " + message, null, false, false);
            this.param = param;
        }
    }

    /** The JSON a data plane sends for these rows. */
    public static byte[] write(List<LedgerRow> rows) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("rows");
        for (LedgerRow r : rows) a.add(toJson(r));
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode toJson(LedgerRow r) {
        ObjectNode o = Json.object();
        o.put("row_id", r.rowId());
        o.put("ts", r.ts());
        o.put("request_id", r.requestId());
        o.put("key_id", r.keyId());
        o.put("user", r.user());
        o.put("team", r.team());
        o.put("model", r.model());
        o.put("endpoint", r.endpoint());
        o.put("status", r.status());
        o.put("input_tokens", r.inputTokens());
        o.put("cached_input_tokens", r.cachedInputTokens());
        o.put("cache_write_tokens", r.cacheWriteTokens());
        o.put("output_tokens", r.outputTokens());
        o.put("reasoning_tokens", r.reasoningTokens());
        o.put("cost_nanousd", r.costNanoUsd());
        o.put("usage_source", r.usageSource());
        o.put("priced", r.priced());
        o.put("latency_ms", r.latencyMs());
        o.put("ttfb_ms", r.ttfbMs());
        o.put("findings", r.findings());
        if (r.prompt() != null) o.put("prompt", r.prompt());
        if (r.answer() != null) o.put("answer", r.answer());
        return o;
    }

    /** The rows of a body, checked; {@link Invalid} for the first problem found. {@code now}: the control plane's clock. */
    public static List<LedgerRow> read(byte[] body, long now) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new Invalid("body", "not valid JSON");
        }
        if (root == null || !root.isObject()) throw new Invalid("body", "expected a JSON object {\"rows\": [...]}");
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("rows")) throw new Invalid(dev.tollgate.api.ApiError.clip(f), "unknown field (known: rows)");
        }
        JsonNode rows = root.get("rows");
        if (rows == null || !rows.isArray() || rows.isEmpty() || rows.size() > MAX_ROWS) {
            throw new Invalid("rows", "expected an array of 1 to " + MAX_ROWS + " ledger rows");
        }
        List<LedgerRow> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) out.add(row(rows.get(i), "rows[" + i + "]", now));
        return out;
    }

    private static LedgerRow row(JsonNode n, String at, long now) {
        if (!n.isObject()) throw new Invalid(at, "expected a ledger row object");
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw new Invalid(at + "." + dev.tollgate.api.ApiError.clip(f), "unknown field");
        }
        String rowId = text(n, at, "row_id", 64, false);
        if (!ROW_ID.matcher(rowId).matches()) throw new Invalid(at + ".row_id", "expected lr_ and 16 to 60 hex digits");
        long ts = count(n, at, "ts", MIN_TS, now + FUTURE_SLACK_MS, false);
        String findings = text(n, at, "findings", 65_536, true);
        if (findings != null && !isArray(findings)) throw new Invalid(at + ".findings", "expected null or a JSON array as text");
        String source = text(n, at, "usage_source", 16, false);
        if (!SOURCES.contains(source)) throw new Invalid(at + ".usage_source", "expected one of upstream, estimated, none");
        JsonNode priced = n.get("priced");
        if (priced == null || !priced.isBoolean()) throw new Invalid(at + ".priced", "expected true or false");
        return new LedgerRow(rowId, ts, text(n, at, "request_id", 128, true), text(n, at, "key_id", 64, true),
                text(n, at, "user", 255, true), text(n, at, "team", 255, true), text(n, at, "model", 255, true),
                text(n, at, "endpoint", 255, false), (int) count(n, at, "status", 0, 599, false),
                count(n, at, "input_tokens", 0, MAX_COUNT, false), count(n, at, "cached_input_tokens", 0, MAX_COUNT, false),
                count(n, at, "cache_write_tokens", 0, MAX_COUNT, false), count(n, at, "output_tokens", 0, MAX_COUNT, false),
                count(n, at, "reasoning_tokens", 0, MAX_COUNT, false), count(n, at, "cost_nanousd", 0, 1_000_000_000_000_000L, false),
                source, priced.booleanValue(), nullableCount(n, at, "latency_ms"), nullableCount(n, at, "ttfb_ms"), findings,
                text(n, at, "prompt", MAX_TEXT, true), text(n, at, "answer", MAX_TEXT, true));
    }

    private static String text(JsonNode n, String at, String field, int max, boolean nullable) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (nullable) return null;
            throw new Invalid(at + "." + field, "required");
        }
        if (!v.isTextual() || v.textValue().length() > max || (!nullable && v.textValue().isEmpty())) {
            throw new Invalid(at + "." + field, "expected " + (nullable ? "null or " : "") + "a string of " + (nullable ? 0 : 1) + " to " + max
                    + " characters");
        }
        return v.textValue();
    }

    private static long count(JsonNode n, String at, String field, long min, long max, boolean nullable) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw new Invalid(at + "." + field, "expected a whole number from " + min + " to " + max);
        }
        return v.longValue();
    }

    private static Long nullableCount(JsonNode n, String at, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        return count(n, at, field, 0, MAX_COUNT, false);
    }

    private static boolean isArray(String json) {
        try {
            JsonNode f = Json.MAPPER.readTree(json);
            return f != null && f.isArray();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
