package dev.tollgate.support;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An OTLP/HTTP trace receiver on 127.0.0.1, as a collector's {@code /v1/traces} is: it decodes
 * what the gateway's exporter sends (protobuf) and keeps every span, for tests to read.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One span as the receiver decoded it: ids in hex, attributes as Java values (String, Long, Double, Boolean, List). */
    public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, String kind,
                               Map<String, Object> attributes, String status, long startNanos, long endNanos,
                               Map<String, Object> resource, String scope) {
        public Object attr(String key) {
            return attributes.get(key);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();

    public OtlpReceiver() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req -> {
            if (!req.path().equals("/v1/traces")) {
                req.response().setStatusCode(404).end();
                return;
            }
            contentTypes.add(String.valueOf(req.getHeader("Content-Type")));
            req.body().onSuccess(body -> {
                try {
                    decode(ExportTraceServiceRequest.parseFrom(body.getBytes()));
                } catch (Exception e) {
                    req.response().setStatusCode(400).end();
                    return;
                }
                req.response().putHeader("Content-Type", "application/x-protobuf")
                        .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
            });
        });
        FakeUpstream.await(server.listen());
    }

    /** The base endpoint for OTEL_EXPORTER_OTLP_ENDPOINT. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public List<ReceivedSpan> spans() {
        return spans;
    }

    public List<String> contentTypes() {
        return contentTypes;
    }

    /**
     * Waits until {@code n} spans arrived, then a little longer, so that a span too many would
     * have arrived too; returns them all.
     */
    public List<ReceivedSpan> awaitSpans(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (spans.size() < n && System.nanoTime() < deadline) Thread.sleep(10);
        Thread.sleep(300); // several export rounds at the tests' 50 ms schedule
        return new ArrayList<>(spans);
    }

    /** For a test that expects no span: waits as long as ten export rounds at the tests' 50 ms schedule, and returns what came. */
    public List<ReceivedSpan> awaitNone() throws InterruptedException {
        Thread.sleep(500);
        return new ArrayList<>(spans);
    }

    private void decode(ExportTraceServiceRequest request) {
        for (ResourceSpans rs : request.getResourceSpansList()) {
            Map<String, Object> resource = attributes(rs.getResource());
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    Map<String, Object> attrs = new LinkedHashMap<>();
                    for (KeyValue kv : s.getAttributesList()) attrs.put(kv.getKey(), value(kv.getValue()));
                    spans.add(new ReceivedSpan(hex(s.getTraceId().toByteArray()), hex(s.getSpanId().toByteArray()),
                            s.getParentSpanId().isEmpty() ? null : hex(s.getParentSpanId().toByteArray()), s.getName(),
                            s.getKind().name(), attrs, s.getStatus().getCode().name(), s.getStartTimeUnixNano(),
                            s.getEndTimeUnixNano(), resource, ss.getScope().getName()));
                }
            }
        }
    }

    private static Map<String, Object> attributes(Resource r) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (KeyValue kv : r.getAttributesList()) out.put(kv.getKey(), value(kv.getValue()));
        return out;
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case BOOL_VALUE -> v.getBoolValue();
            case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(OtlpReceiver::value).toList();
            default -> v.toString();
        };
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() {
        FakeUpstream.await(vertx.close());
    }
}
