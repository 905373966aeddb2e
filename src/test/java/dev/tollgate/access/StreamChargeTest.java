package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.RawClient;
import dev.tollgate.usage.TokenEstimate;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What was streamed is paid for: a stream that ends without the upstream's usage (the client left,
 * the upstream cut or stalled) is charged the prompt's tokens plus the tokens of the text relayed,
 * flagged estimated; a whole answer the client left is charged its prompt; a request that never
 * reached the upstream, or an upstream error answer, costs nothing.
 */
class StreamChargeTest extends KeyModeTest {

    private static final String MODEL = "gpt-4o-mini";
    /** gpt-4o-mini: $0.15 in, $0.60 out per million tokens, in nano-dollars per token. */
    private static final long IN = 150, OUT = 600;
    private static final String STREAM = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"system\",\"content\":\"You are a poet.\"},"
            + "{\"role\":\"user\",\"content\":\"Write a short poem about the sea.\"}]}";
    private static final String[] PARTS = {"The sea ", "is wide, ", "the sea is deep, ", "and all its secrets ", "it will keep."};

    /** Upstream requests whose answer the test writes itself, in arrival order. */
    private final BlockingQueue<HttpServerRequest> held = new LinkedBlockingQueue<>();
    private String secret;
    private String keyId;

    private void start(Map<String, String> extra, String keyJson) throws Exception {
        upstream.handle(held::add);
        startKeyMode(extra);
        JsonNode k = createKey(keyJson);
        secret = k.get("key").asText();
        keyId = k.get("id").asText();
    }

    private HttpServerRequest nextUpstream() throws InterruptedException {
        HttpServerRequest r = held.poll(5, TimeUnit.SECONDS);
        assertThat(r).as("request reached the upstream").isNotNull();
        return r;
    }

    private RawClient post(String path, String body) throws Exception {
        RawClient c = new RawClient(gateway.port());
        c.postJson(path, body, "Authorization: Bearer " + secret);
        return c;
    }

    private static String chunk(String content) {
        return "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":" + Json.toString(Json.MAPPER.getNodeFactory().textNode(content)) + "}}],\"usage\":null}";
    }

    /** The request log line of the request whose answer began with this text (found by its x-request-id). */
    private static JsonNode lineOf(LogCapture logs, String answer) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("x-request-id: (\\S+)").matcher(answer);
        assertThat(m.find()).isTrue();
        for (int i = 0; i < 100; i++) {
            for (String l : logs.requestLines()) if (l.contains("\"" + m.group(1) + "\"")) return Json.parse(l);
            Thread.sleep(50);
        }
        throw new AssertionError("no request log line for " + m.group(1) + " in " + logs.requestLines());
    }

    private static long prompt(String body, Endpoint.Kind kind) throws Exception {
        return TokenEstimate.promptTokens(MODEL, Json.parse(body), kind);
    }

    private static long output(String text) {
        return TokenEstimate.completionTokens(MODEL, text);
    }

    /**
     * Ledger rows, oldest first: "status input output cost source". A row is queued when the
     * exchange completes, which for a caller that left is when the gateway notices: waited for.
     */
    private List<String> rows() throws Exception {
        return rows(1);
    }

    private List<String> rows(int atLeast) throws Exception {
        dev.tollgate.store.Ledger ledger = gateway.gateway().access().ledger();
        for (int i = 0; i < 200 && ledger.written() + ledger.queued() < atLeast; i++) Thread.sleep(50);
        awaitLedgerQuiet();
        gateway.gateway().access().ledger().flush();
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT status, input_tokens, output_tokens, cost_nanousd, usage_source FROM ledger ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getInt(1) + " " + rs.getLong(2) + " " + rs.getLong(3) + " " + rs.getLong(4) + " " + rs.getString(5));
            }
        }
        return out;
    }

    private static String row(int status, long in, long out, String source) {
        return status + " " + in + " " + out + " " + (in * IN + out * OUT) + " " + source;
    }

    /** Writes the parts as content chunks; the client reads them all, then leaves before the usage chunk. */
    private void cutAfter(RawClient client, HttpServerRequest up, int parts) throws Exception {
        FakeUpstream.startSse(up);
        for (int i = 0; i < parts; i++) FakeUpstream.event(up, chunk(PARTS[i]));
        client.readUntil(chunk(PARTS[parts - 1]), 5000);
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).as("the gateway cancelled the upstream call").isTrue();
    }

    @Test
    void aClientThatReadsEveryContentChunkAndLeavesBeforeTheUsageChunkIsChargedTheEstimate() throws Exception {
        start(Map.of(), "{}");
        try (LogCapture logs = new LogCapture()) {
            RawClient client = post("/v1/chat/completions", STREAM);
            cutAfter(client, nextUpstream(), PARTS.length);
            JsonNode line = lineOf(logs, client.seen());
            long p = prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS), o = output(String.join("", PARTS));
            assertThat(line.path("status").asInt()).isEqualTo(499);
            assertThat(line.at("/response/usage").toString())
                    .isEqualTo("{\"prompt_tokens\":" + p + ",\"completion_tokens\":" + o + ",\"total_tokens\":" + (p + o) + "}");
            assertThat(line.at("/response/usage_source").asText()).isEqualTo("estimated");
        }
        // The counts of the gateway's own tokenizer (o200k_base): 3 per message + 3 priming + the text.
        assertThat(prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS)).isEqualTo(24);
        assertThat(output(String.join("", PARTS))).isEqualTo(18);
        assertThat(rows()).containsExactly(row(499, 24, 18, "estimated"));
    }

    @Test
    void aClientThatLeavesAfterTheFirstChunkPaysForThatChunk() throws Exception {
        start(Map.of(), "{}");
        cutAfter(post("/v1/chat/completions", STREAM), nextUpstream(), 1);
        assertThat(rows()).containsExactly(row(499, prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS), output(PARTS[0]), "estimated"));
    }

    @Test
    void anUpstreamCutMidStreamIsChargedWhatItSent() throws Exception {
        start(Map.of(), "{}");
        RawClient client = post("/v1/chat/completions", STREAM);
        HttpServerRequest up = nextUpstream();
        FakeUpstream.startSse(up);
        FakeUpstream.event(up, chunk(PARTS[0]));
        FakeUpstream.event(up, chunk(PARTS[1]));
        up.connection().close();
        assertThat(client.readToClose(5000)).contains("\"code\":\"stream_interrupted\"");
        client.close();
        assertThat(rows()).containsExactly(row(200, prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS), output(PARTS[0] + PARTS[1]), "estimated"));
    }

    @Test
    void anUpstreamThatStallsUntilTheIdleTimeoutIsChargedWhatItSent() throws Exception {
        start(Map.of("TOLLGATE_UPSTREAM_STREAM_IDLE_TIMEOUT_MS", "300"), "{}");
        RawClient client = post("/v1/chat/completions", STREAM);
        HttpServerRequest up = nextUpstream();
        FakeUpstream.startSse(up);
        for (String part : PARTS) FakeUpstream.event(up, chunk(part));
        assertThat(client.readToClose(5000)).contains("\"code\":\"stream_timeout\"");
        client.close();
        assertThat(rows()).containsExactly(row(200, prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS), output(String.join("", PARTS)), "estimated"));
    }

    @Test
    void aPolicyThatEndsTheStreamStillChargesWhatTheUpstreamSent() throws Exception {
        start(Map.of("POLICY_RESPONSE_WORDLIST", "custom:block", "POLICY_CUSTOM_WORDLIST", "secrets"), "{}");
        RawClient client = post("/v1/chat/completions", STREAM);
        HttpServerRequest up = nextUpstream();
        FakeUpstream.startSse(up);
        for (String part : PARTS) FakeUpstream.event(up, chunk(part));
        client.readUntil("\"error\"", 5000);
        client.close();
        // The chunk with the blocked word never reached the caller, but the upstream generated (and bills) it.
        assertThat(rows()).containsExactly(row(200, prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS),
                output(PARTS[0] + PARTS[1] + PARTS[2] + PARTS[3]), "estimated"));
    }

    @Test
    void theUpstreamsOwnUsageWinsOverTheEstimate() throws Exception {
        start(Map.of(), "{}");
        String body = STREAM.replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        RawClient client = post("/v1/chat/completions", body);
        HttpServerRequest up = nextUpstream();
        FakeUpstream.startSse(up);
        FakeUpstream.event(up, chunk(PARTS[0]));
        String usage = "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":7,\"total_tokens\":47}}";
        FakeUpstream.event(up, usage);
        client.readUntil("\"completion_tokens\":7", 5000); // then leaves before [DONE]
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
        assertThat(rows()).containsExactly(row(499, 40, 7, "upstream"));
    }

    @Test
    void everyChoiceAndToolCallArgumentsAreCounted() throws Exception {
        start(Map.of(), "{}");
        String body = STREAM.replace("\"stream\":true", "\"stream\":true,\"n\":2");
        RawClient client = post("/v1/chat/completions", body);
        HttpServerRequest up = nextUpstream();
        FakeUpstream.startSse(up);
        FakeUpstream.event(up, "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":["
                + "{\"index\":0,\"delta\":{\"content\":\"Waves roll in.\"}},{\"index\":1,\"delta\":{\"content\":\"Tides go out.\"}}]}");
        FakeUpstream.event(up, "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_tide\",\"arguments\":\"{\\\"port\\\":\"}}]}}]}");
        FakeUpstream.event(up, "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Brest\\\"}\"}}]}}]}");
        client.readUntil("Brest", 5000);
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
        long o = output("Waves roll in.Tides go out.get_tide{\"port\":\"Brest\"}");
        assertThat(rows()).containsExactly(row(499, prompt(body, Endpoint.Kind.CHAT_COMPLETIONS), o, "estimated"));
    }

    @Test
    void legacyCompletionsStreamsAreCounted() throws Exception {
        start(Map.of(), "{}");
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"prompt\":\"Once upon a time\"}";
        RawClient client = post("/v1/completions", body);
        HttpServerRequest up = nextUpstream();
        FakeUpstream.startSse(up);
        FakeUpstream.event(up, "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"text\":\" there was a ship\"}]}");
        client.readUntil("there was a ship", 5000);
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
        assertThat(rows()).containsExactly(row(499, prompt(body, Endpoint.Kind.COMPLETIONS), output(" there was a ship"), "estimated"));
    }

    @Test
    void responsesApiStreamsCountTextAndFunctionArguments() throws Exception {
        start(Map.of(), "{}");
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"Tell me about tides.\"}";
        RawClient client = post("/v1/responses", body);
        HttpServerRequest up = nextUpstream();
        FakeUpstream.startSse(up);
        up.response().write("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4o-mini\"}}\n\n");
        up.response().write("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Tides follow the moon.\"}\n\n");
        up.response().write("event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\","
                + "\"delta\":\"{\\\"moon\\\":true}\"}\n\n");
        client.readUntil("moon\\\":true", 5000);
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
        assertThat(rows()).containsExactly(row(499, prompt(body, Endpoint.Kind.RESPONSES), output("Tides follow the moon.{\"moon\":true}"), "estimated"));
    }

    @Test
    void aWholeAnswerTheClientLeftIsChargedItsPrompt() throws Exception {
        start(Map.of(), "{}");
        String body = STREAM.replace("\"stream\":true,", "");
        RawClient client = post("/v1/chat/completions", body);
        nextUpstream(); // never answers
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
        assertThat(rows()).containsExactly(row(499, prompt(body, Endpoint.Kind.CHAT_COMPLETIONS), 0, "estimated"));
    }

    @Test
    void aWholeAnswerCutMidBodyByTheUpstreamIsChargedItsPrompt() throws Exception {
        start(Map.of(), "{}");
        String body = STREAM.replace("\"stream\":true,", "");
        RawClient client = post("/v1/chat/completions", body);
        HttpServerRequest up = nextUpstream();
        up.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json").write("{\"id\":\"chatcmpl-1\",");
        up.connection().close();
        assertThat(client.readUntil("upstream_incomplete", 5000)).startsWith("HTTP/1.1 502");
        client.close();
        assertThat(rows()).containsExactly(row(502, prompt(body, Endpoint.Kind.CHAT_COMPLETIONS), 0, "estimated"));
    }

    @Test
    void aTranslatedAnthropicStreamCutBeforeItsUsageIsChargedTheEstimate() throws Exception {
        upstream.handle(held::add);
        startKeyMode(Map.of("ANTHROPIC_KEY", "sk-ant-test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"ANTHROPIC_KEY\"}]}]"));
        secret = createKey("{}").get("key").asText();
        String body = STREAM.replace("gpt-4o-mini", "claude").replace("\"stream\":true", "\"stream\":true,\"max_tokens\":300");
        RawClient client = post("/v1/chat/completions", body);
        HttpServerRequest up = nextUpstream();
        up.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
        String[] events = {
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"The sea is wide.\"}}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\","
                        + "\"name\":\"get_tide\",\"input\":{}}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                        + "\"partial_json\":\"{\\\"port\\\":\\\"Brest\\\"}\"}}"};
        for (int i = 0; i < events.length; i += 2) up.response().write("event: " + events[i] + "\ndata: " + events[i + 1] + "\n\n");
        client.readUntil("Brest", 5000);
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
        long p = TokenEstimate.promptTokens("claude", Json.parse(body), Endpoint.Kind.CHAT_COMPLETIONS);
        long o = TokenEstimate.completionTokens("claude", "The sea is wide.get_tide{\"port\":\"Brest\"}");
        // claude-sonnet-4-5: $3 in, $15 out per million
        assertThat(rows()).containsExactly("499 " + p + " " + o + " " + (p * 3000 + o * 15000) + " estimated");
    }

    @Test
    void aCallTheGatewayStoppedWaitingForIsChargedItsPromptButAnUnreachableUpstreamNothing() throws Exception {
        start(Map.of("TOLLGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "300"), "{}");
        RawClient waited = post("/v1/chat/completions", STREAM);
        nextUpstream(); // received, never answers: the upstream may still work on it and bill
        assertThat(waited.readUntil("upstream_timeout", 5000)).startsWith("HTTP/1.1 504");
        waited.close();
        assertThat(rows()).containsExactly(row(504, prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS), 0, "estimated"));

        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        startKeyMode(Map.of("LLM_API_BASE_PATH", "http://127.0.0.1:" + closedPort + "/v1"));
        secret = createKey("{}").get("key").asText();
        RawClient refused = post("/v1/chat/completions", STREAM);
        assertThat(refused.readUntil("upstream_unreachable", 5000)).startsWith("HTTP/1.1 502");
        refused.close();
        assertThat(rows(2)).containsExactly(row(504, prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS), 0, "estimated"), "502 0 0 0 none");
    }

    @Test
    void requestsThatNeverReachedTheUpstreamAndUpstreamErrorsCostNothing() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4o"), "{}");
        RawClient refused = post("/v1/chat/completions", STREAM.replace("gpt-4o-mini", "gpt-4o"));
        assertThat(refused.readUntil("model_disabled", 5000)).startsWith("HTTP/1.1 4");
        refused.close();
        RawClient failed = post("/v1/chat/completions", STREAM);
        FakeUpstream.json(nextUpstream(), 500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}");
        assertThat(failed.readUntil("boom", 5000)).startsWith("HTTP/1.1 500");
        failed.close();
        // A client that leaves while the upstream's error answer is on its way is not charged either.
        RawClient left = post("/v1/chat/completions", STREAM);
        HttpServerRequest up = nextUpstream();
        up.response().setStatusCode(400).setChunked(true).putHeader("Content-Type", "text/plain").write("partial error");
        // Error answers are read whole before they are relayed (to scrub them): the caller leaves
        // meanwhile, once the error's head has had time to reach the gateway (loopback: well under 300 ms).
        Thread.sleep(300);
        left.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
        List<String> rows = rows(3);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).matches("4\\d\\d 0 0 0 none");
        assertThat(rows.get(1)).isEqualTo("500 0 0 0 none");
        assertThat(rows.get(2)).matches("(400|499) 0 0 0 none"); // as the gateway saw it first: the error, or the caller gone
    }

    @Test
    void fifteenFullAnswersCutBeforeTheirUsageAreFifteenTimesTheEstimateInBudgetAndTokenLimit() throws Exception {
        start(Map.of(), "{\"limits\":{\"tpm\":100000},\"budget\":{\"amount_usd\":1,\"period\":\"total\"}}");
        for (int i = 0; i < 15; i++) cutAfter(post("/v1/chat/completions", STREAM), nextUpstream(), PARTS.length);
        long p = prompt(STREAM, Endpoint.Kind.CHAT_COMPLETIONS), o = output(String.join("", PARTS));
        List<String> rows = rows(15);
        assertThat(rows).hasSize(15).containsOnly(row(499, p, o, "estimated"));
        long each = p * IN + o * OUT;
        JsonNode status = Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + secret).body());
        assertThat(status.at("/budgets/0/spent_usd").decimalValue())
                .isEqualByComparingTo(java.math.BigDecimal.valueOf(15 * each, 9));
        JsonNode tpm = null;
        for (JsonNode w : status.path("limits")) if (w.path("window").asText().equals("tpm")) tpm = w;
        assertThat(tpm).isNotNull();
        assertThat(tpm.path("used").asLong()).isEqualTo(15 * (p + o));
        assertThat(gateway.gateway().access().budgets().get("key:" + keyId).spent(clock.get())).isEqualTo(15 * each);
    }
}
