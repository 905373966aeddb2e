package dev.tollgate.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.KeySecrets;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Setting;
import dev.tollgate.hybrid.HybridSettings;
import dev.tollgate.hybrid.Snapshot;
import dev.tollgate.json.Json;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.limits.Limits;
import dev.tollgate.policy.Policies;
import dev.tollgate.policy.wordfilter.WordFilterPolicy;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A data plane (in this JVM) against a fake control plane serving snapshots made as a control
 * plane makes them: the snapshot's gateway-wide settings (a word list, a price) replace the data
 * plane's own, change without a restart (a request under way keeps what it started with), and a
 * snapshot whose settings this data plane cannot use is refused whole.
 */
class TravellingSettingsTest {

    static final String TOKEN = "tgdp-" + "C".repeat(43);
    static final String SECRET = KeySecrets.newSecret();
    static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";
    /** $1,000 and $2,000 per million tokens: a call of 3 + 1 tokens costs $0.005. */
    static final String PRICES_A = "{\"gpt-4o-mini\":{\"input\":1000,\"output\":2000}}";
    /** Ten times that: $0.05. */
    static final String PRICES_B = "{\"gpt-4o-mini\":{\"input\":10000,\"output\":20000}}";

    private FakeUpstream llm;
    private FakeUpstream controlPlane;
    private TestGateway dataPlane;
    private final AtomicReference<Snapshot> served = new AtomicReference<>();
    /** Upstream calls whose answer the test gives when it chooses. */
    private final LinkedBlockingQueue<HttpServerRequest> held = new LinkedBlockingQueue<>();
    private LogCapture requests;

    @BeforeEach
    void start() {
        requests = new LogCapture();
        llm = new FakeUpstream();
        llm.handle(req -> {
            if (llm.lastReceived().bodyText().contains("hold me")) held.add(req);
            else FakeUpstream.json(req, 200, ANSWER);
        });
        controlPlane = new FakeUpstream();
        controlPlane.handle(req -> {
            Snapshot s = served.get();
            String etag = req.getHeader("If-None-Match");
            if (s == null) {
                FakeUpstream.json(req, 503, "{}");
            } else if (etag != null && etag.equals("\"" + s.version() + "\"")) {
                // A long poll that ends without a change: not at once, or the data plane would ask without pause.
                controlPlane.vertx().setTimer(100, t -> req.response().setStatusCode(304).end());
            } else {
                req.response().setStatusCode(200).putHeader("content-type", "application/json").end(Buffer.buffer(s.toBytes()));
            }
        });
    }

    @AfterEach
    void stop() {
        if (dataPlane != null) dataPlane.close();
        requests.close();
        controlPlane.close();
        llm.close();
    }

    /** The snapshot a control plane started with these settings would serve (its travelling settings, as it makes them). */
    static Snapshot snapshot(Map<String, String> controlPlaneEnv, ApiKey... keys) {
        ObjectNode settings = HybridSettings.travelling(new ConfigLoader(Gateway.catalog()).load(null, controlPlaneEnv).settings(),
                Gateway.travellingSettings(Policies.standard()));
        return Snapshot.of(settings, List.of(keys), List.of(), 1_000);
    }

    static ApiKey key(String id, String secret) {
        return new ApiKey(id, id, KeySecrets.displayPrefix(secret), KeySecrets.hash(secret), null, 0, "alice", null, Map.of(), null, null,
                Json.object(), Limits.NONE, null, 0, 1_000, 0, 0);
    }

    private void startDataPlane() {
        startDataPlane(new HashMap<>());
    }

    private void startDataPlane(Map<String, String> env) {
        env.put("TOLLGATE_ROLE", "data-plane");
        env.put("TOLLGATE_CONTROL_PLANE_URL", "http://127.0.0.1:" + controlPlane.port());
        env.put("TOLLGATE_DATA_PLANE_TOKEN", TOKEN);
        env.put("OPENAI_API_KEY", "sk-provider-key-of-the-data-plane");
        // Its own values of settings that travel: the snapshot's replace them.
        env.put("TOLLGATE_PRICES", "{\"gpt-4o-mini\":{\"input\":1,\"output\":1}}");
        env.put("POLICY_REQUEST_WORDLIST", "profanity:audit");
        dataPlane = TestGateway.start(llm, env);
    }

    private HttpResponse<String> chat(String text) throws Exception {
        return dataPlane.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\""
                + text + "\"}]}", "Authorization", "Bearer " + SECRET);
    }

    /** What the data plane charged, over its request log lines so far. */
    private String spent() throws Exception {
        return charged(requests.requestLines());
    }

    /** The sum of the request lines' cost_usd. */
    static String charged(List<String> requestLines) throws Exception {
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
        for (String line : requestLines) {
            JsonNode cost = Json.parse(line).path("response").path("cost_usd");
            if (cost.isNumber()) sum = sum.add(cost.decimalValue());
        }
        return sum.stripTrailingZeros().toPlainString();
    }

    private static String blocked(String list) {
        return "{\"error\":{\"message\":\"Blocked by policy word-filter: the request contains terms from the '" + list + "' word list.\","
                + "\"type\":\"policy_violation\",\"param\":null,\"code\":\"word_list_blocked\"}}";
    }

    private static void await(java.util.concurrent.Callable<Boolean> done) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s");
            Thread.sleep(20);
        }
    }

    private static Map<String, String> controlPlaneSettings(String word, String prices) {
        return Map.of("POLICY_REQUEST_WORDLIST", "custom:block", "POLICY_CUSTOM_WORDLIST", word, "TOLLGATE_PRICES", prices);
    }

    @Test
    void theSnapshotsWordListAndPriceReplaceTheDataPlanesOwn() throws Exception {
        served.set(snapshot(controlPlaneSettings("forbidden", PRICES_A), key("key_a", SECRET)));
        try (LogCapture logs = new LogCapture()) {
            startDataPlane();
            assertThat(logs.appLines()).anyMatch(l -> l.contains("data plane: POLICY_REQUEST_WORDLIST, TOLLGATE_PRICES set here are ignored: "
                    + "the control plane's snapshot sets the gateway-wide settings"));
        }
        await(() -> chat("hello").statusCode() == 200);

        HttpResponse<String> r = chat("a forbidden word");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(blocked("custom"));
        assertThat(llm.received()).hasSize(1); // only the first call went upstream
        assertSpent(() -> spent(), "0.005"); // the control plane's price, not the data plane's own
    }

    @Test
    void aNewSnapshotChangesThemWithoutARestartAndARequestUnderWayKeepsItsOwn() throws Exception {
        served.set(snapshot(controlPlaneSettings("forbidden", PRICES_A), key("key_a", SECRET)));
        startDataPlane();
        await(() -> chat("hello").statusCode() == 200);
        assertSpent(() -> spent(), "0.005");

        CompletableFuture<HttpResponse<String>> underWay = CompletableFuture.supplyAsync(() -> {
            try {
                return chat("hold me");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        HttpServerRequest upstreamCall = held.poll(10, TimeUnit.SECONDS);
        assertThat(upstreamCall).isNotNull();

        try (LogCapture logs = new LogCapture()) {
            served.set(snapshot(controlPlaneSettings("otherword", PRICES_B), key("key_a", SECRET)));
            await(() -> logs.appLines().stream().anyMatch(l -> l.contains("data plane: gateway-wide settings from the control plane in use; "
                    + "changed: POLICY_CUSTOM_WORDLIST, TOLLGATE_PRICES")));
        }
        assertThat(chat("an otherword here").body()).isEqualTo(blocked("custom"));
        assertThat(chat("a forbidden word").statusCode()).isEqualTo(200); // no longer on the list
        assertSpent(() -> spent(), "0.055"); // 0.005, then 0.05 at the new price

        // The request that started before the change finishes, priced as it was admitted.
        upstreamCall.response().setStatusCode(200).putHeader("content-type", "application/json").end(ANSWER);
        HttpResponse<String> finished = underWay.get(10, TimeUnit.SECONDS);
        assertThat(finished.statusCode()).isEqualTo(200);
        assertThat(finished.body()).isEqualTo(ANSWER);
        assertSpent(() -> spent(), "0.06");
    }

    @Test
    void theSnapshotsModelsListRoutesWithTheDataPlanesOwnCredentialAndMasksIt() throws Exception {
        String credential = "house-credential-of-this-data-plane-0123";
        llm.handle(req -> {
            if (llm.lastReceived().bodyText().contains("echo the key")) {
                FakeUpstream.json(req, 401, "{\"error\":{\"message\":\"Incorrect API key provided: " + credential + "\"}}");
            } else {
                FakeUpstream.json(req, 200, ANSWER);
            }
        });
        Map<String, String> cp = new HashMap<>(controlPlaneSettings("forbidden", PRICES_A));
        cp.put("TOLLGATE_MODELS", "[{\"name\":\"house\",\"deployments\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
                + "\"base_url\":\"" + llm.baseUrl() + "\",\"api_key_env\":\"HOUSE_KEY\"}]}]");
        served.set(snapshot(cp, key("key_a", SECRET)));
        Map<String, String> env = new HashMap<>();
        env.put("HOUSE_KEY", credential);
        startDataPlane(env);
        await(() -> dataPlane.get("/v1/models", "Authorization", "Bearer " + SECRET).body().contains("\"house\""));

        HttpResponse<String> r = dataPlane.postJson("/v1/chat/completions", "{\"model\":\"house\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", "Bearer " + SECRET);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(llm.lastReceived().headers().get("Authorization")).isEqualTo("Bearer " + credential);
        assertThat(Json.parse(llm.lastReceived().bodyText()).path("model").asText()).isEqualTo("gpt-4o-mini");
        assertSpent(() -> spent(), "0.005"); // the alias priced as the model it serves, at the control plane's price

        // A credential the new models list brought is masked like one read at start.
        r = dataPlane.postJson("/v1/chat/completions", "{\"model\":\"house\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"echo the key\"}]}", "Authorization", "Bearer " + SECRET);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).doesNotContain(credential).contains(dev.tollgate.observe.SecretScrubber.MARKER);
    }

    @Test
    void aSnapshotWhoseSettingsThisDataPlaneCannotUseIsRefusedWholeAndThePreviousKept() throws Exception {
        Snapshot good = snapshot(controlPlaneSettings("forbidden", PRICES_A), key("key_a", SECRET));
        served.set(good);
        startDataPlane();
        await(() -> chat("hello").statusCode() == 200);
        String newSecret = KeySecrets.newSecret();
        String keeping = "; keeping " + good.version().substring(0, 12);

        Map<ObjectNode, String> bad = new java.util.LinkedHashMap<>();
        bad.put(settings("TOLLGATE_PRICES", "{\"gpt-4o-mini\":{\"input\":-1}}"), "settings: TOLLGATE_PRICES: prices: model ");
        bad.put(settings("TOLLGATE_MODELS", "[{\"name\":\"house\",\"deployments\":[{\"provider\":\"nosuch\",\"model\":\"x\"}]}]"),
                "settings: TOLLGATE_MODELS[0].deployments[0].provider: unknown provider 'nosuch' (known: openai, openai-compatible, azure, "
                        + "azure-openai, anthropic, gemini, google)" + keeping);
        // A credential the models list names but this data plane's environment lacks: provider keys never travel.
        bad.put(settings("TOLLGATE_MODELS", "[{\"name\":\"house\",\"deployments\":[{\"provider\":\"anthropic\","
                + "\"model\":\"claude-sonnet-4-5\",\"api_key_env\":\"HOUSE_ANTHROPIC_KEY\"}]}]"), "settings: TOLLGATE_MODELS[0].deployments[0].api_key_env: the environment variable HOUSE_ANTHROPIC_KEY is not set" + keeping);
        bad.put(settings("POLICY_REQUEST_WORDLIST", "\"nosuchlist:block\""),
                "settings: POLICY_REQUEST_WORDLIST: unknown word list 'nosuchlist' (known: profanity, adult, dan, custom)" + keeping);
        bad.put(settings("LLM_API_BASE_PATH", "\"https://elsewhere.example\""), "settings: LLM_API_BASE_PATH: not a setting that travels" + keeping);
        bad.put(settings("OPENAI_API_KEY", "\"sk-from-the-control-plane\""), "settings: OPENAI_API_KEY: not a setting that travels" + keeping);
        bad.put(settings("POLICY_FROM_A_NEWER_CONTROL_PLANE", "1"), "settings: POLICY_FROM_A_NEWER_CONTROL_PLANE: unknown setting" + keeping);
        for (Map.Entry<ObjectNode, String> b : bad.entrySet()) {
            try (LogCapture logs = new LogCapture()) {
                served.set(Snapshot.of(b.getKey(), List.of(key("key_a", SECRET), key("key_b", newSecret)), List.of(), 2_000));
                try {
                    await(() -> logs.appLines().stream().anyMatch(l -> l.contains("rejected a snapshot from the control plane: " + b.getValue())));
                } catch (AssertionError e) {
                    throw new AssertionError(b.getValue() + " not in " + logs.appLines(), e);
                }
                assertThat(logs.appLines()).as(b.getValue()).noneMatch(l -> l.contains("snapshot ") && l.contains(" in use"));
            }
            // Nothing of it applied: not its key, not its settings.
            assertThat(dataPlane.gateway().access().keys().byId("key_b")).isNull();
            assertThat(dataPlane.gateway().context().dataPlane().status().version()).isEqualTo(good.version());
            assertThat(chat("a forbidden word").body()).isEqualTo(blocked("custom"));
            // The good one again, until the control plane has confirmed it: the data plane's back-off starts afresh.
            served.set(good);
            long set = System.currentTimeMillis();
            await(() -> dataPlane.gateway().context().dataPlane().status().ageMs() < System.currentTimeMillis() - set);
        }
        assertSpent(() -> spent(), "0.005");
    }

    /** The good settings with one changed: a snapshot that would otherwise pass. */
    private static ObjectNode settings(String key, String json) throws Exception {
        ObjectNode s = snapshot(controlPlaneSettings("forbidden", PRICES_A)).settings().deepCopy();
        s.set(key, Json.MAPPER.readTree(json));
        return s;
    }

    @Test
    void everyTravellingSettingReadsBackAsItWasSent() throws Exception {
        for (Setting<?> s : Gateway.travellingSettings(Policies.standard())) assertDefaultRoundTrip(s);
        assertRoundTrip(WordFilterPolicy.REQUEST_LISTS, WordFilterPolicy.REQUEST_LISTS.type().fromString("profanity:block, custom:redact,dan:audit"));
        JsonNode wire = WordFilterPolicy.REQUEST_LISTS.type().toJson(WordFilterPolicy.REQUEST_LISTS.type().fromString("profanity:block,custom:redact"));
        assertThat(Json.MAPPER.writeValueAsString(wire)).isEqualTo("{\"profanity\":\"block\",\"custom\":\"redact\"}");
    }

    private static <T> void assertDefaultRoundTrip(Setting<T> s) {
        assertRoundTrip(s, s.defaultValue());
    }

    private static <T> void assertRoundTrip(Setting<T> s, T value) {
        if (value == null) return;
        assertThat(s.type().fromYaml(s.type().toJson(value))).as(s.key()).isEqualTo(value);
    }

    /** Request lines are written just after the answer: the total is awaited (10 s), then must be exactly this. */
    private static void assertSpent(java.util.concurrent.Callable<String> spent, String expected) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String now = spent.call();
        while (!now.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = spent.call();
        }
        assertThat(now).isEqualTo(expected);
    }
}
