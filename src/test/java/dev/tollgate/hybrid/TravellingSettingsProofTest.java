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
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway-wide settings travel with real processes: a control plane's word list and price,
 * set in its environment, are enforced and charged on a data plane that sets neither; the control
 * plane restarted with other values, the same data plane process applies them without a restart.
 */
class TravellingSettingsProofTest {

    static final String ADMIN = Planes.ADMIN;
    /** $1,000 and $2,000 per million tokens: a call of 3 + 1 tokens costs $0.005; ten times that after the change. */
    static final String PRICES_A = "{\"gpt-4o-mini\":{\"input\":1000,\"output\":2000}}";
    static final String PRICES_B = "{\"gpt-4o-mini\":{\"input\":10000,\"output\":20000}}";
    static final String BLOCKED = "{\"error\":{\"message\":\"Blocked by policy word-filter: the request contains terms from the 'custom' "
            + "word list.\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"word_list_blocked\"}}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Path dir;
    private FakeUpstream upstream;
    private int cpPort;
    private GatewayProcess cp;
    private GatewayProcess dp;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("tollgate-travelling-");
        upstream = new FakeUpstream();
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}"));
        cpPort = GatewayProcess.freePort();
    }

    @AfterEach
    void stop() throws Exception {
        for (GatewayProcess g : new GatewayProcess[] {dp, cp}) if (g != null) g.close();
        upstream.close();
        Planes.deleteTree(dir);
    }

    private Map<String, String> controlPlaneEnv(String word, String prices) {
        Map<String, String> env = Planes.controlPlaneEnv(dir, upstream.baseUrl());
        env.put("POLICY_REQUEST_WORDLIST", "custom:block");
        env.put("POLICY_CUSTOM_WORDLIST", word);
        env.put("TOLLGATE_PRICES", prices);
        return env;
    }

    private Map<String, String> dataPlaneEnv(String token) {
        return Planes.dataPlaneEnv(dir, "dp", cpPort, token, upstream.baseUrl());
    }

    @Test
    void theControlPlanesWordListAndPriceApplyOnTheDataPlaneAndChangeWhenTheControlPlaneRestartsWithOthers() throws Exception {
        cp = GatewayProcess.start(controlPlaneEnv("forbidden", PRICES_A), dir, "cp", cpPort);
        HttpResponse<String> token = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"travelling\"}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        String secret = Json.parse(admin("POST", "/admin/v1/keys",
                "{\"name\":\"travelling\"}").body()).get("key").asText();
        dp = GatewayProcess.start(dataPlaneEnv(Json.parse(token.body()).get("secret").asText()), dir, "dp");
        long pid = dp.pid();

        assertThat(chat(secret, "hello").statusCode()).isEqualTo(200);
        HttpResponse<String> r = chat(secret, "a forbidden word");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(BLOCKED);
        assertThat(upstream.received()).hasSize(1);
        assertSpent(() -> spent(secret), "0.005");

        // New values on the control plane: its environment, read at its start.
        cp.stop();
        cp = GatewayProcess.start(controlPlaneEnv("otherword", PRICES_B), dir, "cp", cpPort);
        long restarted = System.nanoTime();
        await(() -> dp.logText().contains("gateway-wide settings from the control plane in use; changed: POLICY_CUSTOM_WORDLIST, TOLLGATE_PRICES"));
        long appliedMs = (System.nanoTime() - restarted) / 1_000_000;
        System.out.println("travelling settings applied on the data plane " + appliedMs + " ms after the control plane was ready");

        assertThat(dp.pid()).isEqualTo(pid);
        assertThat(dp.alive()).isTrue();
        assertThat(chat(secret, "an otherword here").body()).isEqualTo(BLOCKED);
        assertThat(chat(secret, "a forbidden word").statusCode()).isEqualTo(200);
        assertSpent(() -> spent(secret), "0.055"); // 0.005 at the first price, 0.05 at the new one
    }

    private HttpResponse<String> chat(String secret, String text) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(dp.url("/v1/chat/completions"))).header("Authorization", "Bearer " + secret)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\","
                        + "\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}")).build());
    }

    /** What the data plane charged, over the request lines it has written. */
    private String spent(String secret) throws Exception {
        java.util.List<String> lines = dp.logText().lines().filter(l -> l.startsWith("{") && l.contains("\"type\":\"request\"")).toList();
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
        for (String line : lines) {
            JsonNode cost = Json.parse(line).path("response").path("cost_usd");
            if (cost.isNumber()) sum = sum.add(cost.decimalValue());
        }
        return sum.stripTrailingZeros().toPlainString();
    }

    private HttpResponse<String> admin(String method, String path, String json) throws IOException, InterruptedException {
        return Planes.admin(http, cp, method, path, json);
    }

    private HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static void await(java.util.concurrent.Callable<Boolean> done) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 30 s");
            Thread.sleep(50);
        }
    }

    /** Request lines are written just after the answer: the total is awaited (10 s), then must be exactly this. */
    private static void assertSpent(java.util.concurrent.Callable<String> spent, String expected) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String now = spent.call();
        while (!now.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = spent.call();
        }
        assertThat(now).isEqualTo(expected);
    }
}
