package dev.tollgate.sharedstate.redis;

import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Two gateways on one Redis prefix: one model's limits are exact across both. */
class TwoGatewaysTest extends GatewayTest {

    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void rpm60AdmitsExactly60Of200RequestsSpreadOverTwoGateways() throws Exception {
        try (RedisFixture redis = RedisFixture.machine()) {
            Map<String, String> env = Map.of("TOLLGATE_REDIS_URL", redis.url, "TOLLGATE_REDIS_PREFIX", redis.prefix,
                    "TOLLGATE_MODEL_LIMITS", "{\"gpt-4o-mini\":{\"rpm\":60,\"concurrent\":8}}", "OPENAI_API_KEY", "sk-test-000",
                    "TOLLGATE_REDIS_TIMEOUT_MS", "5000"); // a cold JVM on a busy machine: a slow first burst is not an outage
            gateway = start(env);
            try (TestGateway second = TestGateway.start(upstream, env)) {
                List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    TestGateway g = i % 2 == 0 ? gateway : second;
                    all.add(g.http().sendAsync(g.request("/v1/chat/completions").header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString()));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
                long ok = all.stream().filter(f -> f.join().statusCode() == 200).count();
                long limited = all.stream().filter(f -> f.join().statusCode() == 429).count();
                // Each refusal is the rpm window or the concurrency limit; never more than 60 reach the upstream.
                assertThat(ok + limited).isEqualTo(200);
                assertThat(ok).isLessThanOrEqualTo(60);
                assertThat(upstream.received()).hasSize((int) ok);

                // The rest of the minute's 60 come in sequence, spread over both: then the window is full on both.
                int more = 0;
                for (int i = 0; ok + more < 60; i++) {
                    TestGateway g = i % 2 == 0 ? gateway : second;
                    assertThat(g.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
                    more++;
                }
                HttpResponse<String> full = second.postJson("/v1/chat/completions", CHAT);
                assertThat(full.statusCode()).isEqualTo(429);
                assertThat(full.body()).contains("Rate limit reached for model:gpt-4o-mini: 60 requests per minute.");
                assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(429);
                assertThat(upstream.received()).hasSize(60);
            }
            gateway.close();
            gateway = null;
        }
    }
}
