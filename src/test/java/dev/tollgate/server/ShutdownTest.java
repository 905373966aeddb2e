package dev.tollgate.server;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.RawClient;
import dev.tollgate.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShutdownTest {

    private final FakeUpstream upstream = new FakeUpstream();

    @AfterEach
    void tearDown() {
        upstream.close();
    }

    private CompletableFuture<HttpServerRequest> holdStream() {
        CompletableFuture<HttpServerRequest> held = new CompletableFuture<>();
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"n\":1}");
            held.complete(req);
        });
        return held;
    }

    @Test
    void stopLetsAnInFlightStreamFinishAndRefusesNewConnections() throws Exception {
        CompletableFuture<HttpServerRequest> held = holdStream();
        TestGateway gateway = TestGateway.start(upstream);
        int port = gateway.port();
        try (RawClient client = new RawClient(port)) {
            client.postJson("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}");
            client.readUntil("{\"n\":1}", 5000);
            HttpServerRequest up = held.get(5, TimeUnit.SECONDS);

            Future<Void> stopping = gateway.gateway().stop();
            assertThat(gateway.gateway().ready()).isFalse();
            Thread.sleep(300);
            assertThat(stopping.isComplete()).as("waits for the stream").isFalse();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);

            FakeUpstream.event(up, "{\"n\":2}");
            FakeUpstream.event(up, "[DONE]");
            up.response().end();
            String all = client.readUntil("data: [DONE]", 5000);
            assertThat(all).contains("{\"n\":2}");
            stopping.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigtermDrainsTheInFlightRequestFlushesTheLogAndExits() throws Exception {
        CompletableFuture<HttpServerRequest> held = holdStream();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"), "dev.tollgate.Main", "serve",
                "--port", String.valueOf(port));
        pb.environment().putAll(Map.of("HOST", "127.0.0.1", "LLM_API_BASE_PATH", upstream.baseUrl(), "TOLLGATE_EVENT_LOOPS", "1",
                "OPENAI_API_KEY", "sk-SIGTERM-SECRET-123456"));
        File log = File.createTempFile("tollgate-sigterm", ".log");
        log.deleteOnExit();
        pb.redirectErrorStream(true);
        pb.redirectOutput(log);
        Process process = pb.start();
        try {
            awaitLine(log, "listening on", 30_000);
            try (RawClient client = new RawClient(port)) {
                client.postJson("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}");
                client.readUntil("{\"n\":1}", 5000);
                HttpServerRequest up = held.get(5, TimeUnit.SECONDS);
                process.destroy(); // SIGTERM
                Thread.sleep(300);
                assertThat(process.isAlive()).as("draining, not dead").isTrue();
                FakeUpstream.event(up, "[DONE]");
                up.response().end();
                // The whole response, to its last chunk: closing right after [DONE] would race the
                // gateway's end of the stream and be logged as a client disconnect (499).
                client.readUntil("data: [DONE]\n\n\r\n0\r\n\r\n", 5000);
            }
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String all = java.nio.file.Files.readString(log.toPath());
            assertThat(all).contains("\"type\":\"request\"").contains("\"status\":200").contains("\"message\":\"stopped\"");
            assertThat(all).doesNotContain("SIGTERM-SECRET");
        } finally {
            process.destroyForcibly();
        }
    }

    private static void awaitLine(File log, String text, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!java.nio.file.Files.readString(log.toPath()).contains(text)) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("no '" + text + "' in the gateway's output");
            Thread.sleep(50);
        }
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
