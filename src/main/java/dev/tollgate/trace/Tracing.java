package dev.tollgate.trace;

import dev.tollgate.chain.Exchange;
import dev.tollgate.config.ConfigException;
import dev.tollgate.secret.Redaction;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.vertx.core.MultiMap;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's tracing: the OpenTelemetry SDK configured by the standard {@code OTEL_*}
 * variables (OTLP over HTTP), or {@link #OFF}, where no SDK object exists and every request gets
 * the same do-nothing {@link RequestTrace}. Shared by every event loop; built once at start-up.
 */
public final class Tracing implements AutoCloseable {

    /** Tracing off: requests are not traced and nothing is exported or propagated. */
    public static final Tracing OFF = new Tracing(null, "off");

    /** The spans' instrumentation scope. */
    static final String SCOPE = "dev.tollgate";

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final String description;

    private Tracing(OpenTelemetrySdk sdk, String description) {
        this.sdk = sdk;
        this.tracer = sdk == null ? null : sdk.getTracer(SCOPE);
        this.propagator = sdk == null ? null : sdk.getPropagators().getTextMapPropagator();
        this.description = description;
    }

    /**
     * Tracing as the environment asks ({@link TracingSwitch}): off, or the SDK configured by its
     * {@code OTEL_*} variables. A configuration the SDK refuses stops start-up with its reason.
     */
    public static Tracing fromEnvironment(Map<String, String> env) {
        if (!TracingSwitch.on(env)) return OFF;
        String protocol = protocol(env);
        if (protocol.equals("grpc")) {
            throw new ConfigException("invalid configuration:\n  OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; Tollgate exports "
                    + "OTLP over HTTP: set http/protobuf (a collector's port 4318)");
        }
        SdkLogBridge.install();
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> properties(env))
                    // Traces only: metrics are served at /metrics, logs are the JSON lines on stdout.
                    .addPropertiesCustomizer(config -> Map.of("otel.metrics.exporter", "none", "otel.logs.exporter", "none"))
                    .disableShutdownHook() // the gateway's own shutdown flushes the last spans (close)
                    .build()
                    .getOpenTelemetrySdk();
        } catch (RuntimeException e) {
            throw new ConfigException("invalid configuration:\n  tracing (OTEL_*): " + e.getMessage());
        }
        return new Tracing(sdk, "on: OTLP " + protocol + " to " + Redaction.scrub(endpoint(env)) + ", service "
                + env.getOrDefault("OTEL_SERVICE_NAME", "tollgate"));
    }

    /** Whether requests are traced. */
    public boolean on() {
        return sdk != null;
    }

    /** For the start-up log line: "off", or where spans go. */
    public String description() {
        return description;
    }

    /**
     * The trace of one proxied request: its server span, a child of the caller's {@code traceparent}
     * when it sent one. Off: the shared do-nothing trace, nothing allocated.
     */
    public RequestTrace start(Exchange ex, MultiMap callerHeaders) {
        if (sdk == null) return RequestTrace.OFF;
        return RequestTrace.start(tracer, propagator, ex, callerHeaders);
    }

    /** Exports the spans still queued, then stops the SDK (waits a few seconds at most). */
    @Override
    public void close() {
        if (sdk != null) sdk.shutdown().join(5, TimeUnit.SECONDS);
    }

    /** The OTLP protocol for traces; the specification's default, http/protobuf, when unset. */
    static String protocol(Map<String, String> env) {
        String p = TracingSwitch.trimmed(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
        if (p == null) p = TracingSwitch.trimmed(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
        return p == null ? "http/protobuf" : p.toLowerCase(Locale.ROOT);
    }

    /** Where spans are sent, as the OTLP exporter resolves it. */
    static String endpoint(Map<String, String> env) {
        String traces = TracingSwitch.trimmed(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if (traces != null) return traces;
        String base = TracingSwitch.trimmed(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
        if (base == null) base = "http://localhost:4318";
        return (base.endsWith("/") ? base : base + "/") + "v1/traces";
    }

    /**
     * The SDK's properties from the environment ({@code OTEL_BSP_SCHEDULE_DELAY} becomes
     * {@code otel.bsp.schedule.delay}), over Tollgate's defaults: http/protobuf, service "tollgate".
     */
    static Map<String, String> properties(Map<String, String> env) {
        Map<String, String> p = new HashMap<>();
        p.put("otel.exporter.otlp.protocol", "http/protobuf");
        p.put("otel.service.name", "tollgate");
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith("OTEL_") && e.getValue() != null && !e.getValue().isBlank()) {
                p.put(e.getKey().toLowerCase(Locale.ROOT).replace('_', '.'), e.getValue());
            }
        }
        return p;
    }
}
