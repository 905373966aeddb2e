package dev.tollgate.sharedstate.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.OwnRedisServer;
import dev.tollgate.support.TestServices;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static dev.tollgate.support.Scrape.value;
import static org.assertj.core.api.Assertions.assertThat;

/** The gateway with TOLLGATE_REDIS_URL: the same answers, headers and /ratelimit as in memory, and the decided failure modes. */
class SharedLimitsGatewayTest extends KeyModeTest {

    private static final String UNAVAILABLE = "{\"error\":{\"message\":\"Rate limits and budgets cannot be checked right now (the "
            + "shared counter store is unreachable). Try again shortly.\",\"type\":\"server_error\",\"param\":null,"
            + "\"code\":\"limits_unavailable\"}}";

    private RedisFixture redis;

    @AfterEach
    void cleanUp() {
        closeAll();
    }

    private void closeAll() {
        if (gateway != null) {
            gateway.close();
            gateway = null;
        }
        if (redis != null) redis.close();
    }

    private void startShared(RedisFixture r, Map<String, String> extra) {
        redis = r;
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_REDIS_URL", r.url);
        env.putAll(extra);
        env.put("TOLLGATE_REDIS_PREFIX", r.prefix);
        startKeyMode(env);
    }

    private String keyId(String secret) {
        return gateway.gateway().access().keys().bySecret(secret, clock.get()).key().id();
    }

    @Test
    void overTheLimitIs429WithTheSameBodyAndHeadersAsInMemory() throws Exception {
        startShared(RedisFixture.machine(), Map.of());
        String secret = createKey("{\"limits\":{\"rpm\":2}}").get("key").asText();
        HttpResponse<String> first = chat(secret, CHAT);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("1");
        assertThat(first.headers().firstValue("x-ratelimit-reset-requests")).hasValue("1m0s");
        assertThat(chat(secret, CHAT).headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");

        HttpResponse<String> refused = chat(secret, CHAT);
        assertThat(refused.statusCode()).isEqualTo(429);
        String retryAfter = refused.headers().firstValue("retry-after").orElseThrow();
        assertThat(Integer.parseInt(retryAfter)).isBetween(50, 60);
        assertThat(refused.body()).isEqualTo("{\"error\":{\"message\":\"Rate limit reached for key:" + keyId(secret)
                + ": 2 requests per minute. Retry after " + retryAfter + " s.\",\"type\":\"rate_limit_exceeded\",\"param\":null,"
                + "\"code\":\"rate_limit_exceeded\"}}");
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(upstream.received()).hasSize(2);

        JsonNode status = Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + secret).body());
        assertThat(status.get("limits").toString()).isEqualTo("[{\"subject\":\"key:" + keyId(secret)
                + "\",\"window\":\"rpm\",\"limit\":2,\"used\":2,\"remaining\":0,\"reset_seconds\":60}]");
        assertThat(redis.keys()).contains("{" + redis.prefix + "}win:key:" + keyId(secret) + ":rpm");
    }

    @Test
    void aBudgetPeriodLostByRedisStartsAgainFromTheLedger() throws Exception {
        startShared(RedisFixture.machine(), Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(20, 100))); // gpt-4o-mini: 3 + 60 micro-dollars
        String secret = createKey("{\"budget\":{\"amount_usd\":1,\"period\":\"monthly\"}}").get("key").asText();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        assertThat(spentUsd(secret)).isEqualByComparingTo("0.000126");

        awaitLedgerQuiet();
        Request del = Request.cmd(Command.DEL);
        for (String k : redis.keys()) del.arg(k);
        redis.send(del); // Redis lost everything (restart without persistence)

        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        assertThat(spentUsd(secret)).isEqualByComparingTo("0.000189"); // the ledger's two calls and the new one
    }

    /** What /ratelimit says the key's budget spent, once settlement (asynchronous) has shown something. */
    private java.math.BigDecimal spentUsd(String secret) throws Exception {
        java.math.BigDecimal spent = java.math.BigDecimal.ZERO;
        for (int i = 0; i < 50 && spent.signum() == 0; i++) {
            if (i > 0) Thread.sleep(20);
            spent = Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + secret).body()).get("budgets").get(0)
                    .get("spent_usd").decimalValue();
        }
        Thread.sleep(50); // one more look, for a settlement still on its way
        return Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + secret).body()).get("budgets").get(0)
                .get("spent_usd").decimalValue();
    }

    @Test
    void closedRefusesWith503WhileRedisIsDownAndSharesAgainWhenItIsBack() throws Exception {
        TestServices.need(TestServices.REDIS); // redis-server is installed with it
        try (OwnRedisServer own = new OwnRedisServer()) {
            startShared(new RedisFixture(own.url()), Map.of("TOLLGATE_REDIS_TIMEOUT_MS", "500"));
            String secret = createKey("{\"limits\":{\"rpm\":100}}").get("key").asText();
            assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
            gateway.gateway().access().counters().flush().toCompletionStage().toCompletableFuture().get();
            String before = gateway.get("/metrics").body();
            assertThat(before).contains("tollgate_shared_state_up 1.0\n");
            // The admission, and the settlement alone or riding with nothing (flushed): one or two round trips.
            assertThat(value(before, "tollgate_shared_state_calls_seconds_count{outcome=\"ok\"}")).isBetween(1.0, 2.0);
            assertThat(before).contains("tollgate_shared_state_calls_seconds_count{outcome=\"error\"} 0\n");

            own.stop();
            HttpResponse<String> refused = chat(secret, CHAT);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).isEqualTo(UNAVAILABLE);
            assertThat(chat(secret, CHAT).body()).isEqualTo(UNAVAILABLE);
            assertThat(upstream.received()).hasSize(1);
            String down = gateway.get("/metrics").body();
            assertThat(down).contains("tollgate_shared_state_up 0.0\n");
            assertThat(value(down, "tollgate_shared_state_calls_seconds_count{outcome=\"error\"}")).isGreaterThanOrEqualTo(1.0);

            own.start();
            HttpResponse<String> back = awaitStatus(secret, 200);
            // Redis started empty: the window counts from the new start.
            assertThat(back.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("99");
            assertThat(gateway.get("/metrics").body()).contains("tollgate_shared_state_up 1.0\n");
            closeBeforeRedisStops();
        }
    }

    @Test
    void localCountsInThisReplicaWhileRedisIsDownAndFlagsEveryRequest() throws Exception {
        TestServices.need(TestServices.REDIS);
        try (OwnRedisServer own = new OwnRedisServer(); LogCapture logs = new LogCapture()) {
            startShared(new RedisFixture(own.url()), Map.of("TOLLGATE_SHARED_STATE_ON_ERROR", "local", "TOLLGATE_REDIS_TIMEOUT_MS", "500"));
            String secret = createKey("{\"limits\":{\"rpm\":2}}").get("key").asText();
            int n = logs.requestLines().size() + 1; // request lines are written as exchanges complete
            assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
            assertThat(logs.awaitRequestLine(n)).doesNotContain("\"limits\":");

            own.stop();
            assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
            assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
            assertThat(chat(secret, CHAT).statusCode()).isEqualTo(429); // this replica's own rpm window is full
            for (int i = 1; i <= 3; i++) assertThat(logs.awaitRequestLine(n + i)).contains("\"limits\":\"local\"");
            assertThat(logs.appLines().stream().filter(l -> l.contains("Redis (shared limits and budgets) is unreachable")).count())
                    .isEqualTo(1);

            own.start();
            HttpResponse<String> back = awaitStatus(secret, 200);
            assertThat(back.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("1");
            Thread.sleep(200);
            assertThat(logs.requestLines().get(logs.requestLines().size() - 1)).doesNotContain("\"limits\":");
            closeBeforeRedisStops();
        }
    }

    @Test
    void anAdmissionThatArrivesAfterItsClientLeftGivesBackWhatItGot() throws Exception {
        TestServices.need(TestServices.REDIS);
        try (OwnRedisServer own = new OwnRedisServer()) {
            startShared(new RedisFixture(own.url()), Map.of("TOLLGATE_REDIS_TIMEOUT_MS", "5000"));
            String secret = createKey("{\"limits\":{\"rpm\":10,\"concurrent\":1}}").get("key").asText();
            assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200); // script loaded, connections open

            // Redis stalls for a second; the client sends its request and leaves while the admission waits.
            io.vertx.core.Future<io.vertx.redis.client.Response> stall = io.vertx.redis.client.Redis.createClient(redis.vertx, own.url())
                    .send(Request.cmd(Command.DEBUG).arg("SLEEP").arg("1"));
            Thread.sleep(100);
            try (dev.tollgate.support.RawClient raw = new dev.tollgate.support.RawClient(gateway.port())) {
                raw.postJson("/v1/chat/completions", CHAT, "Authorization: Bearer " + secret);
                Thread.sleep(200);
            }
            RedisFixture.await(stall);
            Thread.sleep(300); // the late admission arrives and is given back

            JsonNode status = Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + secret).body());
            assertThat(status.get("limits").get(0).get("used").asLong()).isEqualTo(1); // the request that left is not counted
            assertThat(status.get("limits").get(1).get("window").asText()).isEqualTo("concurrent");
            assertThat(status.get("limits").get(1).get("used").asLong()).isZero(); // its slot came back
            assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
            assertThat(upstream.received()).hasSize(2);
            closeBeforeRedisStops();
        }
    }

    @Test
    void thePasswordComesFromTheEnvironmentVariableTheSettingNames() throws Exception {
        TestServices.need(TestServices.REDIS);
        String password = "redis-pw-" + java.util.UUID.randomUUID();
        try (OwnRedisServer own = new OwnRedisServer("--requirepass", password); LogCapture logs = new LogCapture()) {
            RedisFixture fixture = new RedisFixture(own.url().replace("redis://", "redis://:" + password + "@"));
            startShared(fixture, Map.of("TOLLGATE_REDIS_URL", own.url(), "TOLLGATE_REDIS_PASSWORD_ENV", "TG_TEST_REDIS_PASSWORD",
                    "TG_TEST_REDIS_PASSWORD", password));
            String secret = createKey("{\"limits\":{\"rpm\":5}}").get("key").asText();
            HttpResponse<String> ok = chat(secret, CHAT);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("4");
            assertThat(fixture.keys()).contains("{" + fixture.prefix + "}win:key:" + keyId(secret) + ":rpm");
            assertThat(logs.all()).doesNotContain(password);
            closeBeforeRedisStops();
        }
    }

    /** The gateway and the key clean-up need the test's own Redis, which stops when its block ends. */
    private void closeBeforeRedisStops() {
        closeAll();
        redis = null;
    }

    private HttpResponse<String> awaitStatus(String secret, int status) throws Exception {
        HttpResponse<String> r = null;
        for (int i = 0; i < 100; i++) {
            r = chat(secret, CHAT);
            if (r.statusCode() == status) return r;
            Thread.sleep(100);
        }
        throw new AssertionError("still " + r.statusCode() + ": " + r.body());
    }
}
