package dev.tollgate.metrics;

import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.server.Gateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The exported names, labels, units and buckets, from exchanges made by hand with exact timings. */
class GatewayMetricsTest {

    private GatewayMetrics metrics;

    @AfterEach
    void close() {
        if (metrics != null) metrics.close();
    }

    static Settings settings(Map<String, String> env) {
        return new ConfigLoader(Gateway.catalog()).load(null, env).settings();
    }

    static Exchange chat(Settings s, String model, int status) throws Exception {
        Exchange ex = new Exchange("POST", Endpoint.of("/chat/completions"), "req_1", false, null, s);
        ex.body((com.fasterxml.jackson.databind.node.ObjectNode) Json.parse("{\"model\":\"" + model + "\",\"messages\":[]}"));
        ex.status(status);
        return ex;
    }

    @Test
    void genAiNamesUnitsLabelsAndBucketsFollowTheSemanticConventions() throws Exception {
        Settings s = settings(Map.of());
        metrics = GatewayMetrics.of(s);
        Exchange ex = chat(s, "gpt-4o", 200);
        ex.responseIdentity("c1", "gpt-4o-2024-08-06");
        ex.upstreamStatus(200);
        ex.accounted(75_000, "upstream", 10, 5);
        long start = ex.startNanos();
        metrics.requestEnded(ex, "azure", start + 100_000_000L, null, start + 1_500_000_000L);

        String text = metrics.scrape();
        String labels = "gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"azure.ai.openai\",gen_ai_request_model=\"gpt-4o\","
                + "gen_ai_response_model=\"gpt-4o-2024-08-06\"";
        assertThat(text).contains("# TYPE gen_ai_client_token_usage histogram\n", "# HELP gen_ai_client_token_usage Number of input and output tokens used.\n");
        StringBuilder tokenBuckets = new StringBuilder();
        for (String le : new String[]{"1.0", "4.0", "16.0", "64.0", "256.0", "1024.0", "4096.0", "16384.0", "65536.0", "262144.0", "1048576.0",
                "4194304.0", "1.6777216E7", "6.7108864E7", "+Inf"}) {
            long n = le.equals("1.0") || le.equals("4.0") ? 0 : 1;
            tokenBuckets.append("gen_ai_client_token_usage_bucket{").append(labels).append(",gen_ai_token_type=\"input\",le=\"").append(le)
                    .append("\"} ").append(n).append('\n');
        }
        assertThat(text).contains(tokenBuckets.toString());
        assertThat(text).contains("gen_ai_client_token_usage_sum{" + labels + ",gen_ai_token_type=\"input\"} 10.0\n",
                "gen_ai_client_token_usage_sum{" + labels + ",gen_ai_token_type=\"output\"} 5.0\n");

        assertThat(text).contains("# TYPE gen_ai_server_request_duration_seconds histogram\n",
                "gen_ai_server_request_duration_seconds_bucket{error_type=\"\"," + labels + ",le=\"1.28\"} 0\n",
                "gen_ai_server_request_duration_seconds_bucket{error_type=\"\"," + labels + ",le=\"2.56\"} 1\n",
                "gen_ai_server_request_duration_seconds_sum{error_type=\"\"," + labels + "} 1.5\n",
                "gen_ai_client_operation_duration_seconds_bucket{error_type=\"\"," + labels + ",le=\"0.01\"} 0\n",
                "gen_ai_client_operation_duration_seconds_bucket{error_type=\"\"," + labels + ",le=\"81.92\"} 1\n",
                "gen_ai_client_operation_duration_seconds_sum{error_type=\"\"," + labels + "} 1.4\n");
        // A whole answer: no stream timings.
        assertThat(text).doesNotContain("time_to_first", "time_per_output_token_seconds_count");
        assertThat(text).contains("# TYPE tollgate_requests_total counter\n",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",status_class=\"2xx\"} 1.0\n",
                "tollgate_cost_usd_total{model=\"gpt-4o-2024-08-06\"} 7.5E-5\n");
    }

    @Test
    void errorsCarryTheirTypeAndTollgateCountersTheirLabels() throws Exception {
        Settings s = settings(Map.of());
        metrics = GatewayMetrics.of(s);
        Exchange ex = chat(s, "gpt-4o", 502);
        ex.addFinding(new Finding("word-filter", "profanity", "x", Finding.Action.REDACT));
        ex.addFinding(new Finding("word-filter", "profanity", "y", Finding.Action.REDACT));
        ex.addFinding(new Finding("moderation", "flagged", "z", Finding.Action.AUDIT));
        long start = ex.startNanos();
        metrics.requestEnded(ex, "openai", start + 10_000_000L, "timeout", start + 30_000_000L);
        metrics.refused("tpm", "team");
        metrics.refused("tpm", "team");
        metrics.retried("main/openai:main#0", 2);
        metrics.retried(null, 1);
        metrics.upstreamCallFailed(ex, "anthropic", start, start + 20_000_000L, "503", "main/anthropic:claude#0");
        Exchange left = chat(s, "gpt-4o", 499); // the caller left before the upstream answered
        metrics.requestEnded(left, "openai", left.startNanos(), null, left.startNanos() + 50_000_000L);
        metrics.requestEnded(Endpoint.unrouted("/nowhere"), 404);
        metrics.requestEnded(Endpoint.of("GET", "/models"), 200);
        metrics.requestEnded(Endpoint.of("GET", "/files/file-abc"), 200);
        metrics.requestEnded(Endpoint.of("POST", "/files/file-abc/content"), 200);
        metrics.requestEnded(Endpoint.of("POST", "/threads/thread_1/runs"), 200);

        String text = metrics.scrape();
        String labels = "gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4o\",gen_ai_response_model=\"\"";
        assertThat(text).contains(
                "gen_ai_server_request_duration_seconds_count{error_type=\"502\"," + labels + "} 1\n",
                "gen_ai_server_request_duration_seconds_sum{error_type=\"502\"," + labels + "} 0.03\n",
                "gen_ai_client_operation_duration_seconds_count{error_type=\"timeout\"," + labels + "} 1\n",
                "gen_ai_client_operation_duration_seconds_count{error_type=\"cancelled\"," + labels + "} 1\n",
                "gen_ai_server_request_duration_seconds_count{error_type=\"499\"," + labels + "} 1\n",
                "gen_ai_client_operation_duration_seconds_sum{error_type=\"timeout\"," + labels + "} 0.02\n",
                "gen_ai_client_operation_duration_seconds_count{error_type=\"503\",gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"anthropic\","
                        + "gen_ai_request_model=\"gpt-4o\",gen_ai_response_model=\"\"} 1\n",
                "tollgate_policy_findings_total{action=\"redact\",policy=\"word-filter\"} 2.0\n",
                "tollgate_policy_findings_total{action=\"audit\",policy=\"moderation\"} 1.0\n",
                "tollgate_limit_refusals_total{limit=\"tpm\",subject=\"team\"} 2.0\n",
                "tollgate_upstream_retries_total{deployment=\"main/openai:main#0\"} 2.0\n",
                "tollgate_upstream_retries_total{deployment=\"passthrough\"} 1.0\n",
                "tollgate_upstream_fallbacks_total{deployment=\"main/anthropic:claude#0\"} 1.0\n",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",status_class=\"5xx\"} 1.0\n",
                "tollgate_requests_total{endpoint=\"unrouted\",status_class=\"4xx\"} 1.0\n",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",status_class=\"4xx\"} 1.0\n",
                "tollgate_requests_total{endpoint=\"/v1/models\",status_class=\"2xx\"} 1.0\n",
                "tollgate_requests_total{endpoint=\"other\",status_class=\"2xx\"} 2.0\n",
                "tollgate_requests_total{endpoint=\"/v1/threads/{id}/runs\",status_class=\"2xx\"} 1.0\n");
        assertThat(text).doesNotContain("file-abc", "thread_1", "/nowhere");
    }

    @Test
    void offRecordsNothing() throws Exception {
        Settings s = settings(Map.of("TOLLGATE_METRICS_ENABLED", "false"));
        GatewayMetrics off = GatewayMetrics.of(s);
        assertThat(off).isSameAs(GatewayMetrics.OFF);
        Exchange ex = chat(s, "gpt-4o", 200);
        off.requestEnded(ex, "openai", 1, null, 2); // returns at once: no registry to reach
        off.refused("rpm", "key");
        off.streamOpened();
        assertThat(off.enabled()).isFalse();
    }
}
