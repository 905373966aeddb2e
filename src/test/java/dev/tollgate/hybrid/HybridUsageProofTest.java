package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Usage goes home, exactly once, with real processes: a control plane (SQLite) and two data
 * planes. Traffic on both; the control plane stops; traffic goes on on both, and one data plane is
 * restarted meanwhile (it serves from its saved snapshot, its waiting rows in its spool); the
 * control plane starts again on the same database, and every request's ledger row arrives, once,
 * attributed to the data plane that served it, and both data planes show no rows waiting.
 */
class HybridUsageProofTest {

    static final String ADMIN = Planes.ADMIN;
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Path dir;
    private FakeUpstream upstream;
    private int cpPort;
    private GatewayProcess cp;
    private GatewayProcess dp1;
    private GatewayProcess dp2;
    private String dpToken;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("tollgate-hybrid-usage-");
        upstream = new FakeUpstream();
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}"));
        cpPort = GatewayProcess.freePort();
        cp = GatewayProcess.start(controlPlaneEnv(), dir, "cp", cpPort);
        HttpResponse<String> token = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"usage proof\"}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        dpToken = Json.parse(token.body()).get("secret").asText();
        dp1 = GatewayProcess.start(dataPlaneEnv("dp1"), dir, "dp1");
        dp2 = GatewayProcess.start(dataPlaneEnv("dp2"), dir, "dp2");
    }

    @AfterEach
    void stop() throws Exception {
        for (GatewayProcess g : new GatewayProcess[] {dp1, dp2, cp}) if (g != null) g.close();
        upstream.close();
        Planes.deleteTree(dir);
    }

    private Map<String, String> controlPlaneEnv() {
        return Planes.controlPlaneEnv(dir, upstream.baseUrl());
    }

    private Map<String, String> dataPlaneEnv(String name) {
        return Planes.dataPlaneEnv(dir, name, cpPort, dpToken, upstream.baseUrl());
    }

    @Test
    void everyRowArrivesOnceAfterAnOutageAndADataPlaneRestart() throws Exception {
        String key = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"usage proof\"}").body()).get("key").asText();
        // Both data planes hold the snapshot with the key (no request is made before: every request below is counted).
        awaitJson(() -> Json.parse(admin("GET", "/admin/v1/dataplanes", null).body()), p -> p.path("data").size() == 2
                && p.path("data").get(0).path("up_to_date").asBoolean() && p.path("data").get(1).path("up_to_date").asBoolean());
        String plane1 = Files.readString(dir.resolve("dp1").resolve(DataPlaneSync.ID_FILE)).trim();
        String plane2 = Files.readString(dir.resolve("dp2").resolve(DataPlaneSync.ID_FILE)).trim();
        List<String> sent1 = new ArrayList<>();
        List<String> sent2 = new ArrayList<>();

        traffic(dp1, key, "a1-", 20, sent1);
        traffic(dp2, key, "a2-", 20, sent2);
        awaitResponse(() -> Files.exists(dir.resolve("dp1").resolve(SnapshotFile.NAME)), b -> b);
        awaitResponse(() -> Files.exists(dir.resolve("dp2").resolve(SnapshotFile.NAME)), b -> b);
        // With the control plane up, rows go home as they are made.
        awaitJson(() -> Json.parse(admin("GET", "/admin/v1/dataplanes", null).body()), p -> byId(p).get(plane1).path("rows_received").asLong() == 20
                && byId(p).get(plane2).path("rows_received").asLong() == 20);
        cp.stop();

        traffic(dp1, key, "b1-", 30, sent1);
        traffic(dp2, key, "b2-", 30, sent2);
        // The data plane's own /metrics shows the rows waiting in its spool.
        awaitResponse(() -> send(HttpRequest.newBuilder(URI.create(dp2.url("/metrics"))).GET().build()),
                r -> r.body().contains("\ntollgate_ledger_spooled_rows 30.0\n"));
        awaitResponse(() -> Files.exists(dir.resolve("dp1").resolve(UsageSpool.NAME)), b -> b);
        dp1.stop(); // restarted while the control plane is down: serves from its saved snapshot, its rows wait in its spool
        dp1 = GatewayProcess.start(dataPlaneEnv("dp1"), dir, "dp1");
        assertThat(dp1.logText()).contains("serving from the saved snapshot").contains("usage rows from before the restart wait in");
        traffic(dp1, key, "c1-", 25, sent1);
        traffic(dp2, key, "c2-", 25, sent2);

        long back = System.nanoTime();
        cp = GatewayProcess.start(controlPlaneEnv(), dir, "cp", cpPort);
        JsonNode planes = awaitJson(() -> Json.parse(admin("GET", "/admin/v1/dataplanes", null).body()), p -> {
            Map<String, JsonNode> byId = byId(p);
            return byId.containsKey(plane1) && byId.containsKey(plane2)
                    && byId.get(plane1).path("rows_received").asLong() == sent1.size() && byId.get(plane2).path("rows_received").asLong() == sent2.size()
                    && byId.get(plane1).path("rows_waiting").asLong() == 0 && byId.get(plane2).path("rows_waiting").asLong() == 0;
        });
        long ms = (System.nanoTime() - back) / 1_000_000;
        System.out.printf("hybrid usage proof: %d + %d rows home, each once, %d ms after the control plane was started again%n",
                sent1.size(), sent2.size(), ms);
        assertThat(byId(planes).get(plane1).path("rows_waiting").asLong()).isZero();

        // The ledger: one row per request, by request id, attributed to the data plane that served it.
        Map<String, List<String>> ids = ledgerRequestIds();
        assertThat(ids.get(plane1)).hasSize(sent1.size());
        assertThat(ids.get(plane2)).hasSize(sent2.size());
        assertThat(ids.get(plane1)).containsExactlyInAnyOrderElementsOf(sent1);
        assertThat(ids.get(plane2)).containsExactlyInAnyOrderElementsOf(sent2);
        assertThat(ids.keySet()).containsExactlyInAnyOrder(plane1, plane2);

        JsonNode report = Json.parse(admin("GET", "/admin/v1/usage?group_by=data_plane", null).body());
        Map<String, Long> requests = new HashMap<>();
        for (JsonNode row : report.path("data")) requests.put(row.path("group").asText(), row.path("requests").asLong());
        assertThat(requests).isEqualTo(Map.of(plane1, (long) sent1.size(), plane2, (long) sent2.size()));
        assertThat(Files.exists(dir.resolve("dp1").resolve(UsageSpool.NAME))).isFalse();
        assertThat(Files.exists(dir.resolve("dp2").resolve(UsageSpool.NAME))).isFalse();
        assertThat(cp.logText()).doesNotContain(dpToken).doesNotContain(key);
        assertThat(dp1.logText()).doesNotContain(dpToken).doesNotContain(key);
    }

    private void traffic(GatewayProcess g, String key, String prefix, int n, List<String> sent) throws Exception {
        for (int i = 0; i < n; i++) {
            String id = prefix + i;
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(g.url("/v1/chat/completions"))).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + key).header("x-request-id", id)
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            sent.add(r.headers().firstValue("x-request-id").orElseThrow());
        }
    }

    private Map<String, List<String>> ledgerRequestIds() throws Exception {
        Map<String, List<String>> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("cp.db")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT data_plane_id, request_id FROM ledger")) {
            while (rs.next()) out.computeIfAbsent(String.valueOf(rs.getString(1)), k -> new ArrayList<>()).add(rs.getString(2));
        }
        return out;
    }

    private static Map<String, JsonNode> byId(JsonNode list) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode p : list.path("data")) out.put(p.path("id").asText(), p);
        return out;
    }

    private HttpResponse<String> admin(String method, String path, String json) throws IOException, InterruptedException {
        return Planes.admin(http, cp, method, path, json);
    }

    private HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    interface Call<T> {
        T call() throws Exception;
    }

    private <T> T awaitResponse(Call<T> call, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        T last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = call.call();
                if (done.test(last)) return last;
            } catch (IOException notListening) {
                // not yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not within 60 s; last: " + (last instanceof HttpResponse<?> r ? r.statusCode() + " " + r.body() : last));
    }

    private JsonNode awaitJson(Call<JsonNode> call, Predicate<JsonNode> done) throws Exception {
        return awaitResponse(call, done);
    }
}
