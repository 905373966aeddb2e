package dev.tollgate.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The ledger in a real gateway process: SIGTERM writes everything; kill -9 loses at most the last flush interval. */
class LedgerDurabilityTest {

    private static final String ADMIN = "durability-admin-token-000";
    private final FakeUpstream upstream = new FakeUpstream();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        upstream.close();
    }

    private Process startGateway(int port, String flushMs, File log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
                "dev.tollgate.Main", "serve", "--port", String.valueOf(port));
        pb.environment().putAll(Map.of("HOST", "127.0.0.1", "LLM_API_BASE_PATH", upstream.baseUrl(), "TOLLGATE_EVENT_LOOPS", "1",
                "OPENAI_API_KEY", "sk-durability", "TOLLGATE_ADMIN_TOKEN", ADMIN, "TOLLGATE_DATABASE", dir.resolve("t.db").toString(), "TOLLGATE_DATA_DIR", dir.toString(),
                "TOLLGATE_LEDGER_FLUSH_MS", flushMs));
        pb.redirectErrorStream(true);
        pb.redirectOutput(log);
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!Files.readString(log.toPath()).contains("listening on")) {
            if (System.currentTimeMillis() > deadline || !p.isAlive()) {
                p.destroyForcibly(); // never leave a child process behind
                throw new AssertionError("gateway did not start: " + Files.readString(log.toPath()));
            }
            Thread.sleep(50);
        }
        return p;
    }

    private int sendCalls(int port, int n) throws Exception {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/v1/keys"))
                .header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode key = Json.parse(created.body());
        int ok = 0;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key.get("key").asText()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) ok++;
        }
        return ok;
    }

    private long rows() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ledger")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void sigtermWritesEveryQueuedRow() throws Exception {
        int port = freePort();
        File log = dir.resolve("term.log").toFile();
        Process p = startGateway(port, "60000", log); // no timed flush: only shutdown can write them
        try {
            assertThat(sendCalls(port, 25)).isEqualTo(25);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(rows()).isEqualTo(25);
    }

    @Test
    void killMinusNineLosesNothingOlderThanTheFlushInterval() throws Exception {
        int port = freePort();
        File log = dir.resolve("kill.log").toFile();
        Process p = startGateway(port, "200", log);
        try {
            assertThat(sendCalls(port, 25)).isEqualTo(25);
            Thread.sleep(600); // three flush intervals
            p.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(rows()).isEqualTo(25);
    }
}
