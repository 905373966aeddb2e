package dev.tollgate.metrics;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.tollgate.support.Scrape.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Known traffic through a real gateway, then one scrape of {@code /metrics}: every series the
 * traffic touches has its exact count (and, where it is exact, its sum).
 */
class MetricsTrafficTest extends GatewayTest {

    static final String WHOLE = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";

    /** Whole answers and streams alike: 10 input tokens, 5 output tokens, response model gpt-4o-2024-08-06. */
    static void answerChat(FakeUpstream upstream) {
        upstream.handle(req -> {
            if (!upstream.lastReceived().bodyText().contains("\"stream\":true")) {
                FakeUpstream.json(req, 200, WHOLE);
                return;
            }
            FakeUpstream.startSse(req);
            for (String piece : new String[]{"Hel", "lo ", "there"}) {
                FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"" + piece + "\"},\"finish_reason\":null}]}");
            }
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{},\"finish_reason\":\"stop\"}]}");
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
    }

    static String chat(boolean stream, String text) {
        return "{\"model\":\"gpt-4o\"" + (stream ? ",\"stream\":true" : "") + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    @Test
    void knownTrafficGivesExactCounts() throws Exception {
        answerChat(upstream);
        // Six requests fit the per-IP minute; the seventh is refused by it.
        start(Map.of("OPENAI_API_KEY", "sk-test-000", "TOLLGATE_IP_LIMITS", "{\"rpm\":6}",
                "POLICY_REQUEST_WORDLIST", "custom:block", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        for (int i = 0; i < 3; i++) assertThat(gateway.postJson("/v1/chat/completions", chat(false, "hi")).statusCode()).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chat(true, "hi"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"there\"").endsWith("data: [DONE]\n\n");
        }
        assertThat(gateway.postJson("/v1/chat/completions", chat(false, "about project falcon")).statusCode()).isEqualTo(403);
        assertThat(gateway.postJson("/v1/chat/completions", chat(false, "hi")).statusCode()).isEqualTo(429);
        assertThat(upstream.received()).hasSize(5);

        HttpResponse<String> scrape = gateway.get("/metrics");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String text = scrape.body();

        assertThat(text).contains(
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",status_class=\"2xx\"} 5.0\n",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",status_class=\"4xx\"} 2.0\n",
                "tollgate_limit_refusals_total{limit=\"rpm\",subject=\"ip\"} 1.0\n",
                "tollgate_policy_findings_total{action=\"block\",policy=\"word-filter\"} 1.0\n",
                "tollgate_streams_open 0.0\n");
        assertThat(text).doesNotContain("status_class=\"5xx\"", "tollgate_upstream_retries_total{", "tollgate_upstream_fallbacks_total{");

        String genAi = "gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4o\","
                + "gen_ai_response_model=\"gpt-4o-2024-08-06\"";
        assertThat(text).contains(
                "gen_ai_client_token_usage_count{" + genAi + ",gen_ai_token_type=\"input\"} 5\n",
                "gen_ai_client_token_usage_sum{" + genAi + ",gen_ai_token_type=\"input\"} 50.0\n",
                "gen_ai_client_token_usage_bucket{" + genAi + ",gen_ai_token_type=\"input\",le=\"4.0\"} 0\n",
                "gen_ai_client_token_usage_bucket{" + genAi + ",gen_ai_token_type=\"input\",le=\"16.0\"} 5\n",
                "gen_ai_client_token_usage_count{" + genAi + ",gen_ai_token_type=\"output\"} 5\n",
                "gen_ai_client_token_usage_sum{" + genAi + ",gen_ai_token_type=\"output\"} 25.0\n",
                "gen_ai_client_token_usage_bucket{" + genAi + ",gen_ai_token_type=\"output\",le=\"4.0\"} 0\n",
                "gen_ai_client_token_usage_bucket{" + genAi + ",gen_ai_token_type=\"output\",le=\"16.0\"} 5\n",
                "gen_ai_server_request_duration_seconds_count{error_type=\"\"," + genAi + "} 5\n",
                "gen_ai_client_operation_duration_seconds_count{error_type=\"\"," + genAi + "} 5\n",
                "gen_ai_client_operation_time_to_first_chunk_seconds_count{" + genAi + "} 2\n",
                "gen_ai_server_time_to_first_token_seconds_count{" + genAi + "} 2\n",
                "gen_ai_server_time_per_output_token_seconds_count{" + genAi + "} 2\n");
        // The refused and the blocked request never went upstream: no GenAI series for them.
        assertThat(text).doesNotContain("error_type=\"4");
        // The semantic conventions' buckets, exported in seconds.
        assertThat(text).contains("gen_ai_client_operation_duration_seconds_bucket{error_type=\"\"," + genAi + ",le=\"81.92\"} 5\n",
                "gen_ai_server_time_to_first_token_seconds_bucket{" + genAi + ",le=\"0.001\"}",
                "gen_ai_server_time_per_output_token_seconds_bucket{" + genAi + ",le=\"2.5\"} 2\n");

        // gpt-4o: $2.50 per million input tokens, $10 per million output: 5 x (10 x 2.5 + 5 x 10) / 1e6.
        assertThat(value(text, "tollgate_cost_usd_total{model=\"gpt-4o-2024-08-06\"}")).isCloseTo(5 * 75e-6, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(value(text, "tollgate_cost_usd_total{model=\"gpt-4o\"}")).isEqualTo(0.0); // the blocked and the refused: priced, nothing spent
        // JVM and event-loop health are there too.
        assertThat(text).contains("jvm_memory_used_bytes{", "jvm_threads_live_threads ", "jvm_gc_", "process_cpu_usage ");
        assertThat(value(text, "tollgate_event_loop_lag_seconds_count")).isGreaterThanOrEqualTo(0);
    }

    @Test
    void modelsBeyondTheCapAreCountedAsOther() throws Exception {
        // The upstream answers with the model it was asked for.
        upstream.handle(req -> {
            String model = upstream.lastReceived().bodyText().replaceAll(".*\"model\":\"([^\"]+)\".*", "$1");
            FakeUpstream.json(req, 200, WHOLE.replace("gpt-4o-2024-08-06", model));
        });
        start(Map.of("TOLLGATE_METRICS_MAX_LABEL_VALUES", "2"));
        for (String model : new String[]{"gpt-4o", "gpt-4.1", "gpt-5", "my-fine-tune-1", "gpt-4o"}) {
            assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[]}").statusCode()).isEqualTo(200);
        }
        String text = gateway.get("/metrics").body();
        String series = "gen_ai_server_request_duration_seconds_count{error_type=\"\",gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\",";
        assertThat(text).contains(
                series + "gen_ai_request_model=\"gpt-4o\",gen_ai_response_model=\"gpt-4o\"} 2\n",
                series + "gen_ai_request_model=\"gpt-4.1\",gen_ai_response_model=\"gpt-4.1\"} 1\n",
                series + "gen_ai_request_model=\"other\",gen_ai_response_model=\"other\"} 2\n");
        assertThat(text).contains("tollgate_cost_usd_total{model=\"other\"}").doesNotContain("gpt-5", "my-fine-tune-1");
    }
}
