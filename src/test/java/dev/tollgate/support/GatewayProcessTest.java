package dev.tollgate.support;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayProcessTest {

    @TempDir
    Path dir;

    @Test
    void aGatewayInItsOwnProcessServesAndStopsOnSigterm() throws Exception {
        try (FakeUpstream upstream = new FakeUpstream()) {
            upstream.handle(req -> FakeUpstream.json(req, 200, "{\"object\":\"list\",\"data\":[]}"));
            GatewayProcess g = GatewayProcess.start(Map.of("LLM_API_BASE_PATH", upstream.baseUrl()), dir, "solo");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(g.url("/v1/models"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"object\":\"list\",\"data\":[]}");
            assertThat(g.stop()).isEqualTo(143); // 128 + SIGTERM: the JVM exits so after its shutdown hooks ran
            assertThat(g.logText()).contains("\"endpoint\":\"/v1/models\",\"method\":\"GET\",\"status\":200").contains("\"message\":\"stopped\"");
        }
    }
}
