package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayProcess;
import dev.tollgate.support.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A team budget shared by two keys, one used on each of two data planes (real processes, a control
 * plane on SQLite): 200 concurrent calls, 100 on each data plane, each capped at 1,000 output
 * tokens (worst case $0.001) and billed 400 ($0.0004). The budget ($0.02) pays for at most 50: the
 * answered calls never cost more than it, every refusal is the budget's 429, and once the leases
 * are back the control plane's figure is exactly what the answered calls cost. Without Redis the
 * data planes spend leases; with Redis (all three planes on one prefix) they count in Redis.
 */
class BudgetsAcrossDataPlanesProofTest {

    static final String ADMIN = Planes.ADMIN;
    static final String MODEL = "proof-model";
    static final String PRICES = "{\"" + MODEL + "\":{\"input\":0,\"output\":1,\"max_output_tokens\":4096,\"context_window\":8192}}";
    static final long COST_NANO = 400_000; // 400 output tokens at $1 per million
    static final long BUDGET_NANO = 20_000_000; // $0.02

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private Path dir;
    private FakeUpstream upstream;
    private final List<GatewayProcess> processes = new ArrayList<>();
    private GatewayProcess cp;
    private final List<GatewayProcess> planes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("tollgate-hybrid-budgets-");
        upstream = new FakeUpstream();
        // Each call answers after 200 ms, so the 200 overlap.
        upstream.handle(req -> upstream.vertx().setTimer(200, t -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-1\","
                + "\"object\":\"chat.completion\",\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":400,\"total_tokens\":408}}")));
    }

    @AfterEach
    void stop() throws Exception {
        for (GatewayProcess g : processes) g.close();
        upstream.close();
        Planes.deleteTree(dir);
    }

    @Test
    void withoutRedisLeasesKeepATeamBudgetSharedByTwoDataPlanesAndADataPlaneAloneFailsClosed() throws Exception {
        prove(Map.of("TOLLGATE_LEASE_SECONDS", "5"), Map.of());
        assertThat(cp.logText()).doesNotContain("Exception");

        // Without its control plane a data plane spends what its lease holds, until the lease ends; then budgeted keys get the budget's 429.
        assertThat(admin("PUT", "/admin/v1/teams/far-team", "{\"budget\":{\"amount_usd\":1,\"period\":\"total\"}}").statusCode()).isEqualTo(200);
        String budgeted = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"far\",\"team\":\"far-team\"}").body()).get("key").asText();
        String unbudgeted = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"free\"}").body()).get("key").asText();
        GatewayProcess dp = planes.get(0);
        awaitKnown(dp, budgeted);
        awaitKnown(dp, unbudgeted);
        assertThat(chat(dp, budgeted).statusCode()).isEqualTo(200); // a lease of half the budget
        cp.kill(); // at once (a graceful stop can outlast a 5 s lease)
        long stopped = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> served = chat(dp, budgeted);
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        }
        HttpResponse<String> refused = awaitStatus(dp, budgeted, 429);
        long ms = (System.nanoTime() - stopped) / 1_000_000;
        System.out.printf("budgets across data planes (leases): the control plane away, a budgeted key refused after %d ms%n", ms);
        assertThat(ms).isLessThan(10_000);
        assertThat(Json.parse(refused.body()).at("/error/code").asText()).isEqualTo("insufficient_quota");
        assertThat(Json.parse(refused.body()).at("/error/message").asText()).startsWith("Budget exceeded for team:far-team: $");
        assertThat(chat(dp, unbudgeted).statusCode()).isEqualTo(200); // keys without budgets are not affected
    }

    private HttpResponse<String> chat(GatewayProcess dp, String secret) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(dp.url("/v1/chat/completions"))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\",\"max_tokens\":1000,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> awaitStatus(GatewayProcess dp, String secret, int status) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = chat(dp, secret);
            if (last.statusCode() == status) return last;
            Thread.sleep(100);
        }
        throw new AssertionError("not " + status + " within 30 s; last: " + last.statusCode() + " " + last.body());
    }

    @Test
    void withRedisAllPlanesCountATeamBudgetExactly() throws Exception {
        TestServices.need(TestServices.REDIS);
        Map<String, String> redis = Map.of("TOLLGATE_REDIS_URL", TestServices.redisUrl(),
                "TOLLGATE_REDIS_PREFIX", "tgtest:" + UUID.randomUUID() + ":");
        prove(redis, redis);
    }

    private void prove(Map<String, String> cpExtra, Map<String, String> dpExtra) throws Exception {
        int cpPort = GatewayProcess.freePort();
        Map<String, String> cpEnv = Planes.controlPlaneEnv(dir, upstream.baseUrl());
        cpEnv.put("TOLLGATE_PRICES", PRICES);
        cpEnv.putAll(cpExtra);
        cp = GatewayProcess.start(cpEnv, dir, "cp", cpPort);
        processes.add(cp);
        String token = Json.parse(admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"budget proof\"}").body()).get("secret").asText();
        assertThat(admin("PUT", "/admin/v1/teams/proof-team", "{\"budget\":{\"amount_usd\":0.02,\"period\":\"total\"}}").statusCode()).isEqualTo(200);
        List<String> secrets = new ArrayList<>();
        for (String name : List.of("dp1", "dp2")) {
            Map<String, String> env = Planes.dataPlaneEnv(dir, name, cpPort, token, upstream.baseUrl());
            env.put("TOLLGATE_PRICES", PRICES);
            env.putAll(dpExtra);
            GatewayProcess dp = GatewayProcess.start(env, dir, name);
            processes.add(dp);
            planes.add(dp);
            secrets.add(Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"" + name + "\",\"team\":\"proof-team\"}").body()).get("key").asText());
        }
        for (int p = 0; p < 2; p++) awaitKnown(planes.get(p), secrets.get(p));

        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            int p = i % 2;
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(planes.get(p).url("/v1/chat/completions"))).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + secrets.get(p))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\",\"max_tokens\":1000,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int[] answered = new int[2];
        int refused = 0;
        for (int i = 0; i < calls.size(); i++) {
            HttpResponse<String> r = calls.get(i).get();
            if (r.statusCode() == 200) {
                answered[i % 2]++;
                continue;
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
            JsonNode e = Json.parse(r.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("insufficient_quota");
            assertThat(e.get("type").asText()).isEqualTo("insufficient_quota");
            assertThat(e.get("param").isNull()).isTrue();
            assertThat(e.get("message").asText()).startsWith("Budget exceeded for team:proof-team: $").contains(" of $0.020000 remaining in total, "
                    + "and this request may cost up to $0.001000.");
            refused++;
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        long spent = (answered[0] + answered[1]) * COST_NANO;
        System.out.printf("budgets across data planes (%s): %d + %d answered (spent $%s of $0.02), %d refused, in %d ms%n",
                dpExtra.isEmpty() ? "leases" : "redis", answered[0], answered[1], BigDecimal.valueOf(spent, 9).stripTrailingZeros().toPlainString(),
                refused, ms);
        assertThat(spent).isLessThanOrEqualTo(BUDGET_NANO);
        assertThat(answered[0] + answered[1] + refused).isEqualTo(200);
        // The budget holds 20 worst cases at once, and the 200 arrive together: at least half of those 20 are answered.
        assertThat(answered[0] + answered[1]).isGreaterThanOrEqualTo(10);
        if (dpExtra.isEmpty()) {
            // Leases: a burst on one data plane takes a share, not the whole budget. (Redis is exact, not fair: the plane
            // whose calls reach it first may take every worst case that fits.)
            assertThat(answered[0]).isPositive();
            assertThat(answered[1]).isPositive();
        }
        assertThat(upstream.received()).hasSize(answered[0] + answered[1]);

        // The leases come home (unused ones expire, the data planes give them back): the control plane's figure is exactly what was spent.
        JsonNode budget = awaitBudget(secrets.get(0), spent);
        assertThat(new BigDecimal(budget.get("spent_usd").asText())).isEqualByComparingTo(BigDecimal.valueOf(spent, 9));
        for (GatewayProcess dp : planes) assertThat(dp.logText()).doesNotContain("Exception").doesNotContain(token);
    }

    /** Asks the control plane for the team budget (a key of the team) until it shows {@code spent}; 40 s at most. */
    private JsonNode awaitBudget(String secret, long spent) throws Exception {
        long deadline = System.nanoTime() + 40_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cp.url("/ratelimit"))).header("Authorization", "Bearer " + secret)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode b : Json.parse(r.body()).path("budgets")) {
                if (b.path("subject").asText().equals("team:proof-team")) last = b;
            }
            if (last != null && new BigDecimal(last.get("spent_usd").asText()).compareTo(BigDecimal.valueOf(spent, 9)) == 0
                    && new BigDecimal(last.get("remaining_usd").asText()).compareTo(BigDecimal.valueOf(BUDGET_NANO - spent, 9)) == 0) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the control plane's budget did not come to $" + BigDecimal.valueOf(spent, 9) + "; last: " + last);
    }

    private void awaitKnown(GatewayProcess dp, String secret) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(dp.url("/ratelimit"))).header("Authorization", "Bearer " + secret)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) return;
            Thread.sleep(50);
        }
        throw new AssertionError("the data plane did not learn of the key");
    }

    private HttpResponse<String> admin(String method, String path, String json) throws IOException, InterruptedException {
        return Planes.admin(http, cp, method, path, json);
    }
}
