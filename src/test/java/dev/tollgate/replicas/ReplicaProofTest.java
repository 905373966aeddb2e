package dev.tollgate.replicas;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.TestDatabase;
import dev.tollgate.support.OwnRedisServer;
import dev.tollgate.support.TestServices;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's proof with real processes: three gateway processes (replicas) on one database and one
 * Redis prefix, called round-robin as a load balancer would, keep every budget and limit exactly
 * as one process does, survive a replica's kill -9, Redis restarting and the database going away,
 * and see a key revoked on one replica refused on the others within a second. The budget and rpm
 * proofs run on each database (SQLite, shared by three processes on one host; PostgreSQL;
 * MariaDB); the others on PostgreSQL, as in the issue.
 *
 * <p>The model is priced here at $0 input and $1 per million output tokens, so a call capped at
 * 1,000 output tokens has a worst case of exactly $0.001 (1,000 micro-dollars, 1,000,000
 * nano-dollars) whatever its prompt: the expected numbers are exact on every store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaProofTest {

    private static final String MODEL = "proof-model";
    private static final String PRICES = "{\"" + MODEL + "\":{\"input\":0,\"output\":1,\"max_output_tokens\":4096,\"context_window\":8192}}";
    private static final String CAPPED = capped("proof");
    private static final long WORST_NANO = 1_000_000; // 1,000 output tokens at $1 per million
    private static final String UNAVAILABLE = "{\"error\":{\"message\":\"Rate limits and budgets cannot be checked right now (the "
            + "shared counter store is unreachable). Try again shortly.\",\"type\":\"server_error\",\"param\":null,"
            + "\"code\":\"limits_unavailable\"}}";

    private Path dir;
    private FakeUpstream upstream;
    /** One pool of three replicas per database, shared by the tests that only need working services. */
    private final Map<TestDatabase.Kind, Pool> pools = new EnumMap<>(TestDatabase.Kind.class);

    /** Three replicas on one database and one Redis prefix. */
    private record Pool(TestDatabase db, Replicas replicas) implements AutoCloseable {
        @Override
        public void close() {
            try {
                replicas.close();
            } finally {
                db.close();
            }
        }
    }

    @BeforeAll
    void startUpstream() throws Exception {
        dir = Files.createTempDirectory("tollgate-replicas-");
        upstream = new FakeUpstream();
    }

    @AfterAll
    void stopAll() throws java.io.IOException {
        pools.values().forEach(Pool::close);
        upstream.close();
        try (var files = Files.walk(dir)) { // the replicas' logs and data directories
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** The settings every replica gets; {@code redisUrl} is always set, so several replicas on one database are allowed. */
    private Map<String, String> settings(TestDatabase db, String redisUrl, int reservationTtlSeconds) {
        Map<String, String> env = new HashMap<>(db.env());
        env.put("TOLLGATE_ADMIN_TOKEN", Replicas.ADMIN);
        env.put("OPENAI_API_KEY", "sk-provider-secret-for-replica-proofs");
        env.put("LLM_API_BASE_PATH", upstream.baseUrl());
        env.put("TOLLGATE_PRICES", PRICES);
        env.put("TOLLGATE_REDIS_URL", redisUrl);
        env.put("TOLLGATE_REDIS_PREFIX", "tgproof:" + UUID.randomUUID() + ":");
        env.put("TOLLGATE_REDIS_TIMEOUT_MS", "5000"); // cold JVMs on a busy 2-core machine: a slow first burst is not an outage
        env.put("TOLLGATE_RESERVATION_TTL_SECONDS", Integer.toString(reservationTtlSeconds));
        env.put("TOLLGATE_LEDGER_FLUSH_MS", "100");
        env.put("TOLLGATE_KEY_CACHE_SECONDS", "3600"); // only the Redis change feed can carry a change within a second
        env.put("TOLLGATE_EVENT_LOOPS", "2");
        return env;
    }

    private Pool pool(TestDatabase.Kind kind) throws Exception {
        Pool p = pools.get(kind);
        if (p != null) {
            p.replicas().freshClient();
            return p;
        }
        TestServices.need(TestServices.REDIS);
        TestDatabase db = TestDatabase.create(kind);
        try {
            p = new Pool(db, Replicas.start(settings(db, TestServices.redisUrl(), 60), 3, Files.createDirectories(dir.resolve(kind.name()))));
        } catch (RuntimeException | java.io.IOException e) {
            db.close();
            throw e;
        }
        pools.put(kind, p);
        return p;
    }

    // ------------------------------------------------------------------------------------ budgets

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.Kind.class)
    void threeHundredConcurrentCallsOverThreeReplicasSpendExactlyABudgetOfFiftyWorstCasesAndEveryAdmittedCallIsInTheLedger(TestDatabase.Kind kind)
            throws Exception {
        Pool pool = pool(kind);
        Replicas r = pool.replicas();
        // Each call is billed its worst case, after 200 ms, so the 300 overlap.
        upstream.handle(req -> upstream.vertx().setTimer(200, t -> FakeUpstream.json(req, 200, answer(8, 1000))));
        JsonNode key = createKey(r, 0, "{\"name\":\"budget-proof\",\"budget\":{\"amount_usd\":0.05,\"period\":\"total\"}}");
        String secret = key.get("key").asText();
        String keyId = key.get("id").asText();
        String tag = "budget-" + kind + "-" + UUID.randomUUID();

        Burst burst = Burst.fire(r, 300, "budget-", i -> r.chat(r.roundRobin(i), secret, "budget-" + i, capped(tag)));

        List<String> admitted = burst.ids(200);
        assertThat(burst.statuses()).as(r.logs()).isEqualTo(Map.of(200, 50L, 429, 250L));
        assertThat(upstreamSaw(tag)).isEqualTo(50);
        for (HttpResponse<String> refused : burst.with(429)) {
            assertThat(refused.body()).isEqualTo("{\"error\":{\"message\":\"Budget exceeded for key:" + keyId + ": $0.000000 of $0.050000 "
                    + "remaining in total, and this request may cost up to $0.001000.\",\"type\":\"insufficient_quota\",\"param\":null,"
                    + "\"code\":\"insufficient_quota\"}}");
        }

        Ledgers.Rows rows = Ledgers.await(pool.db(), keyId, 50);
        assertThat(rows.count()).isEqualTo(50);
        assertThat(new HashSet<>(rows.costByRequest().keySet())).isEqualTo(new HashSet<>(admitted));
        assertThat(rows.statusByRequest().values()).containsOnly(200);
        assertThat(rows.totalCost()).isEqualTo(50 * WORST_NANO).isEqualTo(50_000_000L); // the budget, to the nano-dollar

        // Any replica's view of the budget: all spent, nothing left reserved.
        JsonNode budget = Json.parse(r.get(r.get(2), "/ratelimit", secret).body()).get("budgets").get(0);
        assertThat(new BigDecimal(budget.get("spent_usd").asText())).isEqualByComparingTo("0.05");
        assertThat(new BigDecimal(budget.get("remaining_usd").asText())).isEqualByComparingTo("0");
        // The usage report, from another replica than the one that made the key, says the same.
        JsonNode report = Json.parse(r.admin(r.get(1), "GET", "/admin/v1/usage?group_by=key&key=" + keyId, null).body());
        assertThat(report.at("/total/requests").asLong()).isEqualTo(50);
        assertThat(new BigDecimal(report.at("/total/cost_usd").asText())).isEqualByComparingTo("0.05");
    }

    /**
     * Billed 600 of their 1,000 capped tokens, calls still reserve $0.001 each, so a burst admits
     * what fits at that moment; calls after it admit while $0.001 of room is left. Whatever the
     * timing, exactly 82 fit: 82 x $0.0006 = $0.0492 leaves $0.0008, less than a worst case, and an
     * 83rd would have needed 82 x $0.0006 + $0.001 &gt; $0.05 at its admission.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.Kind.class)
    void callsBilledBelowTheirWorstCaseFillTheBudgetToExactly82AcrossReplicasAndNoMore(TestDatabase.Kind kind) throws Exception {
        Pool pool = pool(kind);
        Replicas r = pool.replicas();
        upstream.handle(req -> upstream.vertx().setTimer(200, t -> FakeUpstream.json(req, 200, answer(8, 600))));
        JsonNode key = createKey(r, 2, "{\"name\":\"budget-fill-proof\",\"budget\":{\"amount_usd\":0.05,\"period\":\"total\"}}");
        String secret = key.get("key").asText();
        String keyId = key.get("id").asText();

        Burst burst = Burst.fire(r, 300, "fill-", i -> r.chat(r.roundRobin(i), secret, "fill-" + i, CAPPED));
        List<String> admitted = new ArrayList<>(burst.ids(200));
        assertThat(burst.ids(200).size() + burst.ids(429).size()).as(r.logs()).isEqualTo(300);
        assertThat(admitted.size()).isBetween(50, 82);

        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 600)));
        HttpResponse<String> last = null;
        for (int i = 0; i < 40; i++) {
            last = r.send(r.chat(r.roundRobin(i), secret, "fill-more-" + i, CAPPED));
            if (last.statusCode() != 200) break;
            admitted.add("fill-more-" + i);
        }
        assertThat(admitted).hasSize(82);
        assertThat(last.statusCode()).isEqualTo(429);
        // The last call's settlement (its $0.001 reservation becoming $0.0006) is sent after its answer:
        // once it has landed, what is left is exactly $0.0008, still less than a worst case.
        Thread.sleep(500);
        last = r.send(r.chat(r.get(0), secret, "fill-after", CAPPED));
        assertThat(last.body()).isEqualTo("{\"error\":{\"message\":\"Budget exceeded for key:" + keyId + ": $0.000800 of $0.050000 "
                + "remaining in total, and this request may cost up to $0.001000.\",\"type\":\"insufficient_quota\",\"param\":null,"
                + "\"code\":\"insufficient_quota\"}}");
        Ledgers.Rows rows = Ledgers.await(pool.db(), keyId, 82);
        assertThat(new HashSet<>(rows.costByRequest().keySet())).isEqualTo(new HashSet<>(admitted));
        assertThat(rows.count()).isEqualTo(82);
        assertThat(rows.totalCost()).isEqualTo(82 * 600_000L).isLessThanOrEqualTo(50_000_000L);
    }

    // ------------------------------------------------------------------------------------ rpm

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.Kind.class)
    void rpm60AdmitsExactly60Of150CallsSpreadOverThreeReplicasAndRefusesTheOther90(TestDatabase.Kind kind) throws Exception {
        Pool pool = pool(kind);
        Replicas r = pool.replicas();
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 5)));
        JsonNode key = createKey(r, 1, "{\"name\":\"rpm-proof\",\"limits\":{\"rpm\":60}}");
        String secret = key.get("key").asText();
        String keyId = key.get("id").asText();
        String tag = "rpm-" + kind + "-" + UUID.randomUUID();

        Burst burst = Burst.fire(r, 150, "rpm-", i -> r.chat(r.roundRobin(i), secret, "rpm-" + i, capped(tag)));

        assertThat(burst.statuses()).as(r.logs()).isEqualTo(Map.of(200, 60L, 429, 90L));
        assertThat(upstreamSaw(tag)).isEqualTo(60);
        for (HttpResponse<String> refused : burst.with(429)) {
            String retryAfter = refused.headers().firstValue("retry-after").orElseThrow();
            assertThat(Integer.parseInt(retryAfter)).isBetween(1, 60);
            assertThat(refused.body()).isEqualTo("{\"error\":{\"message\":\"Rate limit reached for key:" + keyId + ": 60 requests per minute. "
                    + "Retry after " + retryAfter + " s.\",\"type\":\"rate_limit_exceeded\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
            assertThat(refused.headers().firstValue("x-ratelimit-limit-requests")).hasValue("60");
            assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        }
        Ledgers.Rows rows = Ledgers.await(pool.db(), keyId, 60);
        assertThat(rows.count()).isEqualTo(60);
        assertThat(new HashSet<>(rows.costByRequest().keySet())).isEqualTo(new HashSet<>(burst.ids(200)));
        // Still within the minute: a 151st call, on any replica, is refused too.
        for (int i = 0; i < 3; i++) assertThat(r.send(r.chat(r.get(i), secret, "rpm-late-" + i, CAPPED)).statusCode()).isEqualTo(429);
    }

    // ------------------------------------------------------------------------------------ concurrency

    @Test
    void concurrent4NeverLetsAFifthCallReachTheUpstreamFromThreeReplicas() throws Exception {
        Replicas r = pool(TestDatabase.Kind.POSTGRESQL).replicas();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        upstream.handle(req -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            upstream.vertx().setTimer(300, t -> {
                inFlight.decrementAndGet(); // before answering: the gateway may admit the next call as soon as this one ends
                FakeUpstream.json(req, 200, answer(8, 5));
            });
        });
        JsonNode key = createKey(r, 2, "{\"name\":\"concurrency-proof\",\"limits\":{\"concurrent\":4}}");
        String secret = key.get("key").asText();
        String tag = "concurrent-" + UUID.randomUUID();

        Burst burst = Burst.fire(r, 40, "conc-", i -> r.chat(r.roundRobin(i), secret, "conc-" + i, capped(tag)));

        assertThat(maxInFlight.get()).as(r.logs()).isEqualTo(4);
        int ok = burst.ids(200).size();
        assertThat(ok).isGreaterThanOrEqualTo(4);
        assertThat(upstreamSaw(tag)).isEqualTo(ok);
        assertThat(burst.with(429)).hasSize(40 - ok);
        for (HttpResponse<String> refused : burst.with(429)) {
            assertThat(refused.body()).isEqualTo("{\"error\":{\"message\":\"Rate limit reached for key:" + key.get("id").asText()
                    + ": 4 concurrent requests. Retry after 1 s.\",\"type\":\"rate_limit_exceeded\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
        }
    }

    // ------------------------------------------------------------------------------------ key changes

    @Test
    void aKeyRevokedOnOneReplicaIsRefusedOnTheOtherTwoWithinASecond() throws Exception {
        Replicas r = pool(TestDatabase.Kind.POSTGRESQL).replicas();
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 5)));
        JsonNode key = createKey(r, 0, "{\"name\":\"revocation-proof\"}");
        String secret = key.get("key").asText();
        for (int i = 1; i < 3; i++) assertThat(r.send(r.chat(r.get(i), secret, "rev-before-" + i, CAPPED)).statusCode()).isEqualTo(200);

        assertThat(r.admin(r.get(0), "POST", "/admin/v1/keys/" + key.get("id").asText() + "/revoke", null).statusCode()).isEqualTo(200);
        long revokedAt = System.nanoTime();
        for (int i = 1; i < 3; i++) {
            HttpResponse<String> answer;
            do {
                answer = r.send(r.chat(r.get(i), secret, "rev-after-" + i, CAPPED));
            } while (answer.statusCode() == 200 && System.nanoTime() - revokedAt < 1_500_000_000L);
            long ms = (System.nanoTime() - revokedAt) / 1_000_000;
            assertThat(ms).as("replica-%d refused the revoked key after %d ms", i, ms).isLessThan(1_000);
            assertThat(answer.statusCode()).isEqualTo(401);
            assertThat(answer.body()).isEqualTo("{\"error\":{\"message\":\"This API key has been revoked.\",\"type\":\"invalid_request_error\","
                    + "\"param\":null,\"code\":\"invalid_api_key\"}}");
        }
    }

    // ------------------------------------------------------------------------------------ kill -9

    @Test
    void aReplicaKilledWithItsCallsInFlightHasTheirWorstCaseCountedAndTheirSlotsBackAfterTheReservationTtl() throws Exception {
        TestServices.need(TestServices.REDIS);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRESQL);
             Replicas r = Replicas.start(settings(db, TestServices.redisUrl(), 5), 3, Files.createDirectories(dir.resolve("kill")))) {
            JsonNode key = createKey(r, 0, "{\"name\":\"kill-proof\",\"limits\":{\"concurrent\":3},\"budget\":{\"amount_usd\":1,\"period\":\"total\"}}");
            String secret = key.get("key").asText();
            String keyId = key.get("id").asText();

            // Three calls settle normally on replica 0, each billed 400 of its 1,000 capped tokens ($0.0004).
            upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 400)));
            for (int i = 0; i < 3; i++) assertThat(r.send(r.chat(r.get(0), secret, "kill-settled-" + i, CAPPED)).statusCode()).isEqualTo(200);

            // Three calls on replica 2 are held by the upstream: they hold all three slots and $0.003 reserved.
            List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
            upstream.handle(held::add);
            List<CompletableFuture<HttpResponse<String>>> doomed = new ArrayList<>();
            for (int i = 0; i < 3; i++) doomed.add(r.sendAsync(r.chat(r.get(2), secret, "kill-held-" + i, CAPPED)));
            long until = System.currentTimeMillis() + 15_000;
            while (held.size() < 3 && System.currentTimeMillis() < until) Thread.sleep(20);
            assertThat(held).hasSize(3);
            upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 400)));
            HttpResponse<String> full = r.send(r.chat(r.get(1), secret, "kill-full", CAPPED));
            assertThat(full.statusCode()).isEqualTo(429);
            assertThat(Json.parse(full.body()).at("/error/message").asText()).isEqualTo("Rate limit reached for key:" + keyId
                    + ": 3 concurrent requests. Retry after 1 s.");

            r.get(2).kill(); // SIGKILL: nothing settled, nothing flushed
            long killedAt = System.currentTimeMillis();
            for (CompletableFuture<HttpResponse<String>> f : doomed) {
                assertThat(f).failsWithin(10, TimeUnit.SECONDS); // the connection died with the process
            }
            // Before the TTL the dead replica's reservations still hold: not silently released.
            if (System.currentTimeMillis() - killedAt < 3_000) {
                assertThat(r.send(r.chat(r.get(1), secret, "kill-still-full", CAPPED)).statusCode()).isEqualTo(429);
            }
            JsonNode early = Json.parse(r.get(r.get(1), "/ratelimit", secret).body()).get("budgets").get(0);
            assertThat(new BigDecimal(early.get("spent_usd").asText())).isEqualByComparingTo("0.0012");
            assertThat(new BigDecimal(early.get("remaining_usd").asText())).isEqualByComparingTo("0.9958"); // 1 - 0.0012 - 0.003 reserved

            // After the 5 s TTL: the next admission finds them expired, counts each at its worst case, and frees the slots.
            Thread.sleep(Math.max(0, killedAt + 5_500 - System.currentTimeMillis()));
            List<CompletableFuture<HttpResponse<String>>> after = new ArrayList<>();
            for (int i = 0; i < 3; i++) after.add(r.sendAsync(r.chat(r.get(i % 2), secret, "kill-after-" + i, CAPPED)));
            for (CompletableFuture<HttpResponse<String>> f : after) assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

            // Spent: three settled ($0.0012) + three expired at worst case ($0.003) + three new ($0.0012); nothing reserved.
            // (Replica 1 sends its settlement with its next Redis call or within 2 ms: read once it has.)
            JsonNode late = null;
            for (long stop = System.currentTimeMillis() + 2_000; System.currentTimeMillis() < stop; Thread.sleep(20)) {
                late = Json.parse(r.get(r.get(0), "/ratelimit", secret).body()).get("budgets").get(0);
                if (new BigDecimal(late.get("spent_usd").asText()).compareTo(new BigDecimal("0.0054")) == 0) break;
            }
            assertThat(new BigDecimal(late.get("spent_usd").asText())).isEqualByComparingTo("0.0054");
            assertThat(new BigDecimal(late.get("remaining_usd").asText())).isEqualByComparingTo("0.9946");
            // The ledger has every call that was answered; the rest of the spend is exactly the dead calls' worst cases.
            Ledgers.Rows rows = Ledgers.await(db, keyId, 6);
            assertThat(rows.costByRequest().keySet()).containsExactlyInAnyOrder("kill-settled-0", "kill-settled-1", "kill-settled-2",
                    "kill-after-0", "kill-after-1", "kill-after-2");
            assertThat(rows.totalCost() + 3 * WORST_NANO).isEqualTo(5_400_000L);
        }
    }

    // ------------------------------------------------------------------------------------ outages

    @Test
    void whileRedisIsDownClosedReplicasAnswer503AndALocalOneAdmitsWithTheFlagThenAllAdmitAgainAfterItsRestart() throws Exception {
        try (OwnRedisServer redis = new OwnRedisServer();
             TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRESQL);
             Replicas r = Replicas.start(settings(db, redis.url(), 60),
                     List.of(Map.of(), Map.of(), Map.of("TOLLGATE_SHARED_STATE_ON_ERROR", "local")), Files.createDirectories(dir.resolve("redis-restart")))) {
            upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 5)));
            String secret = createKey(r, 0, "{\"name\":\"outage-proof\",\"limits\":{\"rpm\":1000}}").get("key").asText();
            for (int i = 0; i < 3; i++) assertThat(r.send(r.chat(r.get(i), secret, "redis-up-" + i, CAPPED)).statusCode()).isEqualTo(200);

            redis.stop();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 2; i++) {
                    HttpResponse<String> refused = r.send(r.chat(r.get(i), secret, "redis-down-closed-" + round + "-" + i, CAPPED));
                    assertThat(refused.statusCode()).isEqualTo(503);
                    assertThat(refused.body()).isEqualTo(UNAVAILABLE);
                }
                assertThat(r.send(r.chat(r.get(2), secret, "redis-down-local-" + round, CAPPED)).statusCode()).isEqualTo(200);
            }
            List<String> localLines = requestLines(r.get(2), "redis-down-local-", 3);
            assertThat(localLines).hasSize(3).allSatisfy(l -> assertThat(l).contains("\"limits\":\"local\""));
            assertThat(r.get(0).logText()).doesNotContain("\"limits\":\"local\"");

            redis.start(); // empty, as after a restart without persistence
            for (int i = 0; i < 3; i++) {
                long until = System.currentTimeMillis() + 10_000;
                HttpResponse<String> answer;
                do {
                    answer = r.send(r.chat(r.get(i), secret, "redis-back-" + i, CAPPED));
                    if (answer.statusCode() != 200) Thread.sleep(100);
                } while (answer.statusCode() != 200 && System.currentTimeMillis() < until);
                assertThat(answer.statusCode()).as("replica-%d after Redis came back: %s", i, answer.body()).isEqualTo(200);
            }
            // The local replica admits in its own memory until its Redis client has reconnected (a
            // 200 either way): within seconds it counts in Redis again.
            long until = System.currentTimeMillis() + 10_000;
            String lastLine;
            int attempt = 0;
            do {
                String id = "redis-shared-again-" + attempt++;
                assertThat(r.send(r.chat(r.get(2), secret, id, CAPPED)).statusCode()).isEqualTo(200);
                List<String> lines = requestLines(r.get(2), "\"request_id\":\"" + id + "\"", 1);
                assertThat(lines).hasSize(1);
                lastLine = lines.get(0);
                if (lastLine.contains("\"limits\":\"local\"")) Thread.sleep(100);
            } while (lastLine.contains("\"limits\":\"local\"") && System.currentTimeMillis() < until);
            assertThat(lastLine).doesNotContain("\"limits\":\"local\"");
        }
    }

    @Test
    void whileTheDatabaseIsCutCallsAreAnsweredReadyzSaysDegradedAndEveryRowArrivesOnceWhenItIsBack() throws Exception {
        TestServices.need(TestServices.REDIS);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRESQL);
             TcpCut cut = new TcpCut(TestServices.POSTGRES.host(), TestServices.POSTGRES.port())) {
            Map<String, String> env = settings(db, TestServices.redisUrl(), 60);
            env.put("TOLLGATE_DATABASE", db.setting().replace("//" + TestServices.POSTGRES.host() + ":" + TestServices.POSTGRES.port() + "/",
                    "//127.0.0.1:" + cut.port + "/"));
            try (Replicas r = Replicas.start(env, 3, Files.createDirectories(dir.resolve("db-cut")))) {
                upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 5)));
                JsonNode key = createKey(r, 0, "{\"name\":\"db-outage-proof\",\"limits\":{\"rpm\":1000}}");
                String secret = key.get("key").asText();
                List<String> answered = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    assertThat(r.send(r.chat(r.get(i), secret, "db-up-" + i, CAPPED)).statusCode()).isEqualTo(200);
                    answered.add("db-up-" + i);
                }

                assertThat(Ledgers.await(db, key.get("id").asText(), 3).count()).isEqualTo(3); // written before the cut
                cut.cut();
                for (int i = 0; i < 9; i++) {
                    HttpResponse<String> a = r.send(r.chat(r.roundRobin(i), secret, "db-down-" + i, CAPPED));
                    assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
                    answered.add("db-down-" + i);
                }
                for (int i = 0; i < 3; i++) {
                    long until = System.currentTimeMillis() + 20_000;
                    String body;
                    do {
                        body = r.get(r.get(i), "/readyz", null).body();
                        if (!body.contains("\"spooled_rows\":3")) Thread.sleep(100);
                    } while (!body.contains("\"spooled_rows\":3") && System.currentTimeMillis() < until);
                    assertThat(body).isEqualTo("{\"status\":\"degraded\",\"database\":\"unreachable\",\"spooled_rows\":3}");
                }

                cut.restore();
                for (int i = 0; i < 3; i++) {
                    long until = System.currentTimeMillis() + 20_000;
                    String body;
                    do {
                        body = r.get(r.get(i), "/readyz", null).body();
                        if (!body.equals("{\"status\":\"ready\"}")) Thread.sleep(100);
                    } while (!body.equals("{\"status\":\"ready\"}") && System.currentTimeMillis() < until);
                    assertThat(body).isEqualTo("{\"status\":\"ready\"}");
                }
                Ledgers.Rows rows = Ledgers.await(db, key.get("id").asText(), answered.size());
                assertThat(rows.count()).isEqualTo(12);
                assertThat(rows.costByRequest().keySet()).containsExactlyInAnyOrderElementsOf(answered);
            }
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    /** The replica's request log lines containing {@code marker}, once there are {@code n} (lines reach the file a little later). */
    private static List<String> requestLines(dev.tollgate.support.GatewayProcess g, String marker, int n) throws Exception {
        long until = System.currentTimeMillis() + 5_000;
        List<String> lines;
        do {
            lines = g.logText().lines().filter(l -> l.contains("\"type\":\"request\"") && l.contains(marker)).toList();
            if (lines.size() < n) Thread.sleep(50);
        } while (lines.size() < n && System.currentTimeMillis() < until);
        return lines;
    }

    private static JsonNode createKey(Replicas r, int replica, String json) throws Exception {
        HttpResponse<String> created = r.admin(r.get(replica), "POST", "/admin/v1/keys", json);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return Json.parse(created.body());
    }

    /**
     * A request capped at 1,000 output tokens whose {@code user} field names the test, so the
     * upstream's count is this test's alone even if an earlier test's calls are still arriving.
     */
    private static String capped(String tag) {
        return "{\"model\":\"" + MODEL + "\",\"max_tokens\":1000,\"user\":\"" + tag + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /** Calls with this tag that reached the upstream. */
    private long upstreamSaw(String tag) {
        return upstream.received().stream().filter(r -> r.bodyText().contains("\"user\":\"" + tag + "\"")).count();
    }

    /** A chat completion as the upstream answers it, billing these tokens. */
    private static String answer(int prompt, int completion) {
        return "{\"id\":\"chatcmpl-proof\",\"object\":\"chat.completion\",\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + "}}";
    }

}
