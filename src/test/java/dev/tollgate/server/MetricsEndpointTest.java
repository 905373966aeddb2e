package dev.tollgate.server;

import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /metrics: where it is served, who may scrape it, and what answers when it is off. */
class MetricsEndpointTest extends GatewayTest {

    static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    static final String NEEDS_TOKEN = error("GET /metrics needs 'Authorization: Bearer <TOLLGATE_METRICS_TOKEN>'.",
            "invalid_request_error", "invalid_metrics_token");

    @Test
    void servedOnTheMainPortByDefaultToAnyone() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
        assertThat(r.body()).contains("# TYPE tollgate_streams_open gauge\n", "tollgate_streams_open 0.0\n");
        // A scrape is not an API request: it is neither counted nor written to the request log.
        assertThat(gateway.get("/metrics").body()).doesNotContain("tollgate_requests_total{");

        HttpResponse<String> head = gateway.http().send(gateway.request("/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();

        HttpResponse<String> post = gateway.postJson("/metrics", "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.body()).isEqualTo(error("Method POST is not allowed on /metrics.", "invalid_request_error", "method_not_allowed"));
    }

    @Test
    void aTokenIsRequiredWhenOneIsSet() throws Exception {
        start(Map.of("TOLLGATE_METRICS_TOKEN", "scrape-secret-123"));
        for (String[] headers : new String[][]{{}, {"Authorization", "Bearer wrong-secret-123"}, {"Authorization", "Bearer scrape-secret-12"},
                {"Authorization", "Basic scrape-secret-123"}, {"Authorization", "Bearer "}}) {
            HttpResponse<String> r = gateway.get("/metrics", headers);
            assertThat(r.statusCode()).as(String.join(" ", headers)).isEqualTo(401);
            assertThat(r.body()).isEqualTo(NEEDS_TOKEN);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        }
        HttpResponse<String> ok = gateway.get("/metrics", "Authorization", "Bearer scrape-secret-123");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("tollgate_streams_open 0.0\n");
        assertThat(gateway.get("/metrics", "Authorization", "bearer scrape-secret-123").statusCode()).isEqualTo(200);
    }

    @Test
    void onItsOwnPortAndNotOnTheMainOne() throws Exception {
        int metricsPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            metricsPort = s.getLocalPort();
        }
        start(Map.of("TOLLGATE_METRICS_PORT", Integer.toString(metricsPort), "TOLLGATE_METRICS_TOKEN", "scrape-secret-123"));
        HttpResponse<String> main = gateway.get("/metrics", "Authorization", "Bearer scrape-secret-123");
        assertThat(main.statusCode()).isEqualTo(404);
        assertThat(main.body()).isEqualTo(error("Unknown route /metrics.", "invalid_request_error", "unknown_route"));

        HttpResponse<String> own = get("http://127.0.0.1:" + metricsPort + "/metrics", "Bearer scrape-secret-123");
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).contains("tollgate_streams_open 0.0\n");
        HttpResponse<String> noToken = get("http://127.0.0.1:" + metricsPort + "/metrics", null);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.body()).isEqualTo(NEEDS_TOKEN);
        HttpResponse<String> elsewhere = get("http://127.0.0.1:" + metricsPort + "/v1/models", "Bearer scrape-secret-123");
        assertThat(elsewhere.statusCode()).isEqualTo(404);
        assertThat(elsewhere.body()).isEqualTo(error("Unknown route; this port serves only /metrics.", "invalid_request_error", "unknown_route"));

        gateway.close();
        // Stopped with the gateway: nothing listens there any more.
        try (java.net.Socket s = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.connect(new java.net.InetSocketAddress("127.0.0.1", metricsPort), 2000))
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    @Test
    void theMainPortCannotBeTheMetricsPortToo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        String p = Integer.toString(port);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(Map.of("PORT", p, "TOLLGATE_METRICS_PORT", p)))
                .rootCause().hasMessage("invalid configuration:\n  TOLLGATE_METRICS_PORT: " + port
                        + " is the gateway's own port; give another, or 0 to serve /metrics on the main port");
    }

    @Test
    void offMeansNoEndpointAndNothingRecorded() throws Exception {
        start(Map.of("TOLLGATE_METRICS_ENABLED", "false"));
        assertThat(gateway.gateway().metrics()).isSameAs(GatewayMetrics.OFF);
        assertThat(gateway.gateway().metrics().enabled()).isFalse();
        HttpResponse<String> r = gateway.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo(error("Unknown route /metrics.", "invalid_request_error", "unknown_route"));
        assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) b.header("Authorization", authorization);
        return gateway.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
