package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.TestGateway;
import dev.tollgate.support.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas on one database: a key made, revoked or rotated on one, or a user's limits changed
 * on one, holds on the other: within a second through Redis, within the poll interval without it.
 */
class KeySyncTest {

    private static final String ADMIN = "admin-token-for-tests-0123456789";
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    private FakeUpstream upstream;
    private TestGateway a;
    private TestGateway b;

    @BeforeEach
    void start() {
        upstream = new FakeUpstream();
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}"));
    }

    @AfterEach
    void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        upstream.close();
    }

    private void replicas(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        env.put("TOLLGATE_DATABASE", dir.resolve("shared.db").toString());
        env.put("OPENAI_API_KEY", "sk-provider-secret-key-000");
        env.putAll(extra);
        a = TestGateway.start(upstream, env);
        b = TestGateway.start(upstream, env);
    }

    private Map<String, String> redis() {
        TestServices.need(TestServices.REDIS);
        return Map.of("TOLLGATE_REDIS_URL", TestServices.redisUrl(), "TOLLGATE_REDIS_PREFIX", "tgtest:" + UUID.randomUUID() + ":",
                "TOLLGATE_KEY_CACHE_SECONDS", "3600"); // only the feed can make it in time
    }

    @Test
    void withRedisAKeyMadeOnOneReplicaWorksOnTheOtherAndItsRevocationHoldsThereWithinASecond() throws Exception {
        replicas(redis());
        JsonNode key = createKey(a, "{\"name\":\"svc\"}");
        String secret = key.get("key").asText();
        // Never seen by b: looked up in the database on first use.
        assertThat(chat(b, secret).statusCode()).isEqualTo(200);

        admin(a, "POST", "/admin/v1/keys/" + key.get("id").asText() + "/revoke", null);
        long ms = untilStatus(b, secret, 401, 1_000);
        assertThat(ms).isLessThan(1_000);
        HttpResponse<String> refused = chat(b, secret);
        assertThat(Json.parse(refused.body()).at("/error/message").asText()).isEqualTo("This API key has been revoked.");
    }

    @Test
    void withRedisARotationAndAUsersNewLimitHoldOnTheOtherReplicaWithinASecond() throws Exception {
        replicas(redis());
        JsonNode key = createKey(a, "{\"name\":\"svc\",\"user\":\"ann\"}");
        String old = key.get("key").asText();
        assertThat(chat(b, old).statusCode()).isEqualTo(200);

        JsonNode rotated = Json.parse(admin(a, "POST", "/admin/v1/keys/" + key.get("id").asText() + "/rotate", "{\"grace_seconds\":0}").body());
        String fresh = rotated.get("key").asText();
        assertThat(untilStatus(b, old, 401, 1_000)).isLessThan(1_000);
        assertThat(chat(b, fresh).statusCode()).isEqualTo(200);

        assertThat(admin(a, "PUT", "/admin/v1/users/ann", "{\"limits\":{\"rpm\":1}}").statusCode()).isEqualTo(200);
        long start = System.nanoTime();
        boolean limited = false;
        while (!limited && System.nanoTime() - start < 1_000_000_000L) {
            limited = chat(b, fresh).statusCode() == 429;
            if (!limited) Thread.sleep(50);
        }
        assertThat(limited).as("user:ann's rpm 1 enforced on the other replica within a second").isTrue();
    }

    @Test
    void withoutRedisARevocationHoldsOnTheOtherReplicaWithinThePollInterval() throws Exception {
        replicas(Map.of("TOLLGATE_KEY_CACHE_SECONDS", "1", "TOLLGATE_LIMITS_SCOPE", "replica"));
        JsonNode key = createKey(a, "{\"name\":\"svc\"}");
        String secret = key.get("key").asText();
        assertThat(chat(b, secret).statusCode()).isEqualTo(200);
        admin(a, "POST", "/admin/v1/keys/" + key.get("id").asText() + "/revoke", null);
        assertThat(untilStatus(b, secret, 401, 3_000)).isLessThan(3_000);
    }

    @Test
    void aFloodOfUnknownKeysIsOneDatabaseQueryPerKeyPerInterval() throws Exception {
        replicas(Map.of("TOLLGATE_KEY_CACHE_SECONDS", "60", "TOLLGATE_LIMITS_SCOPE", "replica"));
        String madeUp = "tg-" + "x".repeat(40);
        long before = b.gateway().access().sync().lookupQueries();
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> r = chat(b, madeUp);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(Json.parse(r.body()).at("/error/message").asText()).isEqualTo("Incorrect API key provided.");
        }
        assertThat(b.gateway().access().sync().lookupQueries() - before).isEqualTo(1);
    }

    /** Calls until the key gets {@code status}; returns how long it took (ms), or the bound when it never did. */
    private static long untilStatus(TestGateway g, String secret, int status, long boundMs) throws Exception {
        long start = System.nanoTime();
        while (true) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (chat(g, secret).statusCode() == status) return ms;
            if (ms >= boundMs) return boundMs;
            Thread.sleep(50);
        }
    }

    private static HttpResponse<String> chat(TestGateway g, String secret) throws Exception {
        return g.postJson("/v1/chat/completions", CHAT, "Authorization", "Bearer " + secret);
    }

    private static JsonNode createKey(TestGateway g, String json) throws Exception {
        HttpResponse<String> r = admin(g, "POST", "/admin/v1/keys", json);
        assertThat(r.statusCode()).isEqualTo(201);
        return Json.parse(r.body());
    }

    private static HttpResponse<String> admin(TestGateway g, String method, String path, String json) throws Exception {
        HttpRequest.Builder req = g.request(path).header("Authorization", "Bearer " + ADMIN);
        if (json != null) req.header("Content-Type", "application/json");
        req.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return g.http().send(req.build(), HttpResponse.BodyHandlers.ofString());
    }
}
