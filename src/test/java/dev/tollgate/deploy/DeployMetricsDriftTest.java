package dev.tollgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.TestGateway;
import dev.tollgate.support.TestServices;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every metric the Grafana dashboard and the alert rules read is one a running gateway exports, read from a scrape of
 * its {@code /metrics} after traffic that makes the meters registered on first use appear: answers whole and streamed,
 * a retry and a fallback on a routed model (and its deployments' circuits), a policy finding, a rate-limit refusal,
 * key mode's ledger, Redis's round trips.
 */
class DeployMetricsDriftTest {

    private static final String ADMIN = "drift-test-admin-token-0123456789";
    private static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";

    @Test
    void everyMetricTheDashboardAndTheAlertRulesReadIsOneTheGatewayExports() throws Exception {
        TestServices.need(TestServices.REDIS);
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : DeployFiles.json("grafana/dashboards/tollgate.json").get("panels")) {
            for (JsonNode target : panel.get("targets")) used.addAll(PromQl.metricNames(target.get("expr").asText()));
        }
        for (JsonNode group : DeployFiles.yaml("prometheus/alerts.yaml").get("groups")) {
            for (JsonNode rule : group.get("rules")) used.addAll(PromQl.metricNames(rule.get("expr").asText()));
        }
        used.remove("up"); // Prometheus' own, for each scrape target

        AtomicReference<FakeUpstream> fake = new AtomicReference<>();
        try (FakeUpstream upstream = new FakeUpstream().handle(req -> {
                 String body = fake.get().lastReceived().bodyText();
                 if (body.contains("\"broken-model\"")) FakeUpstream.json(req, 500, "{\"error\":{\"message\":\"down\"}}"); // retried, then falls back
                 else if (body.contains("\"stream\":true")) {
                     FakeUpstream.startSse(req);
                     FakeUpstream.event(req, "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
                             + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                             + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}");
                     FakeUpstream.event(req, "[DONE]");
                     req.response().end();
                 } else FakeUpstream.json(req, 200, ANSWER);
             });
             TestGateway gateway = TestGateway.start(upstream, Map.of(
                     "TOLLGATE_ADMIN_TOKEN", ADMIN,
                     "TOLLGATE_DATABASE", Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-data")), "drift-")
                             .resolve("tollgate.db").toString(),
                     "TOLLGATE_REDIS_URL", TestServices.redisUrl(), // the shared-state meters
                     "TOLLGATE_REDIS_PREFIX", "tg-drift-" + java.util.UUID.randomUUID(),
                     "POLICY_RETRY_COUNT", "1",
                     "POLICY_CUSTOM_WORDLIST", "bluebird",
                     "POLICY_REQUEST_WORDLIST", "custom:audit",
                     // gpt-4o-mini's only deployment fails: a retry, then the fallback to the model "backup".
                     "TOLLGATE_MODELS", "[{\"name\":\"gpt-4o-mini\",\"deployments\":[{\"provider\":\"openai-compatible\","
                             + "\"model\":\"broken-model\",\"base_url\":\"" + upstream.baseUrl() + "\"}],\"fallbacks\":[\"backup\"]},"
                             + "{\"name\":\"backup\",\"deployments\":[{\"provider\":\"openai-compatible\",\"model\":\"gpt-4o-mini\","
                             + "\"base_url\":\"" + upstream.baseUrl() + "\"}]}]"))) {
            fake.set(upstream);
            HttpResponse<String> created = gateway.postJson("/admin/v1/keys", "{\"name\":\"drift\",\"limits\":{\"rpm\":2}}",
                    "Authorization", "Bearer " + ADMIN);
            assertThat(created.statusCode()).isEqualTo(201);
            String key = new ObjectMapper().readTree(created.body()).get("key").asText();
            String chat = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi bluebird\"}]";
            HttpResponse<String> whole = gateway.postJson("/v1/chat/completions", chat + "}", "Authorization", "Bearer " + key);
            assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
            assertThat(upstream.received()).hasSize(3); // broken-model twice (a retry), then the fallback
            assertThat(gateway.postJson("/v1/chat/completions", chat + ",\"stream\":true}", "Authorization", "Bearer " + key).statusCode())
                    .isEqualTo(200);
            assertThat(gateway.postJson("/v1/chat/completions", chat + "}", "Authorization", "Bearer " + key).statusCode()).isEqualTo(429);

            HttpResponse<String> scrape = gateway.get("/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            Set<String> exported = new TreeSet<>();
            scrape.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .forEach(l -> exported.add(l.split("[{ ]", 2)[0]));
            Set<String> missing = new TreeSet<>(used);
            missing.removeAll(exported);
            assertThat(missing).as("read by deploy/grafana/dashboards/tollgate.json or deploy/prometheus/alerts.yaml, not exported").isEmpty();
        }
    }
}
