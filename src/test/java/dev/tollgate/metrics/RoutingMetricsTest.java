package dev.tollgate.metrics;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static dev.tollgate.support.Scrape.value;
import static org.assertj.core.api.Assertions.assertThat;

/** Retries, fallbacks and circuit state of a models list, as the scrape shows them. */
class RoutingMetricsTest extends GatewayTest {

    private final FakeUpstream second = new FakeUpstream();
    private final AtomicLong clock = new AtomicLong(1_000_000);

    @AfterEach
    void closeSecond() {
        second.close();
    }

    @Test
    void retriesFallbacksAndTheCircuit() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 503, "{\"error\":{\"message\":\"overloaded\"}}"));
        second.handle(req -> FakeUpstream.json(req, 200, MetricsTrafficTest.WHOLE));
        gateway = TestGateway.start(upstream, Map.of(
                "TOLLGATE_MODELS", "[{\"name\":\"main\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + upstream.baseUrl()
                        + "\"}],\"fallbacks\":[\"backup\"]},{\"name\":\"backup\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\""
                        + second.baseUrl() + "\"}]}]",
                "TOLLGATE_CIRCUIT_FAILURES", "2", "TOLLGATE_CIRCUIT_COOLDOWN_MS", "10000",
                "POLICY_RETRY_COUNT", "1", "TOLLGATE_RETRY_BASE_DELAY_MS", "0"), clock::get);
        String main = "main/openai:main#0";
        String backup = "backup/openai:backup#0";
        assertThat(value(gateway.get("/metrics").body(), "tollgate_deployment_circuit_state{deployment=\"" + main + "\"}")).isEqualTo(0.0);

        for (int i = 0; i < 3; i++) {
            assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":\"main\",\"messages\":[]}").statusCode()).isEqualTo(200);
        }
        // Twice: main called, retried once, failed, fell back. The third time main was cooling down: skipped.
        assertThat(upstream.received()).hasSize(4);
        String text = gateway.get("/metrics").body();
        assertThat(text).contains(
                "tollgate_upstream_retries_total{deployment=\"" + main + "\"} 2.0\n",
                "tollgate_upstream_fallbacks_total{deployment=\"" + main + "\"} 2.0\n",
                "tollgate_deployment_circuit_state{deployment=\"" + main + "\"} 1.0\n",
                "tollgate_deployment_circuit_state{deployment=\"" + backup + "\"} 0.0\n",
                "gen_ai_client_operation_duration_seconds_count{error_type=\"503\",gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\","
                        + "gen_ai_request_model=\"main\",gen_ai_response_model=\"\"} 2\n",
                "gen_ai_client_operation_duration_seconds_count{error_type=\"\",gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\","
                        + "gen_ai_request_model=\"main\",gen_ai_response_model=\"gpt-4o-2024-08-06\"} 3\n",
                "gen_ai_server_request_duration_seconds_count{error_type=\"\",gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\","
                        + "gen_ai_request_model=\"main\",gen_ai_response_model=\"gpt-4o-2024-08-06\"} 3\n");
        assertThat(text).doesNotContain("tollgate_upstream_retries_total{deployment=\"" + backup);

        clock.addAndGet(10_000); // cooled down: the next request may probe it
        assertThat(gateway.get("/metrics").body()).contains("tollgate_deployment_circuit_state{deployment=\"" + main + "\"} 2.0\n");
    }
}
