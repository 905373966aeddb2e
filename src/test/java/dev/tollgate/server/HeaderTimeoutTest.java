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
        upstream.handle(req -> FakeUpstream.json(req, 200, upstream.lastReceived().bodyText())); // echoes: each answer is told apart
        start(Map.of("TOLLGATE_CLIENT_HEADER_TIMEOUT_MS", "600"));
        try (RawClient raw = new RawClient(gateway.port())) {
            // Three requests 350 ms apart: each pause is under the timeout, together they are over it,
            // so the timeout counts idle time since the last answer, not the connection's age.
            for (String model : new String[]{"a", "b", "c"}) {
                String body = "{\"model\":\"" + model + "\"}";
                raw.postJson("/v1/chat/completions", body);
                raw.readUntil("\r\n\r\n" + body, 5000);
                Thread.sleep(350);
            }
            String served = raw.seen();
            long idleFrom = System.nanoTime() - 350_000_000L; // the last answer came before the last pause
            String all = raw.readToClose(5000);
            long idleMs = (System.nanoTime() - idleFrom) / 1_000_000;
            // Closed without another byte (no late error response), about the timeout after the last answer.
            assertThat(all).isEqualTo(served);
            assertThat(responses(all)).isEqualTo(3);
            assertThat(all.split("HTTP/1\\.1 ", -1)).allSatisfy(r -> {
                if (!r.isEmpty()) assertThat(r).startsWith("200 OK\r\n").matches("(?s).*\r\n\r\n\\{\"model\":\"[abc]\"}");
            });
            assertThat(idleMs).isBetween(550L, 3000L);
        }
        assertThat(upstream.received()).extracting(FakeUpstream.Received::bodyText)
                .containsExactly("{\"model\":\"a\"}", "{\"model\":\"b\"}", "{\"model\":\"c\"}");
    }

    private static int responses(String seen) {
        return seen.split("HTTP/1\\.1 200 OK", -1).length - 1;
    }
}
