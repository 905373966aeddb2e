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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One key limited to 20 requests per minute, used on two data planes at once (real processes, a
 * control plane on SQLite, no Redis): two bursts of 100 concurrent calls, 50 on each data plane,
 * within the minute. The data planes admit from request slices the control plane counted, so the
 * answered calls of both bursts together are at most 20, and every refusal is the rate limit's
 * 429 with its headers, exactly as a refusal by a limit counted in one process.
 */
class RequestLimitsAcrossDataPlanesProofTest {

    static final String ADMIN = Planes.ADMIN;
    static final int RPM = 20;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private Path dir;
    private FakeUpstream upstream;
    private final List<GatewayProcess> processes = new ArrayList<>();
    private GatewayProcess cp;
    private final List<GatewayProcess> planes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("tollgate-hybrid-rates-");
        upstream = new FakeUpstream();
        // Each call answers after 100 ms, so a burst's calls overlap.
        upstream.handle(req -> upstream.vertx().setTimer(100, t -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-1\","
                + "\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":4,\"total_tokens\":12}}")));
    }

    @AfterEach
    void stop() throws Exception {
        for (GatewayProcess g : processes) g.close();
        upstream.close();
        Planes.deleteTree(dir);
    }

    @Test
    void aKeysRequestsPerMinuteHoldAcrossTwoDataPlanesWithoutRedis() throws Exception {
        int cpPort = GatewayProcess.freePort();
        Map<String, String> cpEnv = Planes.controlPlaneEnv(dir, upstream.baseUrl());
        cpEnv.put("TOLLGATE_LEASE_SECONDS", "5");
        cp = GatewayProcess.start(cpEnv, dir, "cp", cpPort);
        processes.add(cp);
        String token = Json.parse(admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"rate proof\"}").body()).get("secret").asText();
        JsonNode key = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"shared\",\"limits\":{\"rpm\":" + RPM + "}}").body());
        JsonNode far = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"far\",\"limits\":{\"rpm\":1000}}").body());
        String unlimited = Json.parse(admin("POST", "/admin/v1/keys", "{\"name\":\"free\"}").body()).get("key").asText();
        String secret = key.get("key").asText();
        String keyId = key.get("id").asText();
        for (String name : List.of("dp1", "dp2")) {
            GatewayProcess dp = GatewayProcess.start(Planes.dataPlaneEnv(dir, name, cpPort, token, upstream.baseUrl()), dir, name);
            processes.add(dp);
            planes.add(dp);
        }
        for (GatewayProcess dp : planes) awaitKnown(dp, secret);
        awaitKnown(planes.get(0), far.get("key").asText());
        awaitKnown(planes.get(0), unlimited);

        long started = System.nanoTime();
        int[] answered = new int[2];
        int refused = 0;
        for (int burst = 0; burst < 2; burst++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) calls.add(chatAsync(planes.get(i % 2), secret));
            for (int i = 0; i < calls.size(); i++) {
                HttpResponse<String> r = calls.get(i).get();
                if (r.statusCode() == 200) {
                    answered[i % 2]++;
                    continue;
                }
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                JsonNode e = Json.parse(r.body()).get("error");
                assertThat(e.get("type").asText()).isEqualTo("rate_limit_exceeded");
                assertThat(e.get("code").asText()).isEqualTo("rate_limit_exceeded");
                assertThat(e.get("param").isNull()).isTrue();
                assertThat(e.get("message").asText()).matches("Rate limit reached for key:" + keyId + ": " + RPM
                        + " requests per minute\\. Retry after [0-9]+ s\\.");
                assertThat(r.headers().firstValue("retry-after")).isPresent();
                assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue(String.valueOf(RPM));
                assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
                refused++;
            }
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("request limits across data planes (slices): %d + %d answered of %d per minute, %d refused, in %d ms%n",
                answered[0], answered[1], RPM, refused, ms);
        assertThat(ms).isLessThan(60_000); // both bursts within one minute of the first call
        assertThat(answered[0] + answered[1]).isLessThanOrEqualTo(RPM);
        assertThat(answered[0] + answered[1] + refused).isEqualTo(200);
        // Slices are shares: most of the limit is used, and by both data planes.
        assertThat(answered[0] + answered[1]).isGreaterThanOrEqualTo(RPM / 2);
        assertThat(answered[0]).isPositive();
        assertThat(answered[1]).isPositive();
        assertThat(upstream.received()).hasSize(answered[0] + answered[1]);
        for (GatewayProcess dp : planes) assertThat(dp.logText()).doesNotContain("Exception").doesNotContain(token);
        assertThat(cp.logText()).doesNotContain("Exception");

        // Without its control plane a data plane admits what its slices hold until they end, then refuses with the rate limit's 429.
        GatewayProcess dp = planes.get(0);
        assertThat(chatAsync(dp, far.get("key").asText()).get().statusCode()).isEqualTo(200); // a slice of 500
        cp.kill();
        long stopped = System.nanoTime();
        HttpResponse<String> last;
        do {
            last = chatAsync(dp, far.get("key").asText()).get();
            assertThat(System.nanoTime() - stopped).isLessThan(10_000_000_000L);
        } while (last.statusCode() == 200);
        System.out.printf("request limits across data planes (slices): the control plane away, a limited key refused after %d ms%n",
                (System.nanoTime() - stopped) / 1_000_000);
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(Json.parse(last.body()).at("/error/message").asText())
                .isEqualTo("Rate limit reached for key:" + far.get("id").asText() + ": 1000 requests per minute. Retry after 1 s.");
        assertThat(chatAsync(dp, unlimited).get().statusCode()).isEqualTo(200); // keys without request limits are not affected
    }

    private CompletableFuture<HttpResponse<String>> chatAsync(GatewayProcess dp, String secret) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(dp.url("/v1/chat/completions"))).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
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
