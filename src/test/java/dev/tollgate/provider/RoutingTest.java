package dev.tollgate.provider;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.json.Json;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutingTest extends GatewayTest {

    private final FakeUpstream second = new FakeUpstream();
    private final AtomicLong clock = new AtomicLong(1_000_000);

    @AfterEach
    void closeSecond() {
        second.close();
    }

    private static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private String base(FakeUpstream u) {
        return u.baseUrl();
    }

    private TestGateway startRouted(String models, String... more) {
        Map<String, String> env = new HashMap<>(Map.of("TOLLGATE_MODELS", models, "KEY_ONE", "sk-one-111", "KEY_TWO", "sk-two-222",
                "TOLLGATE_CIRCUIT_FAILURES", "2", "TOLLGATE_CIRCUIT_COOLDOWN_MS", "10000"));
        for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
        if (gateway != null) gateway.close();
        gateway = TestGateway.start(upstream, env, clock::get);
        return gateway;
    }

    private HttpResponse<String> chat(String model) throws Exception {
        return gateway.postJson("/v1/chat/completions", CHAT.formatted(model));
    }

    @Test
    void aliasesMapToTheDeploymentsModelAndKey() throws Exception {
        startRouted("[{\"name\":\"smart\",\"aliases\":[\"s\"],\"deployments\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"base_url\":\"" + base(second) + "\",\"api_key_env\":\"KEY_TWO\"}]}]");
        try (LogCapture logs = new LogCapture()) {
            assertThat(chat("s").statusCode()).isEqualTo(200);
            assertThat(logs.awaitRequestLine(1)).contains("\"deployments\":[\"smart/openai:gpt-4o#0 200\"]");
        }
        FakeUpstream.Received r = second.lastReceived();
        assertThat(Json.parse(r.bodyText()).get("model").asText()).isEqualTo("gpt-4o");
        assertThat(r.headers().get("Authorization")).isEqualTo("Bearer sk-two-222");
        assertThat(r.uri()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void unlistedModelsGoToTheDefaultUpstreamOrAreRefused() throws Exception {
        String models = "[{\"name\":\"smart\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(second) + "\",\"api_key_env\":\"KEY_TWO\"}]}]";
        startRouted(models);
        assertThat(chat("gpt-4o-mini").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(1);

        startRouted(models, "TOLLGATE_UNLISTED_MODELS", "refuse");
        HttpResponse<String> r = chat("gpt-4o-mini");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The model 'gpt-4o-mini' does not exist or you do not have access to it.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"model_not_found\"}}");
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void deploymentsAreBalancedByWeight() throws Exception {
        startRouted("[{\"name\":\"m\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(upstream) + "\",\"weight\":3},"
                + "{\"provider\":\"openai\",\"base_url\":\"" + base(second) + "\",\"weight\":1}]}]");
        for (int i = 0; i < 400; i++) assertThat(chat("m").statusCode()).isEqualTo(200);
        // Expected 300 / 100; the bounds are more than 6 standard deviations (σ ≈ 8.7) wide.
        assertThat(upstream.received().size()).isBetween(245, 355);
        assertThat(second.received().size()).isEqualTo(400 - upstream.received().size());
    }

    @Test
    void aFailingDeploymentFallsBackAndTheLogSaysWhatWasTried() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 503, "{\"error\":{\"message\":\"overloaded\"}}"));
        startRouted("[{\"name\":\"main\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(upstream) + "\"}],\"fallbacks\":[\"backup\"]},"
                + "{\"name\":\"backup\",\"deployments\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"base_url\":\"" + base(second)
                + "\",\"api_key_env\":\"KEY_TWO\"}]}]");
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = chat("main");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"ok\":true}");
            assertThat(logs.awaitRequestLine(1)).contains("\"deployments\":[\"main/openai:main#0 503\",\"backup/openai:gpt-4o-mini#0 200\"]");
        }
        assertThat(Json.parse(second.lastReceived().bodyText()).get("model").asText()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void aFailingDeploymentIsCooledDownThenProbedBack() throws Exception {
        boolean[] healthy = {false};
        upstream.handle(req -> FakeUpstream.json(req, healthy[0] ? 200 : 500, healthy[0] ? "{\"from\":\"A\"}" : "{}"));
        second.handle(req -> FakeUpstream.json(req, 200, "{\"from\":\"B\"}"));
        startRouted("[{\"name\":\"main\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(upstream) + "\"}],\"fallbacks\":[\"backup\"]},"
                + "{\"name\":\"backup\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(second) + "\"}]}]");
        try (LogCapture logs = new LogCapture()) {
            assertThat(chat("main").body()).isEqualTo("{\"from\":\"B\"}");
            assertThat(chat("main").body()).isEqualTo("{\"from\":\"B\"}"); // the second failure in a row opens the circuit
            assertThat(upstream.received()).hasSize(2);
            assertThat(chat("main").body()).isEqualTo("{\"from\":\"B\"}");
            assertThat(upstream.received()).as("cooling down: not tried").hasSize(2);
            assertThat(logs.awaitRequestLine(3)).contains("\"deployments\":[\"main/openai:main#0 cooling down\",\"backup/openai:backup#0 200\"]");

            clock.addAndGet(10_000);
            healthy[0] = true;
            assertThat(chat("main").body()).as("the probe").isEqualTo("{\"from\":\"A\"}");
            assertThat(chat("main").body()).isEqualTo("{\"from\":\"A\"}");
            assertThat(logs.awaitRequestLine(5)).contains("\"deployments\":[\"main/openai:main#0 200\"]");
        }
    }

    @Test
    void aFailedProbeCoolsTheDeploymentDownAgain() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 502, "{}"));
        startRouted("[{\"name\":\"main\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(upstream) + "\"}],\"fallbacks\":[\"backup\"]},"
                + "{\"name\":\"backup\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(second) + "\"}]}]");
        chat("main");
        chat("main");
        clock.addAndGet(10_000);
        assertThat(chat("main").statusCode()).isEqualTo(200); // probe fails, B serves
        assertThat(upstream.received()).hasSize(3);
        assertThat(chat("main").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).as("cooling down again").hasSize(3);
    }

    @Test
    void whenEveryDeploymentFailsTheLastAnswerIsRelayed() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}"));
        startRouted("[{\"name\":\"only\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(upstream) + "\"}]}]");
        HttpResponse<String> r = chat("only");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).contains("slow down");
    }

    @Test
    void aStreamFallsBackOnlyBeforeAnythingWasSent() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 500, "{}"));
        second.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
        startRouted("[{\"name\":\"m\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(upstream) + "\"}],\"fallbacks\":[\"b\"]},"
                + "{\"name\":\"b\",\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(second) + "\"}]}]");
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true,\"messages\":[]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"content\":\"hi\"").endsWith("data: [DONE]\n\n");
    }

    @Test
    void azureDeploymentsGetTheirUrlApiVersionAndKeyHeader() throws Exception {
        startRouted("[{\"name\":\"gpt-4o\",\"deployments\":[{\"provider\":\"azure\",\"base_url\":\"" + "http://127.0.0.1:" + second.port()
                + "\",\"deployment\":\"gpt4o-prod\",\"api_key_env\":\"KEY_ONE\"}]}]", "OPENAI_API_KEY", "sk-openai-not-for-azure");
        assertThat(gateway.postJson("/v1/chat/completions?x=1", CHAT.formatted("gpt-4o"), "Authorization", "Bearer caller").statusCode()).isEqualTo(200);
        FakeUpstream.Received r = second.lastReceived();
        assertThat(r.uri()).isEqualTo("/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21&x=1");
        Deployment d = gateway.gateway().router().route("gpt-4o").deployments().get(0);
        assertThat(d.upstreamModel()).isEqualTo("gpt4o-prod");
        assertThat(d.pricedModel()).as("priced as the model it serves").isEqualTo("gpt-4o");
        assertThat(r.headers().get("api-key")).isEqualTo("sk-one-111");
        assertThat(r.headers().get("Authorization")).isNull();

        HttpResponse<String> files = gateway.get("/v1/files?model=gpt-4o");
        assertThat(files.statusCode()).isEqualTo(200); // no model in a GET: the default upstream
        HttpResponse<String> unsupported = gateway.postJson("/v1/moderations", "{\"model\":\"gpt-4o\",\"input\":\"x\"}");
        assertThat(unsupported.statusCode()).isEqualTo(400);
        assertThat(unsupported.body()).isEqualTo("{\"error\":{\"message\":\"The endpoint /v1/moderations is not available on Azure OpenAI "
                + "deployments.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"unsupported_parameter\"}}");
    }

    @Test
    void anAzureResourceInAHeaderMustBeAllowListed() throws Exception {
        start(Map.of("TOLLGATE_AZURE_RESOURCES", "approved-resource"));
        for (String header : new String[]{"x-tollgate-azure-resource", "x-usagepanda-azure-resource"}) {
            for (String resource : new String[]{"attacker", "evil.example.com#", "approved-resource.evil.com"}) {
                HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT.formatted("gpt-4o"), header, resource,
                        "Authorization", "Bearer sk-callers-azure-key");
                assertThat(r.statusCode()).isEqualTo(403);
                assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The Azure resource named in the x-tollgate-azure-resource header is "
                        + "not in this gateway's allow-list (TOLLGATE_AZURE_RESOURCES).\",\"type\":\"permission_error\",\"param\":null,"
                        + "\"code\":\"azure_resource_not_allowed\"}}");
            }
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void theHeaderAzureDeploymentPointsAtTheResourcesHost() {
        Router router = Gateway.router(new ConfigLoader(Gateway.catalog()).load(null, Map.of("TOLLGATE_AZURE_RESOURCES", "approved-resource",
                "TOLLGATE_AZURE_DEPLOYMENTS", "{\"gpt-4o\":\"prod-4o\"}")).settings(), k -> null, clock::get);
        Deployment d = router.headerAzure("approved-resource", "dep-1");
        assertThat(d.target().host()).isEqualTo("approved-resource.openai.azure.com");
        assertThat(d.target().ssl()).isTrue();
        assertThat(d.upstreamModel()).isEqualTo("dep-1");
        assertThat(router.headerAzure("other", null)).isNull();
    }

    @Test
    void badModelEntriesStopStartUpNamingTheField() {
        String[][] cases = {
                {"[{\"deployments\":[]}]", "TOLLGATE_MODELS[0].name: required"},
                {"[{\"name\":\"m\",\"deployments\":[]}]", "TOLLGATE_MODELS[0].deployments: expected a non-empty list"},
                {"[{\"name\":\"m\",\"deployments\":[{\"provider\":\"palm\"}]}]",
                        "TOLLGATE_MODELS[0].deployments[0].provider: unknown provider 'palm' (known: openai, openai-compatible, azure, azure-openai, anthropic, gemini, google)"},
                {"[{\"name\":\"m\",\"deployments\":[{\"provider\":\"anthropic\"}]}]",
                        "TOLLGATE_MODELS[0].deployments[0].api_key_env: required for provider anthropic (the name of the environment variable holding the key)"},
                {"[{\"name\":\"m\",\"deployments\":[{\"provider\":\"anthropic\",\"api_key_env\":\"NOPE_NOT_SET\"}]}]",
                        "TOLLGATE_MODELS[0].deployments[0].api_key_env: the environment variable NOPE_NOT_SET is not set"},
                {"[{\"name\":\"m\",\"deployments\":[{\"provider\":\"openai\",\"apikey\":\"sk-x\"}]}]",
                        "TOLLGATE_MODELS[0].deployments[0]: unknown field 'apikey' (known: api_key_env, api_version, base_url, deployment, model, provider, resource, weight)"},
                {"[{\"name\":\"m\",\"deployments\":[{\"provider\":\"azure\",\"resource\":\"bad.host\",\"deployment\":\"d\",\"api_key_env\":\"KEY_ONE\"}]}]",
                        "TOLLGATE_MODELS[0].deployments[0]: not a valid Azure resource name: 'bad.host'"},
                {"[{\"name\":\"m\",\"deployments\":[{\"provider\":\"openai\"}],\"fallbacks\":[\"x\"]}]",
                        "TOLLGATE_MODELS: fallback 'x' of 'm' is not a listed model"},
                {"[{\"name\":\"m\",\"deployments\":[{\"provider\":\"openai\"}]},{\"name\":\"n\",\"aliases\":[\"m\"],\"deployments\":[{\"provider\":\"openai\"}]}]",
                        "TOLLGATE_MODELS: the name 'm' is used twice"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> startRouted(c[0])).as(c[0]).rootCause().hasMessage("invalid configuration:\n  " + c[1]);
        }
    }

    @Test
    void theModelListShowsTheListedModelsAndAliases() throws Exception {
        startRouted("[{\"name\":\"smart\",\"aliases\":[\"s\"],\"deployments\":[{\"provider\":\"openai\",\"base_url\":\"" + base(second) + "\"}]},"
                + "{\"name\":\"claude\",\"deployments\":[{\"provider\":\"anthropic\",\"api_key_env\":\"KEY_ONE\"}]}]");
        HttpResponse<String> r = gateway.get("/v1/models");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"object\":\"list\",\"data\":[{\"id\":\"smart\",\"object\":\"model\",\"created\":0,\"owned_by\":\"openai\"},"
                + "{\"id\":\"s\",\"object\":\"model\",\"created\":0,\"owned_by\":\"openai\"},"
                + "{\"id\":\"claude\",\"object\":\"model\",\"created\":0,\"owned_by\":\"anthropic\"}]}");
        assertThat(upstream.received()).isEmpty();
        assertThat(second.received()).isEmpty();
    }

    @Test
    void theSeedsAzureResourceTakesUnlistedModels() {
        Router router = Gateway.router(new ConfigLoader(Gateway.catalog()).load(null, Map.of("AZURE_RESOURCE_NAME", "my-resource",
                "OPENAI_API_KEY", "azure-key-123")).settings(), k -> null, clock::get);
        assertThat(router.routed()).isTrue();
        Deployment d = router.plan("gpt-4o").attempts().get(0);
        assertThat(d.provider()).isEqualTo(dev.tollgate.provider.azure.Azure.SPEC);
        assertThat(d.target().host()).isEqualTo("my-resource.openai.azure.com");
        assertThat(d.credential()).isEqualTo("azure-key-123");
        assertThat(d.toString()).doesNotContain("azure-key-123");
        assertThat(router.headerAzure("my-resource", null)).isNotNull();
        assertThatThrownBy(() -> Gateway.router(new ConfigLoader(Gateway.catalog()).load(null, Map.of("AZURE_RESOURCE_NAME", "evil.com/x"))
                .settings(), k -> null, clock::get)).hasMessageContaining("not a valid Azure resource name");
    }

    @Test
    void theProvidersExampleLoads() throws Exception {
        var loaded = new ConfigLoader(Gateway.catalog()).load(java.nio.file.Path.of("examples/providers.yaml"), Map.of());
        Map<String, String> env = Map.of("OPENAI_API_KEY", "a", "AZURE_OPENAI_KEY", "b", "ANTHROPIC_API_KEY", "c", "GEMINI_API_KEY", "d");
        Router router = Gateway.router(loaded.settings(), env::get, clock::get);
        assertThat(router.listed()).extracting(ModelRoute::name).containsExactly("gpt-4o", "claude", "gemini-flash", "embeddings", "local-llama");
        assertThat(router.plan("default").attempts()).hasSize(3); // two deployments, then the fallback
        assertThat(router.plan("gpt-3.5-turbo").attempts()).isEmpty();
        assertThatThrownBy(() -> Gateway.router(loaded.settings(), k -> null, clock::get))
                .hasMessage("invalid configuration:\n  TOLLGATE_MODELS[0].deployments[0].api_key_env: the environment variable OPENAI_API_KEY is not set");
    }
}
