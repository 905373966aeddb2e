package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hybrid mode with real processes: one control plane (SQLite) and two data planes, each its own
 * JVM configured only through its environment. Keys made and revoked on the control plane reach
 * both data planes within seconds; the data planes keep serving while the control plane is down,
 * also across a restart, from their saved snapshot; a damaged saved snapshot is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HybridProofTest {

    static final String ADMIN = Planes.ADMIN;
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String REVOKED = "{\"error\":{\"message\":\"This API key has been revoked.\",\"type\":\"invalid_request_error\","
            + "\"param\":null,\"code\":\"invalid_api_key\"}}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Path dir;
    private FakeUpstream upstream;
    private int cpPort;
    private GatewayProcess cp;
    private GatewayProcess dp1;
    private GatewayProcess dp2;
    private String dpToken;
    private String liveKey;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("tollgate-hybrid-");
        upstream = new FakeUpstream();
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}"));
        cpPort = GatewayProcess.freePort();
        cp = GatewayProcess.start(controlPlaneEnv(), dir, "cp", cpPort);
        HttpResponse<String> token = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"proof planes\"}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        dpToken = Json.parse(token.body()).get("secret").asText();
        dp1 = GatewayProcess.start(dataPlaneEnv("dp1"), dir, "dp1");
        dp2 = GatewayProcess.start(dataPlaneEnv("dp2"), dir, "dp2");
    }

    @AfterAll
    void stop() throws Exception {
        for (GatewayProcess g : new GatewayProcess[] {dp1, dp2, cp}) if (g != null) g.close();
        upstream.close();
        Planes.deleteTree(dir);
    }

    private Map<String, String> controlPlaneEnv() {
        return Planes.controlPlaneEnv(dir, upstream.baseUrl());
    }

    private Map<String, String> dataPlaneEnv(String name) {
        Map<String, String> env = Planes.dataPlaneEnv(dir, name, cpPort, dpToken, upstream.baseUrl());
        env.remove("TOLLGATE_DATA_PLANE_TOKEN");
        env.put("USAGE_PANDA_API_KEY", dpToken); // the seeds' name for the token
        env.put("CONFIG_CACHE_MINUTES", "1");
        return env;
    }

    @Test
    @Order(1)
    void aDataPlaneWithoutItsSettingsRefusesToStartNamingThem() throws Exception {
        Map<String, String> env = dataPlaneEnv("dp-bare");
        env.remove("TOLLGATE_CONTROL_PLANE_URL");
        env.remove("USAGE_PANDA_API_KEY");
        GatewayProcess bare = GatewayProcess.launch(env, dir, "dp-bare", GatewayProcess.freePort());
        assertThat(bare.exitCode(Duration.ofSeconds(60))).isEqualTo(2);
        assertThat(bare.logText()).contains("tollgate: invalid configuration:\n"
                + "  TOLLGATE_CONTROL_PLANE_URL: required when TOLLGATE_ROLE=data-plane (or USAGE_PANDA_API)\n"
                + "  TOLLGATE_DATA_PLANE_TOKEN: required when TOLLGATE_ROLE=data-plane (or USAGE_PANDA_API_KEY)");
    }

    @Test
    @Order(2)
    void aDataPlaneTokenCannotCallTheAdminApiAndADataPlaneHasNone() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(cp.url("/admin/v1/keys")))
                .header("Authorization", "Bearer " + dpToken).GET().build());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The admin API needs 'Authorization: Bearer <TOLLGATE_ADMIN_TOKEN>'.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_admin_token\"}}");
        HttpResponse<String> onDataPlane = send(HttpRequest.newBuilder(URI.create(dp1.url("/admin/v1/keys")))
                .header("Authorization", "Bearer " + ADMIN).GET().build());
        assertThat(onDataPlane.statusCode()).isEqualTo(404);
        assertThat(Json.parse(onDataPlane.body()).path("error").path("code").asText()).isEqualTo("unknown_route");
    }

    @Test
    @Order(3)
    void aKeyMadeOnTheControlPlaneWorksOnBothDataPlanesAndItsRevocationReachesThemWithinSeconds() throws Exception {
        JsonNode key = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"hybrid proof\"}").body());
        String secret = key.get("key").asText();
        long made = System.nanoTime();
        awaitStatus(dp1, secret, 200);
        awaitStatus(dp2, secret, 200);
        long reached = (System.nanoTime() - made) / 1_000_000;

        admin("POST", "/admin/v1/keys/" + key.get("id").asText() + "/revoke", "");
        long revoked = System.nanoTime();
        HttpResponse<String> refused1 = awaitStatus(dp1, secret, 401);
        long ms1 = (System.nanoTime() - revoked) / 1_000_000;
        HttpResponse<String> refused2 = awaitStatus(dp2, secret, 401);
        long ms2 = (System.nanoTime() - revoked) / 1_000_000;
        System.out.printf("hybrid proof: a new key served by both data planes after %d ms; its revocation refused on data plane 1 "
                + "after %d ms, on data plane 2 after %d ms%n", reached, ms1, ms2);
        assertThat(refused1.body()).isEqualTo(REVOKED);
        assertThat(refused2.body()).isEqualTo(REVOKED);
        assertThat(Math.max(ms1, ms2)).isLessThan(5_000);

        // The control plane lists both data planes, on the snapshot it serves now.
        JsonNode planes = awaitJson(() -> Json.parse(admin("GET", "/admin/v1/dataplanes", null).body()),
                p -> p.path("data").size() == 2 && p.path("data").get(0).path("up_to_date").asBoolean()
                        && p.path("data").get(1).path("up_to_date").asBoolean());
        assertThat(planes.path("data").get(0).path("id").asText()).startsWith("dp_");
        assertThat(planes.path("data").get(0).path("snapshot_version").asText()).isEqualTo(planes.path("snapshot_version").asText());
        HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(dp1.url("/readyz"))).GET().build());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(Json.parse(ready.body()).path("snapshot").asText()).isEqualTo("fresh");
        assertThat(Json.parse(ready.body()).path("snapshot_version").asText()).isEqualTo(planes.path("snapshot_version").asText());
        // Never a secret in a snapshot or a log: the data planes hold hashes only.
        assertThat(Files.readString(dir.resolve("dp1").resolve(SnapshotFile.NAME))).doesNotContain(secret);
        assertThat(dp1.logText()).doesNotContain(secret).doesNotContain(dpToken);
        assertThat(cp.logText()).doesNotContain(secret).doesNotContain(dpToken);
    }

    @Test
    @Order(4)
    void dataPlanesKeepServingWithoutTheControlPlaneAlsoAfterARestart() throws Exception {
        liveKey = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"outlives the control plane\"}").body()).get("key").asText();
        awaitStatus(dp1, liveKey, 200);
        awaitStatus(dp2, liveKey, 200);
        awaitSaved(dir.resolve("dp1"));
        awaitSaved(dir.resolve("dp2"));
        cp.stop();

        assertThat(chat(dp1, liveKey).statusCode()).isEqualTo(200);
        assertThat(chat(dp2, liveKey).statusCode()).isEqualTo(200);

        dp1.stop();
        dp1 = GatewayProcess.start(dataPlaneEnv("dp1"), dir, "dp1");
        HttpResponse<String> served = chat(dp1, liveKey);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(Json.parse(served.body()).path("choices").get(0).path("message").path("content").asText()).isEqualTo("ok");
        HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(dp1.url("/readyz"))).GET().build());
        assertThat(ready.statusCode()).isEqualTo(200);
        // Served from disk, not confirmed by the control plane since the restart: ready, and says it is stale.
        assertThat(Json.parse(ready.body()).path("status").asText()).isEqualTo("degraded");
        assertThat(Json.parse(ready.body()).path("snapshot").asText()).isEqualTo("stale");
        assertThat(dp1.logText()).contains("serving from the saved snapshot");
    }

    @Test
    @Order(5)
    void aDamagedSavedSnapshotIsRejectedAndTheControlPlaneIsWaitedFor() throws Exception {
        dp2.stop();
        Path saved = dir.resolve("dp2").resolve(SnapshotFile.NAME);
        String text = Files.readString(saved, StandardCharsets.UTF_8);
        Files.writeString(saved, text.replace("outlives the control plane", "outlives the control planE"), StandardCharsets.UTF_8);
        dp2 = GatewayProcess.launch(dataPlaneEnv("dp2"), dir, "dp2", GatewayProcess.freePort());
        HttpResponse<String> notReady = awaitResponse(() -> send(HttpRequest.newBuilder(URI.create(dp2.url("/readyz"))).GET().build()),
                r -> r.statusCode() == 503);
        assertThat(notReady.body()).isEqualTo("{\"status\":\"not_ready\",\"snapshot\":\"none\"}");
        assertThat(dp2.logText()).contains("rejected the saved snapshot " + saved + ": checksum mismatch");

        // The control plane comes back: the data plane loads from it and serves.
        cp = GatewayProcess.start(controlPlaneEnv(), dir, "cp", cpPort);
        awaitResponse(() -> send(HttpRequest.newBuilder(URI.create(dp2.url("/readyz"))).GET().build()), r -> r.statusCode() == 200);
        assertThat(chat(dp2, liveKey).statusCode()).isEqualTo(200);
        HttpResponse<String> fresh = awaitResponse(() -> send(HttpRequest.newBuilder(URI.create(dp1.url("/readyz"))).GET().build()),
                r -> r.body().contains("\"snapshot\":\"fresh\""));
        assertThat(fresh.statusCode()).isEqualTo(200);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private HttpResponse<String> chat(GatewayProcess g, String secret) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(g.url("/v1/chat/completions"))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build());
    }

    private HttpResponse<String> admin(String method, String path, String json) throws IOException, InterruptedException {
        return Planes.admin(http, cp, method, path, json);
    }

    private HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> awaitStatus(GatewayProcess g, String secret, int status) throws Exception {
        return awaitResponse(() -> chat(g, secret), r -> r.statusCode() == status);
    }

    interface Call<T> {
        T call() throws Exception;
    }

    private <T> T awaitResponse(Call<T> call, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        T last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = call.call();
                if (done.test(last)) return last;
            } catch (IOException notListening) {
                // not yet
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not within 30 s; last: " + (last instanceof HttpResponse<?> r ? r.statusCode() + " " + r.body() : last));
    }

    private JsonNode awaitJson(Call<JsonNode> call, Predicate<JsonNode> done) throws Exception {
        return awaitResponse(call, done);
    }

    private void awaitSaved(Path dataDir) throws Exception {
        awaitResponse(() -> Files.exists(dataDir.resolve(SnapshotFile.NAME))
                && Files.readString(dataDir.resolve(SnapshotFile.NAME)).contains("outlives the control plane"), b -> b);
    }
}
