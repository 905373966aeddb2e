package dev.tollgate.trace;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When tracing is on: a traces exporter or an OTLP endpoint named, and the SDK not disabled. */
class TracingSwitchTest {

    @Test
    void offWhenNothingIsSet() {
        assertThat(TracingSwitch.on(Map.of())).isFalse();
        assertThat(TracingSwitch.on(Map.of("OTEL_SERVICE_NAME", "gw", "OTEL_TRACES_SAMPLER", "always_on"))).isFalse();
        assertThat(TracingSwitch.on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "  "))).isFalse();
    }

    @Test
    void onWhenAnEndpointOrAnExporterIsNamed() {
        assertThat(TracingSwitch.on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"))).isTrue();
        assertThat(TracingSwitch.on(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces"))).isTrue();
        assertThat(TracingSwitch.on(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
    }

    @Test
    void offWhenDisabledOrTheExporterIsNone() {
        assertThat(TracingSwitch.on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "true"))).isFalse();
        assertThat(TracingSwitch.on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "TRUE"))).isFalse();
        assertThat(TracingSwitch.on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "false"))).isTrue();
        assertThat(TracingSwitch.on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "none"))).isFalse();
        assertThat(TracingSwitch.on(Map.of("OTEL_TRACES_EXPORTER", "None"))).isFalse();
    }

    @Test
    void theSdkGetsTheEnvironmentsOtelVariablesOverTollgatesDefaults() {
        assertThat(Tracing.properties(Map.of("OTEL_BSP_SCHEDULE_DELAY", "50", "OTEL_SERVICE_NAME", "gw-1", "TOLLGATE_PORT", "1", "OTEL_X", " ")))
                .isEqualTo(Map.of("otel.bsp.schedule.delay", "50", "otel.service.name", "gw-1", "otel.exporter.otlp.protocol", "http/protobuf"));
        assertThat(Tracing.properties(Map.of())).isEqualTo(Map.of("otel.service.name", "tollgate", "otel.exporter.otlp.protocol", "http/protobuf"));
    }

    @Test
    void theEndpointAndProtocolAreResolvedAsTheExporterDoes() {
        assertThat(Tracing.endpoint(Map.of())).isEqualTo("http://localhost:4318/v1/traces");
        assertThat(Tracing.endpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"))).isEqualTo("http://c:4318/v1/traces");
        assertThat(Tracing.endpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/"))).isEqualTo("http://c:4318/v1/traces");
        assertThat(Tracing.endpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/x")))
                .isEqualTo("http://t:1/x");
        assertThat(Tracing.protocol(Map.of())).isEqualTo("http/protobuf");
        assertThat(Tracing.protocol(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "GRPC"))).isEqualTo("grpc");
        assertThat(Tracing.protocol(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")))
                .isEqualTo("http/protobuf");
    }

    @Test
    void offMakesNoSdk() {
        assertThat(Tracing.fromEnvironment(Map.of())).isSameAs(Tracing.OFF);
        assertThat(Tracing.OFF.on()).isFalse();
        assertThat(Tracing.OFF.description()).isEqualTo("off");
        assertThat(Tracing.OFF.start(null, null)).isSameAs(RequestTrace.OFF);
    }

    @Test
    void onDescribesWhereSpansGoWithoutCredentials() {
        try (Tracing t = Tracing.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:hunter2secret@collector:4318"))) {
            assertThat(t.on()).isTrue();
            assertThat(t.description()).isEqualTo("on: OTLP http/protobuf to http://user:***@collector:4318/v1/traces, service tollgate");
        }
    }
}
