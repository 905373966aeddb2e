package dev.tollgate.access;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestDatabase;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Replicas on one database without shared counters are refused, unless per-replica limits are chosen. */
class ReplicaPresenceTest {

    private static final String ADMIN = "admin-token-for-tests-0123456789";

    @TempDir
    Path dir;

    private final FakeUpstream upstream = new FakeUpstream();

    @AfterEach
    void stop() {
        upstream.close();
    }

    private Map<String, String> env(TestDatabase db, String dataDir, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(db.env());
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        env.put("OPENAI_API_KEY", "sk-provider-secret-key-000");
        env.put("TOLLGATE_DATA_DIR", dir.resolve(dataDir).toString());
        env.putAll(extra);
        return env;
    }

    @Test
    void aSecondReplicaWithoutSharedCountersIsRefusedAndMayStartOnceTheFirstHasStopped() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRESQL)) {
            TestGateway first = TestGateway.start(upstream, env(db, "a", Map.of()));
            assertThatThrownBy(() -> TestGateway.start(upstream, env(db, "b", Map.of())))
                    .rootCause()
                    .hasMessageStartingWith("invalid configuration:\n  another gateway (rep_")
                    .hasMessageEndingWith(" s ago) uses this database, and this one has no shared counters: every rate limit and budget "
                            + "would hold once per replica. Set TOLLGATE_REDIS_URL (the same Redis) on every replica, or "
                            + "TOLLGATE_LIMITS_SCOPE=replica to run with per-replica limits knowingly.");
            // The same replica restarted (its data directory keeps its id) is not taken for another one.
            first.close();
            TestGateway.start(upstream, env(db, "a", Map.of())).close();
            // A graceful stop leaves the list: another replica may start at once.
            TestGateway.start(upstream, env(db, "b", Map.of())).close();
        }
    }

    @Test
    void perReplicaLimitsChosenKnowinglyStartWithAWarningAndFlagEveryCountedRequest() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE); LogCapture logs = new LogCapture()) {
            upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}"));
            Map<String, String> extra = Map.of("TOLLGATE_LIMITS_SCOPE", "replica", "TOLLGATE_MODEL_LIMITS", "{\"gpt-4o-mini\":{\"rpm\":100}}");
            try (TestGateway a = TestGateway.start(upstream, env(db, "a", extra)); TestGateway b = TestGateway.start(upstream, env(db, "b", extra))) {
                assertThat(logs.appLines()).anyMatch(l -> l.contains("uses this database: TOLLGATE_LIMITS_SCOPE=replica, so every rate limit "
                        + "and budget holds per replica (2 running)"));
                String secret = dev.tollgate.json.Json.parse(b.http().send(b.request("/admin/v1/keys")
                        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body()).get("key").asText();
                assertThat(b.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                        "Authorization", "Bearer " + secret).statusCode()).isEqualTo(200);
                assertThat(logs.awaitRequestLine(2)).contains("\"limits\":\"replica\"");
            }
        }
    }
}
