package dev.tollgate.server;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.RawClient;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pins the header / keep-alive timeout built on the Netty pipeline's idle handler. */
class HeaderTimeoutTest extends GatewayTest {


    @Test
    void aSilentUpstreamCallLongerThanTheHeaderTimeoutIsNotCut() throws Exception {
        upstream.handle(req -> upstream.vertx().setTimer(900, id -> FakeUpstream.json(req, 200, "{\"late\":true}")));
        start(Map.of("TOLLGATE_CLIENT_HEADER_TIMEOUT_MS", "300"));
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.postJson("/v1/chat/completions", "{\"model\":\"m\"}");
            assertThat(raw.readUntil("{\"late\":true}", 5000)).startsWith("HTTP/1.1 200 OK");
        }
    }

    @Test
    void keepAliveConnectionServesSeveralRequestsThenIdlesOut() throws Exception {
        start(Map.of("TOLLGATE_CLIENT_HEADER_TIMEOUT_MS", "400"));
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.postJson("/v1/chat/completions", "{\"model\":\"a\"}");
            raw.readUntil("{\"ok\":true}", 5000);
            Thread.sleep(200); // under the timeout: still open
            raw.postJson("/v1/chat/completions", "{\"model\":\"b\"}");
            String both = raw.readUntil("{\"ok\":true}HTTP/1.1", 5000);
            long start = System.nanoTime();
            String all = raw.readToClose(5000);
            assertThat(all).isEqualTo(both + all.substring(both.length()));
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
        }
        assertThat(upstream.received()).hasSize(2);
    }
}
