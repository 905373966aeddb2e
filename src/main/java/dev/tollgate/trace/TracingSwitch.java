package dev.tollgate.trace;

import java.util.Locale;
import java.util.Map;

/**
 * Whether the gateway traces, from the standard OpenTelemetry variables alone: on when a traces
 * exporter or an OTLP endpoint is named ({@code OTEL_TRACES_EXPORTER} other than {@code none},
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}), unless
 * {@code OTEL_SDK_DISABLED=true} or {@code OTEL_TRACES_EXPORTER=none}. Nothing set: off, and no SDK
 * object exists.
 */
final class TracingSwitch {

    private TracingSwitch() {}

    static boolean on(Map<String, String> env) {
        if ("true".equalsIgnoreCase(trimmed(env, "OTEL_SDK_DISABLED"))) return false;
        String exporter = trimmed(env, "OTEL_TRACES_EXPORTER");
        if (exporter != null) return !exporter.toLowerCase(Locale.ROOT).equals("none");
        return trimmed(env, "OTEL_EXPORTER_OTLP_ENDPOINT") != null || trimmed(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != null;
    }

    /** A variable's value, or null when unset or blank (the SDK treats blank as unset too). */
    static String trimmed(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }
}
