package dev.tollgate.policy.promptsize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.policy.Policies;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.AnswerMode;
import dev.tollgate.support.Answers.Api;
import dev.tollgate.support.Judged;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POLICY_MAX_PROMPT_CHARS and TOLLGATE_MAX_PROMPT_TOKENS end to end: every text a request sends is
 * counted, on every endpoint shape; characters are code points; tokens are counted with the
 * model's own tokenizer, also for large prompts counted off the event loop.
 */
class PromptSizePolicyTest extends GatewayTest {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    private static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

    private static final String TOKEN_TEXT = "Tollgate counts the prompt's tokens exactly: naïve café façades, 12345 numbers, "
            + "CamelCaseIdentifiers and a few symbols {}[]<>!? for good measure.";



    static String tooLong(long chars, int cap) {
        return "{\"error\":{\"message\":\"Blocked by policy prompt-size: the prompt has " + chars + " characters; this gateway allows "
                + "at most " + cap + ".\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"prompt_too_long\"}}";
    }

    static String tooManyTokens(int cap) {
        return "{\"error\":{\"message\":\"Blocked by policy prompt-size: the prompt has more than " + cap + " tokens, the most this "
                + "gateway allows.\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"prompt_too_many_tokens\"}}";
    }

    static String forbidden(String header, String key) {
        return "{\"error\":{\"message\":\"Header " + header + " would loosen the gateway's " + key + " setting; a request may only "
                + "tighten it.\",\"type\":\"permission_error\",\"param\":null,\"code\":\"setting_override_forbidden\"}}";
    }

    private static String chat(String model, String... userTexts) {
        ObjectNode body = Json.object().put("model", model);
        ArrayNode messages = body.putArray("messages");
        for (String t : userTexts) messages.addObject().put("role", "user").put("content", t);
        return Json.toString(body);
    }

    /** How the table tests send their requests: each runs whole and streamed. */
    private AnswerMode mode = AnswerMode.WHOLE;

    private static Api api(String path) {
        for (Api a : Api.values()) if (a.path().equals(path)) return a;
        return null;
    }

    /** Sends a body that must pass unchanged (and gets the model's answer in the mode), and one that must be refused with this exact error. */
    private void passes(String path, String body) throws Exception {
        Api api = api(path);
        if (api != null) {
            Judged.passed(gateway, upstream, api, mode, body, body);
            return;
        }
        int before = upstream.received().size(); // an endpoint without streams: as sent
        HttpResponse<String> r = gateway.postJson(path, body);
        assertThat(r.statusCode()).as("%s %s -> %s", path, body, r.body()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(before + 1);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(body);
    }

    private void refused(String path, String body, String error) throws Exception {
        Api api = api(path);
        if (api != null) {
            Judged.refused(gateway, upstream, api, mode, body, 403, error);
            return;
        }
        int before = upstream.received().size();
        HttpResponse<String> r = gateway.postJson(path, body);
        assertThat(r.statusCode()).as("%s %s", path, body).isEqualTo(403);
        assertThat(r.body()).as("%s %s", path, body).isEqualTo(error);
        assertThat(upstream.received()).as("upstream calls").hasSize(before);
    }

    /** A request in the test's mode, with headers. */
    private HttpResponse<String> send(String path, String body, String... headers) throws Exception {
        return gateway.postJson(path, api(path) == null ? body : mode.request(body), headers);
    }

    // ---- characters -------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void chatStringContentIsCountedAndTheCapIsInclusive(AnswerMode m) throws Exception {
        mode = m;
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "10"));
        passes("/v1/chat/completions", chat("gpt-4o", "0123456789"));
        refused("/v1/chat/completions", chat("gpt-4o", "0123456789A"), tooLong(11, 10));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void everyMessageIsSummedWhateverItsRole(AnswerMode m) throws Exception {
        mode = m;
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "10"));
        String four = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"abc\"},{\"role\":\"user\",\"content\":\"de\"},"
                + "{\"role\":\"assistant\",\"content\":\"fgh\"},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ij\"}]}";
        passes("/v1/chat/completions", four);
        String five = four.replace("\"ij\"", "\"ijk\"");
        refused("/v1/chat/completions", five, tooLong(11, 10));
        refused("/v1/chat/completions", chat("gpt-4o", "hello", "world!"), tooLong(11, 10));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void contentPartsCountTheirTextOnly(AnswerMode m) throws Exception {
        mode = m;
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "10"));
        String parts = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a-very-long-image-address.png\"}},"
                + "{\"type\":\"text\",\"text\":\"world\"}]}]}";
        passes("/v1/chat/completions", parts);
        refused("/v1/chat/completions", parts.replace("\"world\"", "\"world!\""), tooLong(11, 10));
        // Parts and plain strings add up across messages.
        String mixed = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"abcdef\"}]},"
                + "{\"role\":\"user\",\"content\":\"ghijk\"}]}";
        refused("/v1/chat/completions", mixed, tooLong(11, 10));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void legacyPromptsAsStringOrArray(AnswerMode m) throws Exception {
        mode = m;
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "10"));
        passes("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"0123456789\"}");
        refused("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"0123456789AB\"}", tooLong(12, 10));
        passes("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":[\"hello\",\"world\"]}");
        refused("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":[\"hello\",\"world\",\"!\"]}", tooLong(11, 10));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void responsesInputStringItemsAndInstructions(AnswerMode m) throws Exception {
        mode = m;
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "10"));
        passes("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"0123456789\"}");
        refused("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"0123456789A\"}", tooLong(11, 10));
        // Instructions count with the input.
        refused("/v1/responses", "{\"model\":\"gpt-4o\",\"instructions\":\"Be brief\",\"input\":\"abc\"}", tooLong(11, 10));
        passes("/v1/responses", "{\"model\":\"gpt-4o\",\"instructions\":\"Be brief\",\"input\":\"ab\"}");
        // Items: a message with a string, one with parts, and a tool output.
        String items = "{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":\"abc\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"def\"},{\"type\":\"input_image\",\"image_url\":\"https://example.com/x.png\"}]},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"ghij\"}]}";
        passes("/v1/responses", items);
        refused("/v1/responses", items.replace("\"ghij\"", "\"ghijk\""), tooLong(11, 10));
        refused("/v1/responses", items.replace("{\"model\":\"gpt-4o\",", "{\"model\":\"gpt-4o\",\"instructions\":\"x\","), tooLong(11, 10));
    }

    @Test
    void embeddingsInputArray() throws Exception {
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "10"));
        passes("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"hello\",\"world\"]}");
        refused("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"hello\",\"world\",\"?\"]}", tooLong(11, 10));
        refused("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hello world\"}", tooLong(11, 10));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void charactersAreCodePointsNotUtf16Units(AnswerMode m) throws Exception {
        mode = m;
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "5"));
        String five = "😀😀😀😀😀"; // 5 code points, 10 UTF-16 units
        assertThat(five.length()).isEqualTo(10);
        passes("/v1/chat/completions", chat("gpt-4o", five));
        refused("/v1/chat/completions", chat("gpt-4o", five + "😀"), tooLong(6, 5));
        passes("/v1/chat/completions", chat("gpt-4o", "naïve")); // ï is one code point
        refused("/v1/chat/completions", chat("gpt-4o", "日本語テキスト"), tooLong(7, 5));
    }

    @Test
    void aStreamedRequestIsRefusedBeforeTheUpstream() throws Exception {
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "10"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
                    "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"0123456789ABCDEF\"}]}");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            assertThat(r.body()).isEqualTo(tooLong(16, 10));
            assertThat(upstream.received()).isEmpty();
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(403);
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"prompt_too_long\",\"description\":\"the prompt has 16 "
                    + "characters; this gateway allows at most 10.\",\"policy\":\"prompt-size\",\"action\":\"block\"}]");
        }
    }

    @Test
    void aHeaderLowersTheCharacterCapButCannotRaiseOrRemoveIt() throws Exception {
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "100"));
        String hello = chat("gpt-4o", "hello!");
        passes("/v1/chat/completions", hello);
        HttpResponse<String> lowered = gateway.postJson("/v1/chat/completions", hello, "x-tollgate-max-prompt-chars", "5");
        assertThat(lowered.statusCode()).isEqualTo(403);
        assertThat(lowered.body()).isEqualTo(tooLong(6, 5));
        HttpResponse<String> alias = gateway.postJson("/v1/chat/completions", hello, "x-usagepanda-max-prompt-chars", "5");
        assertThat(alias.body()).isEqualTo(tooLong(6, 5));

        HttpResponse<String> zero = gateway.postJson("/v1/chat/completions", hello, "x-tollgate-max-prompt-chars", "0");
        assertThat(zero.statusCode()).isEqualTo(403);
        assertThat(zero.body()).isEqualTo(forbidden("x-tollgate-max-prompt-chars", "POLICY_MAX_PROMPT_CHARS"));
        HttpResponse<String> higher = gateway.postJson("/v1/chat/completions", hello, "x-tollgate-max-prompt-chars", "200");
        assertThat(higher.statusCode()).isEqualTo(403);
        assertThat(higher.body()).isEqualTo(forbidden("x-tollgate-max-prompt-chars", "POLICY_MAX_PROMPT_CHARS"));
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void withoutConfigAHeaderAloneSetsACharacterCap() throws Exception {
        start(Map.of());
        String hello = chat("gpt-4o", "hello!");
        passes("/v1/chat/completions", hello);
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", hello, "x-tollgate-max-prompt-chars", "3");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(tooLong(6, 3));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void aLargePromptIsCountedExactly(AnswerMode m) throws Exception {
        mode = m;
        String big = "x".repeat(20_000) + "😀";
        start(Map.of("POLICY_MAX_PROMPT_CHARS", "20001"));
        passes("/v1/chat/completions", chat("gpt-4o", big));
        refused("/v1/chat/completions", chat("gpt-4o", big + "y"), tooLong(20_002, 20_001));
    }

    // ---- tokens -----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void tokensAreCountedWithTheModelsTokenizerAtTheExactBoundary(AnswerMode m) throws Exception {
        mode = m;
        int count = O200K.countTokensOrdinary(TOKEN_TEXT);
        assertThat(count).isGreaterThan(10);
        String body = chat("gpt-4o", TOKEN_TEXT);

        start(Map.of("TOLLGATE_MAX_PROMPT_TOKENS", String.valueOf(count)));
        passes("/v1/chat/completions", body);
        HttpResponse<String> lowered = send("/v1/chat/completions", body, "x-tollgate-max-prompt-tokens", String.valueOf(count - 1));
        assertThat(lowered.statusCode()).isEqualTo(403);
        assertThat(lowered.body()).isEqualTo(tooManyTokens(count - 1));
        HttpResponse<String> raised = send("/v1/chat/completions", body, "x-tollgate-max-prompt-tokens", String.valueOf(count + 1));
        assertThat(raised.body()).isEqualTo(forbidden("x-tollgate-max-prompt-tokens", "TOLLGATE_MAX_PROMPT_TOKENS"));
        gateway.close();

        start(Map.of("TOLLGATE_MAX_PROMPT_TOKENS", String.valueOf(count - 1)));
        try (LogCapture logs = new LogCapture()) {
            refused("/v1/chat/completions", body, tooManyTokens(count - 1));
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("flags").toString()).isEqualTo("[{\"type\":\"prompt_too_many_tokens\","
                    + "\"description\":\"the prompt has more than " + (count - 1) + " tokens, the most this gateway allows.\","
                    + "\"policy\":\"prompt-size\",\"action\":\"block\"}]");
        }
        assertThat(upstream.received()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void tokensOfEverySegmentAreSummed(AnswerMode m) throws Exception {
        mode = m;
        String a = "The first message says something.";
        String b = "A second one, from the system, adds more words.";
        int count = O200K.countTokensOrdinary(a) + O200K.countTokensOrdinary(b);
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":" + Json.MAPPER.writeValueAsString(b)
                + "},{\"role\":\"user\",\"content\":" + Json.MAPPER.writeValueAsString(a) + "}]}";
        start(Map.of("TOLLGATE_MAX_PROMPT_TOKENS", String.valueOf(count)));
        passes("/v1/chat/completions", body);
        HttpResponse<String> r = send("/v1/chat/completions", body, "x-tollgate-max-prompt-tokens", String.valueOf(count - 1));
        assertThat(r.body()).isEqualTo(tooManyTokens(count - 1));

        // Legacy prompt arrays and embeddings inputs are counted too.
        String legacy = "{\"model\":\"gpt-4o\",\"prompt\":[" + Json.MAPPER.writeValueAsString(a) + "," + Json.MAPPER.writeValueAsString(b) + "]}";
        passes("/v1/completions", legacy);
        HttpResponse<String> lr = send("/v1/completions", legacy, "x-tollgate-max-prompt-tokens", String.valueOf(count - 1));
        assertThat(lr.body()).isEqualTo(tooManyTokens(count - 1));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AnswerMode.class)
    void theTokenizerFollowsTheModel(AnswerMode m) throws Exception {
        mode = m;
        // Text whose token count differs between GPT-4 (cl100k_base) and GPT-4o (o200k_base).
        String text = "हिन्दी में लिखा गया यह वाक्य दोनों टोकनाइज़र में अलग गिना जाता है।";
        int cl = CL100K.countTokensOrdinary(text);
        int o200 = O200K.countTokensOrdinary(text);
        assertThat(cl).as("precondition: the encodings disagree").isGreaterThan(o200);

        start(Map.of("TOLLGATE_MAX_PROMPT_TOKENS", String.valueOf(cl)));
        passes("/v1/chat/completions", chat("gpt-4", text));
        HttpResponse<String> r = send("/v1/chat/completions", chat("gpt-4", text), "x-tollgate-max-prompt-tokens", String.valueOf(cl - 1));
        assertThat(r.body()).isEqualTo(tooManyTokens(cl - 1));
        // The same text for gpt-4o is fewer tokens: it passes a cap GPT-4's count would exceed.
        String forO = chat("gpt-4o", text);
        HttpResponse<String> o = send("/v1/chat/completions", forO, "x-tollgate-max-prompt-tokens", String.valueOf(o200));
        assertThat(o.statusCode()).isEqualTo(200);
        HttpResponse<String> oBlocked = send("/v1/chat/completions", forO, "x-tollgate-max-prompt-tokens", String.valueOf(o200 - 1));
        assertThat(oBlocked.body()).isEqualTo(tooManyTokens(o200 - 1));
        assertThat(upstream.received()).hasSize(2);
    }

    @Test
    void aLargePromptIsTokenizedOnTheWorkerPoolAndCountedExactly() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 40_000; i++) sb.append("word").append(i).append(i % 7 == 0 ? ". " : " ");
        String big = sb.toString();
        assertThat(big.length()).isGreaterThan(16_384);
        int count = O200K.countTokensOrdinary(big);
        String body = chat("gpt-4o", big);

        start(Map.of("TOLLGATE_MAX_PROMPT_TOKENS", String.valueOf(count), "POLICY_MAX_PROMPT_CHARS", String.valueOf(big.length())));
        passes("/v1/chat/completions", body);
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", body, "x-tollgate-max-prompt-tokens", String.valueOf(count - 1));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(tooManyTokens(count - 1));

        // Several requests at once on the one event loop all get their own right answer.
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpRequest.Builder b = gateway.request("/v1/chat/completions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (i % 2 == 1) b.header("x-tollgate-max-prompt-tokens", String.valueOf(count - 1));
            inFlight.add(gateway.http().sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < inFlight.size(); i++) {
            HttpResponse<String> each = inFlight.get(i).get(30, TimeUnit.SECONDS);
            assertThat(each.statusCode()).as("request %d", i).isEqualTo(i % 2 == 1 ? 403 : 200);
        }
        assertThat(upstream.received()).hasSize(4);
    }

    @Test
    void onlyALargePromptIsTokenizedOnTheWorkerPool() throws Exception {
        // A spy just before prompt-size sees every offload the policy asks for, and where the work runs.
        AtomicInteger offloads = new AtomicInteger();
        List<String> threads = new CopyOnWriteArrayList<>();
        Policy spy = new Policy() {
            @Override public String id() { return "offload-spy"; }
            @Override public Future<Verdict> onRequest(Exchange ex) {
                Context context = Vertx.currentContext();
                ex.offloader(work -> {
                    offloads.incrementAndGet();
                    return context.executeBlocking(() -> {
                        threads.add(Thread.currentThread().getName());
                        return work.call();
                    }, false);
                });
                return Verdict.PROCEED_FUTURE;
            }
        };
        List<Policy> policies = new ArrayList<>();
        for (Policy p : Policies.standard()) {
            if (p instanceof PromptSizePolicy) policies.add(spy);
            policies.add(p);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() <= 16_384; i++) sb.append("token").append(i).append(' ');
        String big = sb.toString();
        int count = O200K.countTokensOrdinary(big);
        Map<String, String> env = Map.of("HOST", "127.0.0.1", "PORT", "0", "TOLLGATE_EVENT_LOOPS", "1",
                "LLM_API_BASE_PATH", upstream.baseUrl(), "TOLLGATE_MAX_PROMPT_TOKENS", String.valueOf(count));
        Settings settings = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        Gateway started = Gateway.start(settings, policies)
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            BiFunction<String, String, HttpResponse<String>> post = (body, cap) -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + started.port()
                                    + "/v1/chat/completions")).header("Content-Type", "application/json")
                            .header("x-tollgate-max-prompt-tokens", cap).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            HttpResponse<String> small = post.apply(chat("gpt-4o", "a short prompt"), String.valueOf(count));
            assertThat(small.statusCode()).isEqualTo(200);
            assertThat(offloads.get()).as("a small prompt is counted inline").isZero();

            HttpResponse<String> fits = post.apply(chat("gpt-4o", big), String.valueOf(count));
            assertThat(fits.statusCode()).isEqualTo(200);
            HttpResponse<String> over = post.apply(chat("gpt-4o", big), String.valueOf(count - 1));
            assertThat(over.statusCode()).isEqualTo(403);
            assertThat(over.body()).isEqualTo(tooManyTokens(count - 1));
            assertThat(offloads.get()).isEqualTo(2);
            assertThat(threads).hasSize(2).allMatch(t -> t.contains("worker"), "a worker thread");
            assertThat(upstream.received()).hasSize(2);
        } finally {
            started.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }
}
