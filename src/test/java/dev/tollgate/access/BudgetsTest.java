package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BudgetsTest extends KeyModeTest {

    /** gpt-4o-mini: $0.15 in, $0.60 out per million. "hi" is 8 prompt tokens; the cap 1000 output tokens. */
    private static final String CAPPED = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final long WORST_NANO = 8 * 150 + 1000 * 600; // 601,200 nano-dollars

    private long ledgerSum(String where) throws Exception {
        awaitLedgerQuiet();
        gateway.gateway().access().ledger().flush();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(SUM(cost_nanousd),0), COUNT(*) FROM ledger " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void twoHundredConcurrentCallsNeverSpendMoreThanTheBudget() throws Exception {
        startKeyMode(Map.of("TOLLGATE_EVENT_LOOPS", "2"));
        // Every call costs its worst case, and answers slowly, so all 200 are in flight together.
        upstream.handle(req -> upstream.vertx().setTimer(100, t -> FakeUpstream.json(req, 200, answer(8, 1000))));
        String budget = java.math.BigDecimal.valueOf(50 * WORST_NANO, 9).toPlainString(); // 0.03006
        String secret = createKey("{\"budget\":{\"amount_usd\":" + budget + ",\"period\":\"total\"}}").get("key").asText();

        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            HttpRequest r = gateway.request("/v1/chat/completions").header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + secret).POST(HttpRequest.BodyPublishers.ofString(CAPPED)).build();
            all.add(gateway.http().sendAsync(r, HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        String refusal = null;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            if (r.statusCode() == 200) ok++;
            else {
                assertThat(r.statusCode()).isEqualTo(429);
                refusal = r.body();
            }
        }
        assertThat(ok).isEqualTo(50);
        assertThat(upstream.received()).hasSize(50);
        assertThat(ledgerSum("WHERE status = 200")).isEqualTo(50 * WORST_NANO).isLessThanOrEqualTo(30_060_000L);
        JsonNode e = Json.parse(refusal).get("error");
        assertThat(e.get("type").asText()).isEqualTo("insufficient_quota");
        assertThat(e.get("code").asText()).isEqualTo("insufficient_quota");
        assertThat(e.get("message").asText()).matches("Budget exceeded for key:key_[0-9a-f]{24}: \\$0\\.\\d{6} of \\$0\\.030060 remaining "
                + "in total, and this request may cost up to \\$0\\.000601\\.");
    }

    /**
     * Fires 200 concurrent calls at a total budget while the fake upstream bills each one
     * {@code prompt} prompt and 1000 completion tokens (after 100 ms, so all are in flight at
     * once); returns how many were answered 200. Every refusal must be the budget's 429.
     */
    private int fireTwoHundred(String path, String body, String secret, long prompt, boolean responses) throws Exception {
        String usage = responses
                ? "{\"id\":\"resp_1\",\"object\":\"response\",\"model\":\"gpt-4o-mini\",\"status\":\"completed\",\"output\":[],"
                + "\"usage\":{\"input_tokens\":" + prompt + ",\"output_tokens\":1000,\"total_tokens\":" + (prompt + 1000) + "}}"
                : answer((int) prompt, 1000);
        upstream.handle(req -> upstream.vertx().setTimer(100, t -> FakeUpstream.json(req, 200, usage)));
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            HttpRequest r = gateway.request(path).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + secret).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            all.add(gateway.http().sendAsync(r, HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            if (r.statusCode() == 200) ok++;
            else assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        }
        assertThat(upstream.received()).hasSize(ok);
        return ok;
    }

    /** gpt-4o-mini prices: prompt tokens at 150 nano-USD per 1,000, output at 600. */
    private static long miniCost(long prompt, long output) {
        return prompt * 150 + output * 600;
    }

    @Test
    void twoHundredConcurrentCallsWithAHighDetailImageStayWithinTheBudget() throws Exception {
        startKeyMode(Map.of("TOLLGATE_EVENT_LOOPS", "2"));
        String secret = createKey("{\"budget\":{\"amount_usd\":0.03006,\"period\":\"total\"}}").get("key").asText();
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\","
                + "\"detail\":\"high\"}}]}]}";
        // A 768x2048 image at detail high bills gpt-4o-mini's most: 2833 + 8 tiles x 5667 = 48,169 tokens.
        long prompt = 8 + 48_169;
        int ok = fireTwoHundred("/v1/chat/completions", body, secret, prompt, false);
        assertThat(ok).isEqualTo(3); // each may cost $0.0078: three fit in $0.03006
        assertThat(ledgerSum("")).isEqualTo(3 * miniCost(prompt, 1000)).isLessThanOrEqualTo(30_060_000L);
    }

    @Test
    void twoHundredConcurrentStatefulResponsesStayWithinTheBudget() throws Exception {
        startKeyMode(Map.of("TOLLGATE_EVENT_LOOPS", "2"));
        String secret = createKey("{\"budget\":{\"amount_usd\":0.1,\"period\":\"total\"}}").get("key").asText();
        String body = "{\"model\":\"gpt-4o-mini\",\"previous_response_id\":\"resp_abc\",\"input\":\"go on\",\"max_output_tokens\":1000}";
        // The stored conversation fills most of gpt-4o-mini's 128,000-token context window.
        long prompt = 127_000;
        int ok = fireTwoHundred("/v1/responses", body, secret, prompt, true);
        assertThat(ok).isEqualTo(5); // each reserves 128,000 x 150 + 1000 x 600 = $0.0198
        assertThat(ledgerSum("")).isEqualTo(5 * miniCost(prompt, 1000)).isLessThanOrEqualTo(100_000_000L);
    }

    @Test
    void twoHundredConcurrentCallsWithAudioStayWithinTheBudget() throws Exception {
        startKeyMode(Map.of("TOLLGATE_EVENT_LOOPS", "2"));
        String secret = createKey("{\"budget\":{\"amount_usd\":0.03006,\"period\":\"total\"}}").get("key").asText();
        String audio = java.util.Base64.getEncoder().encodeToString(new byte[30_000]);
        String body = "{\"model\":\"gpt-4o-mini-audio-preview\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"" + audio
                + "\",\"format\":\"wav\"}}]}]}";
        // The upstream bills as many tokens as the clip has bytes: the bound the gateway reserves.
        long prompt = 8 + 30_000;
        int ok = fireTwoHundred("/v1/chat/completions", body, secret, prompt, false);
        assertThat(ok).isEqualTo(5);
        assertThat(ledgerSum("")).isEqualTo(5 * miniCost(prompt, 1000)).isLessThanOrEqualTo(30_060_000L);
    }

    @Test
    void aBudgetedKeyIsRefusedWhatNoBoundIsKnownFor() throws Exception {
        startKeyMode(Map.of("TOLLGATE_PRICES", "{\"house-model\":{\"input\":0.1,\"output\":0.2}}"));
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 10)));
        String budgeted = createKey("{\"budget\":{\"amount_usd\":5,\"period\":\"monthly\"}}").get("key").asText();
        String free = createKey("{}").get("key").asText();

        String stateful = "{\"model\":\"house-model\",\"previous_response_id\":\"resp_abc\",\"input\":\"go on\"}";
        HttpResponse<String> r = gateway.postJson("/v1/responses", stateful, "Authorization", "Bearer " + budgeted);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The cost of previous_response_id cannot be bounded before the call, "
                + "and this key has a budget: it brings content the request does not show, which is bounded by the model's context window, "
                + "and model 'house-model' has no context_window in the price table.\",\"type\":\"permission_error\","
                + "\"param\":\"previous_response_id\",\"code\":\"cost_not_bounded\"}}");

        String image = "{\"model\":\"gpt-3.5-turbo\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}";
        r = chat(budgeted, image);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The cost of messages[0].content[1].image_url cannot be bounded before "
                + "the call, and this key has a budget: model 'gpt-3.5-turbo' has no image_tokens formula in the price table.\","
                + "\"type\":\"permission_error\",\"param\":\"messages[0].content[1].image_url\",\"code\":\"cost_not_bounded\"}}");

        // The same with a key spelled in escapes: what the upstream decodes is what is judged.
        r = chat(budgeted, image.replace("\"type\":\"image_url\"", "\"\\u0074ype\":\"image_url\""));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Json.parse(r.body()).at("/error/param").asText()).isEqualTo("messages[0].content[1].image_url");

        String video = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video_url\","
                + "\"video_url\":{\"url\":\"https://example.com/a.mp4\"}}]}]}";
        r = chat(budgeted, video);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Json.parse(r.body()).at("/error/param").asText()).isEqualTo("messages[0].content[0]");
        assertThat(Json.parse(r.body()).at("/error/message").asText()).endsWith("content part type 'video_url' is not one the gateway can bound.");

        String search = "{\"model\":\"gpt-4o-mini\",\"input\":\"news?\",\"max_output_tokens\":10,\"tools\":[{\"type\":\"web_search\"}]}";
        r = gateway.postJson("/v1/responses", search, "Authorization", "Bearer " + budgeted);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Json.parse(r.body()).at("/error/param").asText()).isEqualTo("tools[0]");
        assertThat(upstream.received()).isEmpty();

        // A key without a budget is not held to this: nothing is scanned, everything is forwarded.
        for (String[] call : new String[][]{{"/v1/responses", stateful}, {"/v1/chat/completions", image},
                {"/v1/chat/completions", video}, {"/v1/responses", search}}) {
            assertThat(gateway.postJson(call[0], call[1], "Authorization", "Bearer " + free).statusCode()).as(call[1]).isEqualTo(200);
        }
        assertThat(upstream.received()).hasSize(4);
    }

    @Test
    void anImageSentInAnthropicFormatIsReservedToo() throws Exception {
        startKeyMode(Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 10)));
        // $0.005 holds a text call (8 x 150 + 1000 x 600 nano) but not one high-detail image on gpt-4o-mini (48,169 x 150).
        String secret = createKey("{\"budget\":{\"amount_usd\":0.005,\"period\":\"daily\"}}").get("key").asText();
        String text = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String withImage = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.png\"}}]}]}";
        assertThat(gateway.postJson("/v1/messages", text, "x-api-key", secret).statusCode()).isEqualTo(200);
        HttpResponse<String> r = gateway.postJson("/v1/messages", withImage, "x-api-key", secret);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(r.body()).contains("this request may cost up to $0.007");
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void reservationsSettleToTheActualCost() throws Exception {
        startKeyMode(Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 10))); // costs 1,200 + 6,000 nano
        // Room for one worst case only (601,200 of 640,000 nano): each call settles to 7,200 nano, so the next fits again.
        String secret = createKey("{\"budget\":{\"amount_usd\":0.00064,\"period\":\"daily\"}}").get("key").asText();
        for (int i = 0; i < 5; i++) assertThat(chat(secret, CAPPED).statusCode()).as("call " + i).isEqualTo(200);
        assertThat(ledgerSum("")).isEqualTo(5 * 7_200);
        HttpResponse<String> r = chat(secret, CAPPED.replace("1000", "2000"));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(Json.parse(r.body()).at("/error/message").asText()).endsWith(": $0.000604 of $0.000640 remaining today, "
                + "and this request may cost up to $0.001201.");

        clock.addAndGet(12L * 3600 * 1000); // the next UTC day: the daily budget starts again
        assertThat(chat(secret, CAPPED).statusCode()).isEqualTo(200);
        // Without a cap the reserve is the model's whole output allowance (16,384 tokens): more than this budget.
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(429);
    }

    @Test
    void userAndTeamBudgetsAreSharedByTheirKeysAndSurviveRestarts() throws Exception {
        startKeyMode(Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(8, 1000)));
        admin("PUT", "/admin/v1/teams/core", "{\"budget\":{\"amount_usd\":0.0013,\"period\":\"monthly\"}}");
        String a = createKey("{\"team\":\"core\"}").get("key").asText();
        String b = createKey("{\"team\":\"core\"}").get("key").asText();
        assertThat(chat(a, CAPPED).statusCode()).isEqualTo(200);
        assertThat(chat(b, CAPPED).statusCode()).isEqualTo(200);
        assertThat(chat(a, CAPPED).statusCode()).isEqualTo(429);

        startKeyMode(Map.of()); // spent so far is read back from the ledger
        HttpResponse<String> r = chat(b, CAPPED);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(Json.parse(r.body()).at("/error/message").asText())
                .isEqualTo("Budget exceeded for team:core: $0.000098 of $0.001300 remaining this month, and this request may cost up to $0.000601.");
        assertThat(ledgerSum("WHERE team_id = 'core'")).isEqualTo(2 * WORST_NANO);
    }

    @Test
    void anUnpricedModelIsFlaggedOrRefusedAsConfigured() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{}").get("key").asText();
        try (dev.tollgate.support.LogCapture logs = new dev.tollgate.support.LogCapture()) {
            assertThat(chat(secret, CHAT.replace("gpt-4o-mini", "house-model-7b")).statusCode()).isEqualTo(200);
            assertThat(logs.awaitRequestLine(1)).contains("{\"type\":\"unpriced_model\",\"description\":\"no price for model house-model-7b; "
                    + "cost recorded as 0\",\"policy\":\"cost\",\"action\":\"audit\"}");
        }
        startKeyMode(Map.of("TOLLGATE_UNPRICED_MODELS", "block"));
        HttpResponse<String> r = chat(secret, CHAT.replace("gpt-4o-mini", "house-model-7b"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Model 'house-model-7b' has no price in this gateway's price table, and "
                + "unpriced models are refused.\",\"type\":\"permission_error\",\"param\":\"model\",\"code\":\"model_not_priced\"}}");
        startKeyMode(Map.of("TOLLGATE_UNPRICED_MODELS", "block", "TOLLGATE_PRICES", "{\"house-model-7b\":{\"input\":0.1,\"output\":0.2}}"));
        assertThat(chat(secret, CHAT.replace("gpt-4o-mini", "house-model-7b")).statusCode()).isEqualTo(200);
    }
}
