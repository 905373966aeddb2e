package dev.tollgate.observe;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.json.Json;
import dev.tollgate.policy.logging.RequestLoggingPolicy;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
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
    private static final String[] REQUEST_FIELDS = {"model", "temperature", "top_p", "n", "stream", "max_tokens",
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

    static String format(Exchange ex) {
        StringWriter out = new StringWriter(512);
        long now = System.nanoTime();
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("level", "info");
            g.writeStringField("type", "request");
            g.writeStringField("endpoint", ex.endpoint().logPath());
            g.writeStringField("method", ex.method());
            g.writeNumberField("status", ex.status());
            g.writeArrayFieldStart("flags");
            for (Finding f : ex.findings()) {
                g.writeStartObject();
                g.writeStringField("type", f.type());
                g.writeStringField("description", f.description());
                g.writeStringField("policy", f.policy());
                g.writeStringField("action", f.action().name().toLowerCase(Locale.ROOT));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeBooleanField("error", ex.status() >= 400 || ex.errorMessage() != null);
            if (ex.errorMessage() != null) g.writeStringField("error_message", ex.errorMessage());

            g.writeObjectFieldStart("metadata");
            g.writeNumberField("latency_ms", millis(now - ex.startNanos()));
            if (ex.upstreamStartNanos() != 0) {
                long end = ex.upstreamEndNanos() != 0 ? ex.upstreamEndNanos() : now;
                g.writeNumberField("upstream_latency_ms", millis(end - ex.upstreamStartNanos()));
                g.writeNumberField("upstream_attempts", ex.attempts());
            }
            g.writeStringField("request_id", ex.requestId());
            if (ex.traceId() != null) g.writeStringField("trace_id", ex.traceId());
            g.writeEndObject();

            g.writeObjectFieldStart("request");
            ObjectNode body = ex.body();
            if (body != null) {
                for (String field : REQUEST_FIELDS) {
                    JsonNode v = body.get(field);
                    if (v != null && v.isValueNode()) {
                        g.writeFieldName(field);
                        g.writeTree(v);
                    }
                }
                if (ex.settings().get(RequestLoggingPolicy.LOG_REQUEST)) {
                    g.writeFieldName("body");
                    g.writeTree(body);
                }
            }
            if (!(body != null && body.has("stream"))) g.writeBooleanField("stream", ex.stream());
            g.writeEndObject();

            g.writeObjectFieldStart("response");
            if (ex.responseId() != null) g.writeStringField("id", ex.responseId());
            if (ex.responseModel() != null) g.writeStringField("model", ex.responseModel());
            if (ex.usage() != null) {
                g.writeFieldName("usage");
                g.writeTree(ex.usage());
            }
            if (ex.loggedResponse() != null && ex.settings().get(RequestLoggingPolicy.LOG_RESPONSE)) {
                g.writeFieldName("body");
                g.writeTree(ex.loggedResponse());
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            return "{\"level\":\"error\",\"type\":\"request\",\"message\":\"request log line could not be written\"}";
        }
        return out.toString();
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }
}
