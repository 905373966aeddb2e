package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitsTest extends KeyModeTest {

    @Test
    void overTheLimitIs429WithOpenAiHeadersAndRetryAfter() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{\"limits\":{\"rpm\":2}}").get("key").asText();
        HttpResponse<String> first = chat(secret, CHAT);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("1");
        assertThat(first.headers().firstValue("x-ratelimit-reset-requests")).hasValue("1m0s");
        clock.addAndGet(20_000);
        assertThat(chat(secret, CHAT).headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");

        HttpResponse<String> refused = chat(secret, CHAT);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).isEqualTo("{\"error\":{\"message\":\"Rate limit reached for key:" + keyId(secret)
                + ": 2 requests per minute. Retry after 40 s.\",\"type\":\"rate_limit_exceeded\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
        assertThat(refused.headers().firstValue("retry-after")).hasValue("40");
        assertThat(refused.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        // OpenAI's meaning: until the window is back to its initial state (the request at +20 s leaves at +80 s).
        assertThat(refused.headers().firstValue("x-ratelimit-reset-requests")).hasValue("1m0s");
        assertThat(upstream.received()).hasSize(2);

        clock.addAndGet(40_000);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
    }

    private String keyId(String secret) {
        return gateway.gateway().access().keys().bySecret(secret, clock.get()).key().id();
    }

    @Test
    void hourlyAndDailyWindowsAreRolling() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{\"limits\":{\"rph\":1,\"rpd\":2}}").get("key").asText();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        clock.addAndGet(3_599_999);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(429);
        clock.addAndGet(1);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        clock.addAndGet(3_600_000);
        HttpResponse<String> daily = chat(secret, CHAT);
        assertThat(daily.statusCode()).isEqualTo(429);
        assertThat(daily.body()).contains("2 requests per day (rolling)");
        assertThat(daily.headers().firstValue("retry-after")).hasValue(String.valueOf(86_400 - 7_200));
        clock.addAndGet(86_400_000 - 7_200_000);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
    }

    @Test
    void tokensPerMinuteCountThePromptAndTheCap() throws Exception {
        startKeyMode(Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 100)));
        String secret = createKey("{\"limits\":{\"tpm\":150}}").get("key").asText();
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> first = chat(secret, body);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("150");
        HttpResponse<String> second = chat(secret, body); // 108 used + 8 + 100 > 150
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.body()).contains("150 tokens per minute");
        assertThat(second.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue("42");
        HttpResponse<String> huge = chat(secret, body.replace("100", "1000"));
        assertThat(huge.statusCode()).isEqualTo(429);
        assertThat(Json.parse(huge.body()).at("/error/code").asText()).isEqualTo("tokens_exceed_limit");
    }

    @Test
    void imageTokensCountTowardTokensPerMinute() throws Exception {
        startKeyMode(Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(1000, 100)));
        String secret = createKey("{\"limits\":{\"tpm\":2000}}").get("key").asText();
        String image = "{\"model\":\"gpt-4o\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\",\"detail\":\"%s\"}}]}]}";
        // detail low: 85 image tokens + text + 100 fit; detail high reserves 1,445 image tokens: not twice in 2,000.
        assertThat(chat(secret, image.formatted("low")).statusCode()).isEqualTo(200); // settles to 1,100 used
        HttpResponse<String> high = chat(secret, image.formatted("high"));
        assertThat(high.statusCode()).isEqualTo(429);
        assertThat(high.body()).contains("2000 tokens per minute");
        HttpResponse<String> many = chat(secret, image.formatted("high").replace("]}]}", "," + "{\"type\":\"image_url\",\"image_url\":"
                + "{\"url\":\"https://example.com/b.png\"}}]}]}"));
        assertThat(Json.parse(many.body()).at("/error/code").asText()).isEqualTo("tokens_exceed_limit"); // 2 x 1,445 > 2,000 ever
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void concurrentRequestsAreCapped() throws Exception {
        startKeyMode(Map.of());
        List<io.vertx.core.http.HttpServerRequest> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        upstream.handle(held::add);
        String secret = createKey("{\"limits\":{\"concurrent\":2}}").get("key").asText();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 2; i++) inFlight.add(gateway.http().sendAsync(post(secret), HttpResponse.BodyHandlers.ofString()));
        while (held.size() < 2) Thread.sleep(10);
        HttpResponse<String> third = chat(secret, CHAT);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.body()).contains("2 concurrent requests");
        held.forEach(r -> FakeUpstream.json(r, 200, answer(1, 1)));
        for (CompletableFuture<HttpResponse<String>> f : inFlight) assertThat(f.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        upstream.handle(r -> FakeUpstream.json(r, 200, answer(1, 1)));
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
    }

    private HttpRequest post(String secret) {
        return gateway.request("/v1/chat/completions").header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret).POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
    }

    @Test
    void underConcurrencyExactlyTheLimitGetsThrough() throws Exception {
        startKeyMode(Map.of("TOLLGATE_EVENT_LOOPS", "2"));
        String secret = createKey("{\"limits\":{\"rpm\":50}}").get("key").asText();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) all.add(gateway.http().sendAsync(post(secret), HttpResponse.BodyHandlers.ofString()));
        int ok = 0, limited = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            int status = f.get(30, TimeUnit.SECONDS).statusCode();
            if (status == 200) ok++;
            if (status == 429) limited++;
        }
        assertThat(ok).isEqualTo(50);
        assertThat(limited).isEqualTo(150);
        assertThat(upstream.received()).hasSize(50);
    }

    @Test
    void failedCallsCountUnlessConfiguredOtherwise() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 500, "{\"error\":{\"message\":\"boom\"}}"));
        startKeyMode(Map.of());
        String counted = createKey("{\"limits\":{\"rpm\":1}}").get("key").asText();
        assertThat(chat(counted, CHAT).statusCode()).isEqualTo(500);
        assertThat(chat(counted, CHAT).statusCode()).isEqualTo(429);

        startKeyMode(Map.of("TOLLGATE_LIMITS_COUNT_FAILED", "false"));
        String free = createKey("{\"limits\":{\"rpm\":1}}").get("key").asText();
        assertThat(chat(free, CHAT).statusCode()).isEqualTo(500);
        assertThat(chat(free, CHAT).statusCode()).isEqualTo(500);
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(1, 1)));
        assertThat(chat(free, CHAT).statusCode()).isEqualTo(200);
        assertThat(chat(free, CHAT).statusCode()).isEqualTo(429);
    }

    @Test
    void modelAndIpLimitsApplyToEveryCallerEvenWithoutKeys() throws Exception {
        start(Map.of("TOLLGATE_MODEL_LIMITS", "{\"gpt-4o\":{\"rpm\":1}}", "TOLLGATE_IP_LIMITS", "{\"rpm\":3}"));
        assertThat(gateway.postJson("/v1/chat/completions", CHAT.replace("gpt-4o-mini", "gpt-4o")).statusCode()).isEqualTo(200);
        HttpResponse<String> model = gateway.postJson("/v1/chat/completions", CHAT.replace("gpt-4o-mini", "gpt-4o"));
        assertThat(model.statusCode()).isEqualTo(429);
        assertThat(model.body()).contains("Rate limit reached for model:gpt-4o: 1 requests per minute.");
        // A request refused by one limit counts in none: the IP has 1 of 3 so far.
        assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
        assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
        HttpResponse<String> ip = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(ip.statusCode()).isEqualTo(429);
        assertThat(ip.body()).contains("Rate limit reached for ip:127.0.0.1: 3 requests per minute.");
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnIpLimit() throws Exception {
        start(Map.of("TOLLGATE_IP_LIMITS", "{\"rpm\":1}", "TOLLGATE_TRUSTED_PROXIES", "127.0.0.1"));
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(200);
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "X-Forwarded-For", "203.0.113.2").statusCode()).isEqualTo(200);
        HttpResponse<String> again = gateway.postJson("/v1/chat/completions", CHAT, "X-Forwarded-For", "203.0.113.1");
        assertThat(again.statusCode()).isEqualTo(429);
        assertThat(again.body()).contains("Rate limit reached for ip:203.0.113.1");

        start(Map.of("TOLLGATE_IP_LIMITS", "{\"rpm\":1}")); // no trusted proxy: the header is ignored
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(200);
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "X-Forwarded-For", "203.0.113.2").body())
                .contains("Rate limit reached for ip:127.0.0.1");
    }

    @Test
    void badLimitSettingsStopStartUp() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(Map.of("TOLLGATE_IP_LIMITS", "{\"rpm\":\"x\"}")))
                .hasRootCauseMessage("invalid configuration:\n  TOLLGATE_IP_LIMITS.rpm: expected a whole number ≥ 0 (0 = no limit)");
    }

    @Test
    void theRateLimitEndpointShowsLimitsUsageAndBudgets() throws Exception {
        startKeyMode(Map.of());
        admin("PUT", "/admin/v1/teams/core", "{\"limits\":{\"rpd\":100}}");
        JsonNode k = createKey("{\"team\":\"core\",\"limits\":{\"rpm\":10,\"rph\":50},\"budget\":{\"amount_usd\":2.5,\"period\":\"weekly\"}}");
        String secret = k.get("key").asText();
        chat(secret, CHAT);
        HttpResponse<String> r = gateway.get("/ratelimit", "Authorization", "Bearer " + secret);
        assertThat(r.statusCode()).isEqualTo(200);
        String id = k.get("id").asText();
        assertThat(r.body()).isEqualTo("{\"object\":\"tollgate.rate_limits\",\"key\":{\"id\":\"" + id + "\",\"prefix\":\""
                + k.get("prefix").asText() + "\",\"user\":null,\"team\":\"core\"},\"limits\":["
                + "{\"subject\":\"key:" + id + "\",\"window\":\"rpm\",\"limit\":10,\"used\":1,\"remaining\":9,\"reset_seconds\":60},"
                + "{\"subject\":\"key:" + id + "\",\"window\":\"rph\",\"limit\":50,\"used\":1,\"remaining\":49,\"reset_seconds\":3600},"
                + "{\"subject\":\"team:core\",\"window\":\"rpd\",\"limit\":100,\"used\":1,\"remaining\":99,\"reset_seconds\":86400}],"
                + "\"budgets\":[{\"subject\":\"key:" + id + "\",\"period\":\"weekly\",\"amount_usd\":2.5,\"spent_usd\":0.0000012,"
                + "\"remaining_usd\":2.4999988}]}");
        // The fake upstream sent no usage: 8 prompt tokens counted by the gateway, at $0.15 per million.
        assertThat(gateway.get("/ratelimit").statusCode()).isEqualTo(401);
    }
}
