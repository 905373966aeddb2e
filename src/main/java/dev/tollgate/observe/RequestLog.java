package dev.tollgate.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.chain.Caller;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.json.Json;
import dev.tollgate.usage.Cost;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Writes the one JSON line per request (the seeds' stats line, extended). Only named fields are
 * written: no header is ever copied, so no key or Authorization value can reach the log.
 */
public final class RequestLog {

    /** Extra receivers of each line (tests); empty in production. */
    private static final List<Consumer<String>> LISTENERS = new CopyOnWriteArrayList<>();

    /** Request fields copied into the line when present (never prompt text). */
    public static final String[] REQUEST_FIELDS = {"model", "temperature", "top_p", "n", "stream", "max_tokens",
            "max_completion_tokens", "max_output_tokens", "user", "size", "quality", "reasoning_effort"};

    private RequestLog() {}

    public static void write(Exchange ex) {
        String line = format(ex);
        StdoutLines.get().offer(line);
        if (!LISTENERS.isEmpty()) for (Consumer<String> l : LISTENERS) l.accept(line);
    }

    /** Also hands every request line to this receiver until the returned handle is closed. */
    public static AutoCloseable listen(Consumer<String> listener) {
        LISTENERS.add(listener);
        return () -> LISTENERS.remove(listener);
    }

    /**
     * The line, built directly: it is written for every request, so it avoids a generator per
     * line. Strings go through {@link #str}; JSON values (usage, bodies) through Jackson.
     */
    static String format(Exchange ex) {
        // Every field that holds words from outside (the upstream's, the caller's) is scrubbed of secrets.
        SecretScrubber secrets = SecretScrubber.forLogs();
        StringBuilder b = new StringBuilder(512);
        long now = System.nanoTime();
        b.append("{\"time\":\"");
        timestamp(b, System.currentTimeMillis());
        b.append("\",\"level\":\"info\",\"type\":\"request\",\"endpoint\":");
        str(b, secrets.scrub(ex.endpoint().logPath()));
        b.append(",\"method\":");
        str(b, ex.method());
        b.append(",\"status\":").append(ex.status()).append(",\"flags\":[");
        boolean first = true;
        for (Finding f : ex.findings()) {
            if (!first) b.append(',');
            first = false;
            b.append("{\"type\":");
            str(b, f.type());
            b.append(",\"description\":");
            str(b, secrets.scrub(f.description()));
            b.append(",\"policy\":");
            str(b, f.policy());
            b.append(",\"action\":\"").append(f.action().name().toLowerCase(Locale.ROOT)).append("\"}");
        }
        b.append("],\"error\":").append(ex.status() >= 400 || ex.errorMessage() != null);
        if (ex.errorMessage() != null) {
            b.append(",\"error_message\":");
            str(b, secrets.scrub(ex.errorMessage()));
        }
        b.append(",\"metadata\":{\"latency_ms\":");
        millis(b, now - ex.startNanos());
        if (ex.upstreamStartNanos() != 0) {
            long end = ex.upstreamEndNanos() != 0 ? ex.upstreamEndNanos() : now;
            b.append(",\"upstream_latency_ms\":");
            millis(b, end - ex.upstreamStartNanos());
            b.append(",\"upstream_attempts\":").append(ex.attempts());
        }
        if (!ex.attempted().isEmpty()) {
            // Routed calls: each deployment tried, in order, with its outcome; the last one served (or failed last).
            b.append(",\"deployments\":[");
            for (int i = 0; i < ex.attempted().size(); i++) {
                if (i > 0) b.append(',');
                str(b, ex.attempted().get(i));
            }
            b.append(']');
        }
        b.append(",\"request_id\":");
        str(b, secrets.scrub(ex.requestId()));
        Caller caller = ex.caller();
        if (caller != null) {
            b.append(",\"key_id\":");
            str(b, caller.keyId());
            if (caller.user() != null) {
                b.append(",\"user\":");
                str(b, secrets.scrub(caller.user()));
            }
            if (caller.team() != null) {
                b.append(",\"team\":");
                str(b, caller.team());
            }
        }
        if (ex.limitsScope() != null) {
            b.append(",\"limits\":");
            str(b, ex.limitsScope());
        }
        if (ex.spanTraceId() != null) {
            // Tracing on: the id the tracing backend knows; a caller's own label is kept beside it.
            b.append(",\"trace_id\":\"").append(ex.spanTraceId()).append('"');
            if (ex.traceId() != null) {
                b.append(",\"caller_trace_id\":");
                str(b, secrets.scrub(ex.traceId()));
            }
        } else if (ex.traceId() != null) {
            b.append(",\"trace_id\":");
            str(b, secrets.scrub(ex.traceId()));
        }
        b.append("},\"request\":{");
        boolean any = false;
        boolean hasBody = ex.hasJsonBody();
        if (hasBody) {
            for (String field : REQUEST_FIELDS) {
                JsonNode v = ex.requestField(field);
                if (v != null && v.isValueNode()) {
                    if (any) b.append(',');
                    any = true;
                    b.append('"').append(field).append("\":");
                    if (v.isTextual()) str(b, secrets.scrub(v.textValue()));
                    else json(b, v);
                }
            }
            if (ex.loggedRequest() != null) {
                if (any) b.append(',');
                any = true;
                b.append("\"body\":");
                json(b, secrets.scrub(ex.loggedRequest()));
            }
        }
        if (!(hasBody && ex.requestField("stream") != null)) {
            if (any) b.append(',');
            b.append("\"stream\":").append(ex.stream());
        }
        b.append("},\"response\":{");
        any = false;
        if (ex.responseId() != null) {
            b.append("\"id\":");
            str(b, secrets.scrub(ex.responseId()));
            any = true;
        }
        if (ex.responseModel() != null) {
            if (any) b.append(',');
            b.append("\"model\":");
            str(b, secrets.scrub(ex.responseModel()));
            any = true;
        }
        if (ex.usage() != null) {
            if (any) b.append(',');
            b.append("\"usage\":");
            json(b, ex.usage());
            any = true;
        }
        if (ex.costNanoUsd() >= 0) {
            if (any) b.append(',');
            b.append("\"cost_usd\":").append(Cost.dollars(ex.costNanoUsd()).toPlainString());
            any = true;
        }
        if (ex.usageSource() != null && !ex.usageSource().equals("upstream") && !ex.usageSource().equals("none")) {
            if (any) b.append(',');
            b.append("\"usage_source\":");
            str(b, ex.usageSource());
            any = true;
        }
        if (ex.loggedResponse() != null) {
            if (any) b.append(',');
            b.append("\"body\":");
            json(b, secrets.scrub(ex.loggedResponse()));
        }
        return b.append("}}").toString();
    }

    /** Per thread: the last second formatted, "2026-11-24T21:53:12", reused for the lines within it. */
    private static final ThreadLocal<long[]> SECOND = ThreadLocal.withInitial(() -> new long[]{Long.MIN_VALUE});
    private static final ThreadLocal<String[]> SECOND_TEXT = ThreadLocal.withInitial(() -> new String[1]);

    /** UTC, millisecond precision: 2026-11-24T21:53:12.436Z. */
    static void timestamp(StringBuilder b, long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        long[] cached = SECOND.get();
        String[] text = SECOND_TEXT.get();
        if (cached[0] != second) {
            cached[0] = second;
            text[0] = java.time.LocalDateTime.ofEpochSecond(second, 0, java.time.ZoneOffset.UTC).toString();
            if (text[0].length() == 16) text[0] += ":00"; // LocalDateTime omits zero seconds
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        b.append(text[0]).append('.');
        if (millis < 100) b.append('0');
        if (millis < 10) b.append('0');
        b.append(millis).append('Z');
    }

    /** A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped. */
    static void str(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    private static void json(StringBuilder b, JsonNode v) {
        b.append(Json.toString(v));
    }

    /** Milliseconds with microsecond precision, without floating-point formatting. */
    private static void millis(StringBuilder b, long nanos) {
        long micros = Math.max(0, (nanos + 500) / 1000);
        b.append(micros / 1000).append('.');
        long frac = micros % 1000;
        if (frac < 100) b.append('0');
        if (frac < 10) b.append('0');
        b.append(frac);
    }

}
