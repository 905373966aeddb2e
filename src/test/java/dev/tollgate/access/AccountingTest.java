package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.usage.TokenEstimate;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Every request is priced and recorded: per model family, whole and streamed, with and without upstream usage. */
class AccountingTest extends KeyModeTest {

    private String secret;

    private void startWith(Consumer<HttpServerRequest> answer) throws Exception {
        upstream.handle(answer::accept);
        startKeyMode(Map.of());
        secret = createKey("{\"user\":\"ann\",\"team\":\"lab\"}").get("key").asText();
    }

    /** The last ledger row: model, endpoint, input, cached, output, reasoning, cost, source. */
    private String lastRow() throws Exception {
        awaitLedgerQuiet();
        gateway.gateway().access().ledger().flush();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT model, endpoint, status, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, "
                     + "cost_nanousd, usage_source, user_id, team_id FROM ledger ORDER BY id DESC LIMIT 1")) {
            assertThat(rs.next()).isTrue();
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= 11; i++) b.append(i > 1 ? " " : "").append(rs.getString(i));
            return b.toString();
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return gateway.postJson(path, body, "Authorization", "Bearer " + secret);
    }

    private static void sse(HttpServerRequest req, String... events) {
        FakeUpstream.startSse(req);
        for (String e : events) FakeUpstream.event(req, e);
        FakeUpstream.event(req, "[DONE]");
        req.response().end();
    }

    @Test
    void openAiChatWithCachedAndReasoningTokens() throws Exception {
        startWith(req -> FakeUpstream.json(req, 200, "{\"id\":\"c1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":1000,"
                + "\"completion_tokens\":500,\"total_tokens\":1500,\"prompt_tokens_details\":{\"cached_tokens\":400},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":200}}}"));
        try (LogCapture logs = new LogCapture()) {
            assertThat(post("/v1/chat/completions", CHAT.replace("gpt-4o-mini", "gpt-4o")).statusCode()).isEqualTo(200);
            // 600 × $2.50 + 400 × $1.25 + 500 × $10 per million = $0.007
            String line = logs.awaitRequestLine(1);
            assertThat(line).contains("\"cost_usd\":0.007").contains("\"user\":\"ann\",\"team\":\"lab\"").contains("\"key_id\":\"key_");
        }
        assertThat(lastRow()).isEqualTo("gpt-4o-2024-08-06 /v1/chat/completions 200 1000 400 500 200 7000000 upstream ann lab");
    }

    @Test
    void openAiChatStreamedReadsTheUsageChunk() throws Exception {
        startWith(req -> sse(req,
                "{\"id\":\"c2\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}",
                "{\"id\":\"c2\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}],\"usage\":null}",
                "{\"id\":\"c2\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,\"total_tokens\":14}}"));
        HttpResponse<String> r = post("/v1/chat/completions", CHAT.replace("\"messages\"", "\"stream\":true,\"messages\""));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("\"usage\":{"); // the caller did not ask for usage
        assertThat(lastRow()).isEqualTo("gpt-4o-mini /v1/chat/completions 200 12 0 2 0 3000 upstream ann lab"); // 12×0.15 + 2×0.60
    }

    @Test
    void responsesApiUsage() throws Exception {
        startWith(req -> FakeUpstream.json(req, 200, "{\"id\":\"resp_1\",\"object\":\"response\",\"model\":\"o3-2025-04-16\",\"output\":[],"
                + "\"usage\":{\"input_tokens\":2000,\"input_tokens_details\":{\"cached_tokens\":1000},\"output_tokens\":3000,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":2500},\"total_tokens\":5000}}"));
        assertThat(post("/v1/responses", "{\"model\":\"o3\",\"input\":\"think\"}").statusCode()).isEqualTo(200);
        // 1000 × $2 + 1000 × $0.50 + 3000 × $8 per million
        assertThat(lastRow()).isEqualTo("o3-2025-04-16 /v1/responses 200 2000 1000 3000 2500 26500000 upstream ann lab");
    }

    @Test
    void embeddings() throws Exception {
        startWith(req -> FakeUpstream.json(req, 200, "{\"object\":\"list\",\"data\":[],\"model\":\"text-embedding-3-small\","
                + "\"usage\":{\"prompt_tokens\":50000,\"total_tokens\":50000}}"));
        assertThat(post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}").statusCode()).isEqualTo(200);
        assertThat(lastRow()).isEqualTo("text-embedding-3-small /v1/embeddings 200 50000 0 0 0 1000000 upstream ann lab");
    }

    @Test
    void imagesArePricedPerImageBySizeAndQuality() throws Exception {
        startWith(req -> FakeUpstream.json(req, 200, "{\"created\":1,\"data\":[{\"url\":\"https://x\"},{\"url\":\"https://y\"}]}"));
        assertThat(post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"a cat\",\"size\":\"1024x1792\",\"quality\":\"hd\",\"n\":2}")
                .statusCode()).isEqualTo(200);
        assertThat(lastRow()).endsWith(" 240000000 none ann lab"); // 2 × $0.12
    }

    @Test
    void anthropicModelStreamedThroughAnOpenAiCompatibleUpstream() throws Exception {
        startWith(req -> sse(req,
                "{\"id\":\"c3\",\"model\":\"claude-sonnet-4-5-20250929\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}",
                "{\"id\":\"c3\",\"model\":\"claude-sonnet-4-5-20250929\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20}}"));
        assertThat(post("/v1/chat/completions", CHAT.replace("gpt-4o-mini", "claude-sonnet-4-5").replace("\"messages\"", "\"stream\":true,\"messages\""))
                .statusCode()).isEqualTo(200);
        assertThat(lastRow()).isEqualTo("claude-sonnet-4-5-20250929 /v1/chat/completions 200 100 0 20 0 600000 upstream ann lab");
    }

    @Test
    void geminiModelWhole() throws Exception {
        startWith(req -> FakeUpstream.json(req, 200, "{\"id\":\"c4\",\"model\":\"gemini-2.5-flash\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":1000,\"total_tokens\":2000}}"));
        assertThat(post("/v1/chat/completions", CHAT.replace("gpt-4o-mini", "gemini-2.5-flash")).statusCode()).isEqualTo(200);
        assertThat(lastRow()).isEqualTo("gemini-2.5-flash /v1/chat/completions 200 1000 0 1000 0 2800000 upstream ann lab");
    }

    @Test
    void withoutUpstreamUsageTheGatewayCountsTokensWholeAndStreamed() throws Exception {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Name three primes.\"}]}";
        String text = "Two, three and five — the first primes.";
        long prompt = TokenEstimate.promptTokens("gpt-4o", Json.parse(body), Endpoint.Kind.CHAT_COMPLETIONS);
        long output = TokenEstimate.completionTokens("gpt-4o", text);
        assertThat(prompt).isEqualTo(19); // both counts checked once against tiktoken (o200k_base)
        assertThat(output).isEqualTo(10);

        startWith(req -> FakeUpstream.json(req, 200, "{\"id\":\"c5\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"" + text + "\"}}]}"));
        try (LogCapture logs = new LogCapture()) {
            assertThat(post("/v1/chat/completions", body).statusCode()).isEqualTo(200);
            assertThat(logs.awaitRequestLine(1)).contains("\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + output)
                    .contains("\"usage_source\":\"estimated\"");
        }
        long cost = prompt * 2500 + output * 10000;
        assertThat(lastRow()).isEqualTo("gpt-4o /v1/chat/completions 200 " + prompt + " 0 " + output + " 0 " + cost + " estimated ann lab");

        upstream.handle(req -> sse(req,
                "{\"id\":\"c6\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Two, three \"}}]}",
                "{\"id\":\"c6\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"and five — the first primes.\"}}]}"));
        assertThat(post("/v1/chat/completions", body.replace("\"messages\"", "\"stream\":true,\"messages\"")).statusCode()).isEqualTo(200);
        long streamedPrompt = TokenEstimate.promptTokens("gpt-4o", Json.parse(body.replace("\"messages\"", "\"stream\":true,\"messages\"")),
                Endpoint.Kind.CHAT_COMPLETIONS);
        assertThat(lastRow()).isEqualTo("gpt-4o /v1/chat/completions 200 " + streamedPrompt + " 0 " + output + " 0 "
                + (streamedPrompt * 2500 + output * 10000) + " estimated ann lab");
    }

    /** Each family, whole and streamed: the same usage gives the same cost either way. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "gpt-4o-mini,       false, 150 + 600",      // $0.15 / $0.60 per million
            "gpt-4o-mini,       true,  150 + 600",
            "claude-haiku-4-5,  false, 1000 + 5000",    // $1 / $5
            "claude-haiku-4-5,  true,  1000 + 5000",
            "gemini-2.5-flash,  false, 300 + 2500",     // $0.30 / $2.50
            "gemini-2.5-flash,  true,  300 + 2500"})
    void everyFamilyIsPricedTheSameWholeAndStreamed(String model, boolean stream, String perThousandEach) throws Exception {
        String usage = "{\"prompt_tokens\":1000,\"completion_tokens\":1000,\"total_tokens\":2000}";
        startWith(req -> {
            if (stream) {
                sse(req, "{\"id\":\"s\",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}",
                        "{\"id\":\"s\",\"model\":\"" + model + "\",\"choices\":[],\"usage\":" + usage + "}");
            } else {
                FakeUpstream.json(req, 200, "{\"id\":\"w\",\"model\":\"" + model + "\",\"choices\":[],\"usage\":" + usage + "}");
            }
        });
        String body = CHAT.replace("gpt-4o-mini", model).replace("\"messages\"", "\"stream\":" + stream + ",\"messages\"");
        assertThat(post("/v1/chat/completions", body).statusCode()).isEqualTo(200);
        String[] parts = perThousandEach.split("\\+");
        long nano = (Long.parseLong(parts[0].trim()) + Long.parseLong(parts[1].trim())) * 1000; // 1000 tokens each way
        assertThat(lastRow()).isEqualTo(model + " /v1/chat/completions 200 1000 0 1000 0 " + nano + " upstream ann lab");
    }

    @Test
    void failedCallsAreRecordedWithTheirStatusAndNoCost() throws Exception {
        startWith(req -> FakeUpstream.json(req, 400, "{\"error\":{\"message\":\"bad\"}}"));
        assertThat(post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(400);
        assertThat(lastRow()).isEqualTo("gpt-4o-mini /v1/chat/completions 400 0 0 0 0 0 none ann lab");
    }

    @Test
    void passThroughModeLogsTheCostWithoutADatabase() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(1000, 1000)));
        start(Map.of());
        try (LogCapture logs = new LogCapture()) {
            assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.at("/response/cost_usd").decimalValue()).isEqualByComparingTo("0.00075");
            assertThat(line.at("/metadata/key_id").isMissingNode()).isTrue();
        }
        assertThat(gateway.gateway().access().ledger()).isNull();
    }
}
