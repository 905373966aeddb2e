package dev.tollgate.upstream;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class RetryIntegrationTest extends GatewayTest {


    /** Answers the first {@code failures} calls with this status and headers, then 200. */
    private AtomicInteger failFirst(int failures, int status, String... headers) {
        AtomicInteger calls = new AtomicInteger();
        upstream.handle(req -> {
            if (calls.incrementAndGet() <= failures) {
                for (int i = 0; i < headers.length; i += 2) req.response().putHeader(headers[i], headers[i + 1]);
                FakeUpstream.json(req, status, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}");
            } else {
                FakeUpstream.json(req, 200, "{\"ok\":" + calls.get() + "}");
            }
        });
        return calls;
    }

    @Test
    void honoursRetryAfterBeforeRetrying() throws Exception {
        failFirst(1, 429, "retry-after", "1");
        start(Map.of("POLICY_RETRY_COUNT", "2", "TOLLGATE_RETRY_BASE_DELAY_MS", "1"));
        long start = System.nanoTime();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"ok\":2}");
        assertThat(ms).isGreaterThanOrEqualTo(1000);
        assertThat(upstream.received()).hasSize(2);
        // The retried request is the same request.
        assertThat(upstream.received().get(1).bodyText()).isEqualTo("{\"model\":\"m\"}");
    }

    @Test
    void retriesEachRetryableStatusUpToTheCount() throws Exception {
        for (int status : new int[]{408, 500, 502, 503, 504}) {
            upstream.received().clear();
            failFirst(2, status);
            if (gateway == null) start(Map.of("POLICY_RETRY_COUNT", "2", "TOLLGATE_RETRY_BASE_DELAY_MS", "1"));
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}");
            assertThat(r.statusCode()).as("after %d", status).isEqualTo(200);
            assertThat(upstream.received()).hasSize(3);
        }
    }

    @Test
    void whenRetriesRunOutTheUpstreamsAnswerReachesTheCaller() throws Exception {
        failFirst(10, 503, "x-request-id", "req_fail");
        start(Map.of("POLICY_RETRY_COUNT", "1", "TOLLGATE_RETRY_BASE_DELAY_MS", "1"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\"}");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}");
        assertThat(r.headers().firstValue("x-request-id")).contains("req_fail");
        assertThat(upstream.received()).hasSize(2);
    }

    @Test
    void noRetryByDefaultAndNoneForOtherStatuses() throws Exception {
        failFirst(1, 503);
        start(Map.of());
        assertThat(gateway.postJson("/v1/chat/completions", "{}").statusCode()).isEqualTo(503);
        assertThat(upstream.received()).hasSize(1);

        upstream.received().clear();
        failFirst(1, 400);
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{}", "x-tollgate-retry-count", "0");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void aHeaderMayLowerTheRetryCount() throws Exception {
        failFirst(100, 502);
        start(Map.of("POLICY_RETRY_COUNT", "3", "TOLLGATE_RETRY_BASE_DELAY_MS", "1"));
        assertThat(gateway.postJson("/v1/chat/completions", "{}", "x-usagepanda-retry-count", "1").statusCode()).isEqualTo(502);
        assertThat(upstream.received()).hasSize(2);
        upstream.received().clear();
        assertThat(gateway.postJson("/v1/chat/completions", "{}", "x-tollgate-retry-count", "0").statusCode()).isEqualTo(502);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void aHeaderCannotRaiseTheRetryCountSoCallersCannotMultiplyUpstreamLoad() throws Exception {
        failFirst(100, 500);
        start(Map.of("POLICY_RETRY_COUNT", "1", "TOLLGATE_RETRY_BASE_DELAY_MS", "1"));
        for (String header : new String[]{"x-tollgate-retry-count", "x-usagepanda-retry-count", "X-Tollgate-Retry-Count"}) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{}", header, "5");
            assertThat(r.statusCode()).as(header).isEqualTo(403);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Header " + header.toLowerCase(java.util.Locale.ROOT)
                    + " would loosen the gateway's POLICY_RETRY_COUNT setting; a request may only tighten it.\","
                    + "\"type\":\"permission_error\",\"param\":null,\"code\":\"setting_override_forbidden\"}}");
        }
        assertThat(upstream.received()).isEmpty(); // refused before any upstream call
        // Without the header: the configured count, 1 retry = 2 attempts.
        assertThat(gateway.postJson("/v1/chat/completions", "{}").statusCode()).isEqualTo(500);
        assertThat(upstream.received()).hasSize(2);
    }

    @Test
    void aHeaderMayRaiseTheRetryCountWhenLooseningIsAllowed() throws Exception {
        failFirst(100, 429);
        start(Map.of("POLICY_RETRY_COUNT", "1", "TOLLGATE_RETRY_BASE_DELAY_MS", "1", "TOLLGATE_ALLOW_HEADER_LOOSENING", "true"));
        assertThat(gateway.postJson("/v1/chat/completions", "{}", "x-tollgate-retry-count", "5").statusCode()).isEqualTo(429);
        assertThat(upstream.received()).hasSize(6);
    }

    @Test
    void retryAfterLongerThanTheMaximumWaitIsNotRetried() throws Exception {
        failFirst(1, 429, "retry-after", "120");
        start(Map.of("POLICY_RETRY_COUNT", "3", "TOLLGATE_RETRY_MAX_WAIT_MS", "2000"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{}");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after")).contains("120");
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void unreachableUpstreamIs502AfterRetries() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        gateway = TestGateway.start(null, Map.of("LLM_API_BASE_PATH", "http://127.0.0.1:" + closedPort + "/v1",
                "POLICY_RETRY_COUNT", "2", "TOLLGATE_RETRY_BASE_DELAY_MS", "1"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{}");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The upstream API could not be reached.\","
                + "\"type\":\"upstream_error\",\"param\":null,\"code\":\"upstream_unreachable\"}}");
        assertThat(r.body()).doesNotContain(String.valueOf(closedPort));
    }

    @Test
    void upstreamThatNeverAnswersIs504() throws Exception {
        upstream.handle(req -> { });
        start(Map.of("TOLLGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "300", "POLICY_RETRY_COUNT", "2"));
        long start = System.nanoTime();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{}");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The upstream API did not answer in time.\","
                + "\"type\":\"upstream_error\",\"param\":null,\"code\":\"upstream_timeout\"}}");
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(250L, 3000L);
        assertThat(upstream.received()).hasSize(1); // a timeout is not retried
    }
}
