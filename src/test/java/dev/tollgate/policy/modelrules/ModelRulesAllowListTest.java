package dev.tollgate.policy.modelrules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.json.Json;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POLICY_ALLOWED_MODELS end to end: when set, only the listed models (whole names,
 * case-insensitive) reach the upstream; a request naming no model is refused; a header may narrow
 * the list to a non-empty subset but never add to it.
 */
class ModelRulesAllowListTest extends GatewayTest {

    private static final String FORBIDDEN = "{\"error\":{\"message\":\"Header x-tollgate-allowed-models would loosen the gateway's "
            + "POLICY_ALLOWED_MODELS setting; a request may only tighten it.\",\"type\":\"permission_error\",\"param\":null,"
            + "\"code\":\"setting_override_forbidden\"}}";



    static String notAllowed(String shownModel) {
        return "{\"error\":{\"message\":\"Blocked by policy model-rules: model " + shownModel + " is not among the models this gateway "
                + "allows.\",\"type\":\"policy_violation\",\"param\":\"model\",\"code\":\"model_not_allowed\"}}";
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void aModelNotOnTheListIsRefusedBeforeTheUpstream() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini,gpt-4o"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chat("gpt-4"));
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            assertThat(r.body()).isEqualTo(notAllowed("'gpt-4'"));
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(403);
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"model_not_allowed\",\"description\":\"model 'gpt-4' is "
                    + "not among the models this gateway allows.\",\"policy\":\"model-rules\",\"action\":\"block\"}]");
        }
        // Whole names only: a prefix or an extension of an allowed name is another model.
        assertThat(gateway.postJson("/v1/chat/completions", chat("gpt-4o-2024-08-06")).body()).isEqualTo(notAllowed("'gpt-4o-2024-08-06'"));
        assertThat(gateway.postJson("/v1/chat/completions", chat("gpt-4")).body()).isEqualTo(notAllowed("'gpt-4'"));
        HttpResponse<String> streamed = gateway.postJson("/v1/chat/completions",
                "{\"model\":\"o1\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(streamed.statusCode()).isEqualTo(403);
        assertThat(streamed.headers().firstValue("content-type")).contains("application/json");
        assertThat(streamed.body()).isEqualTo(notAllowed("'o1'"));
        HttpResponse<String> embeddings = gateway.postJson("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}");
        assertThat(embeddings.body()).isEqualTo(notAllowed("'text-embedding-3-small'"));
        assertThat(upstream.received()).isEmpty();
    }

    static final String MODEL_REQUIRED = "{\"error\":{\"message\":\"This request must name its model in 'model': this gateway judges "
            + "every request by the model it runs.\",\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"model_required\"}}";
    static final String INVALID_MODEL = "{\"error\":{\"message\":\"'model' must be a non-empty string naming one model, without surrounding spaces.\","
            + "\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"invalid_model\"}}";

    @Test
    void aRequestWithoutAModelOrWithAModelThatIsNotAStringIsRefused() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini,gpt-4o"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(MODEL_REQUIRED);
        assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":null,\"messages\":[]}").body()).isEqualTo(MODEL_REQUIRED);
        for (String model : new String[] {"4", "[\"gpt-4o\"]", "[\"gpt-4o-mini\",\"gpt-4\"]", "{\"id\":\"gpt-4o\"}", "true", "\"\"", "\"  \""}) {
            HttpResponse<String> bad = gateway.postJson("/v1/chat/completions", "{\"model\":" + model + ",\"messages\":[]}");
            assertThat(bad.statusCode()).as(model).isEqualTo(400);
            assertThat(bad.body()).as(model).isEqualTo(INVALID_MODEL);
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aModelNamedInsideTheRequestMeetsTheSameRules() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini,gpt-4o", "POLICY_DISABLED_MODELS", "dall-e-2"));
        HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"draw\","
                + "\"tools\":[{\"type\":\"web_search\"},{\"type\":\"image_generation\",\"model\":\"gpt-image-1\"}]}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Blocked by policy model-rules: model 'gpt-image-1' is not among the "
                + "models this gateway allows.\",\"type\":\"policy_violation\",\"param\":\"tools[1].model\",\"code\":\"model_not_allowed\"}}");
        HttpResponse<String> disabled = gateway.postJson("/v1/realtime/sessions", "{\"model\":\"gpt-4o\","
                + "\"input_audio_transcription\":{\"model\":\"dall-e-2\"}}");
        assertThat(disabled.body()).contains("\"code\":\"model_disabled\"").contains("\"param\":\"input_audio_transcription.model\"");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void allowedModelsPassByteExactAndCaseInsensitively() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini,gpt-4o"));
        for (String model : new String[]{"gpt-4o-mini", "gpt-4o", "GPT-4o"}) {
            String body = chat(model);
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", body);
            assertThat(r.statusCode()).as(model).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"ok\":true}");
            assertThat(upstream.lastReceived().bodyText()).isEqualTo(body);
        }
        assertThat(upstream.received()).hasSize(3);
        // Requests without a JSON body (a model listing) are not model requests.
        assertThat(gateway.get("/v1/models").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(4);
    }

    @Test
    void theDenyListStillWinsForAModelOnBothLists() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o,dall-e-3", "POLICY_DISABLED_MODELS", "gpt-4o,1024x1024"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chat("gpt-4o"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Blocked by policy model-rules: model 'gpt-4o' is disabled on this "
                + "gateway.\",\"type\":\"policy_violation\",\"param\":\"model\",\"code\":\"model_disabled\"}}");
        // An allowed image model with a disabled size is still refused for its size.
        HttpResponse<String> image = gateway.postJson("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"cat\",\"size\":\"1024x1024\"}");
        assertThat(image.body()).contains("\"code\":\"image_size_disabled\"");
        String small = "{\"model\":\"dall-e-3\",\"prompt\":\"cat\",\"size\":\"512x512\"}";
        assertThat(gateway.postJson("/v1/images/generations", small).statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void aHeaderNarrowsTheList() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini,gpt-4o"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chat("gpt-4o"), "x-tollgate-allowed-models", "gpt-4o-mini");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(notAllowed("'gpt-4o'"));
        assertThat(upstream.received()).isEmpty();

        assertThat(gateway.postJson("/v1/chat/completions", chat("gpt-4o-mini"), "x-tollgate-allowed-models", "GPT-4O-MINI").statusCode())
                .isEqualTo(200);
        assertThat(gateway.postJson("/v1/chat/completions", chat("gpt-4o"), "x-tollgate-allowed-models", "[\"gpt-4o\",\"gpt-4o-mini\"]")
                .statusCode()).isEqualTo(200);
        HttpResponse<String> alias = gateway.postJson("/v1/chat/completions", chat("gpt-4o"), "x-usagepanda-allowed-models", "gpt-4o-mini");
        assertThat(alias.body()).isEqualTo(notAllowed("'gpt-4o'"));
        assertThat(upstream.received()).hasSize(2);
        assertThat(upstream.lastReceived().headers().contains("x-tollgate-allowed-models")).isFalse();
    }

    @Test
    void aHeaderCannotAddAModelOrEmptyTheList() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini,gpt-4o"));
        HttpResponse<String> added = gateway.postJson("/v1/chat/completions", chat("gpt-4o"), "x-tollgate-allowed-models", "gpt-4o,o1");
        assertThat(added.statusCode()).isEqualTo(403);
        assertThat(added.body()).isEqualTo(FORBIDDEN);

        HttpResponse<String> other = gateway.postJson("/v1/chat/completions", chat("gpt-4"), "x-tollgate-allowed-models", "gpt-4");
        assertThat(other.body()).isEqualTo(FORBIDDEN);

        for (String empty : new String[]{"", " , ", "[]"}) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chat("gpt-4"), "x-tollgate-allowed-models", empty);
            assertThat(r.statusCode()).as("'%s'", empty).isEqualTo(403);
            assertThat(r.body()).as("'%s'", empty).isEqualTo(FORBIDDEN);
        }
        HttpResponse<String> alias = gateway.postJson("/v1/chat/completions", chat("gpt-4"), "x-usagepanda-allowed-models", "gpt-4");
        assertThat(alias.body()).isEqualTo(FORBIDDEN.replace("x-tollgate-", "x-usagepanda-"));
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void loosenessCanBeAllowedByConfig() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini", "TOLLGATE_ALLOW_HEADER_LOOSENING", "true"));
        assertThat(gateway.postJson("/v1/chat/completions", chat("o1"), "x-tollgate-allowed-models", "o1").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void withoutConfigAnyHeaderListNarrows() throws Exception {
        start(Map.of());
        assertThat(gateway.postJson("/v1/chat/completions", chat("anything-goes")).statusCode()).isEqualTo(200);
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", chat("gpt-4"), "x-tollgate-allowed-models", "o1, gpt-4o");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(notAllowed("'gpt-4'"));
        HttpResponse<String> none = gateway.postJson("/v1/chat/completions", "{\"messages\":[]}", "x-tollgate-allowed-models", "o1");
        assertThat(none.body()).isEqualTo(MODEL_REQUIRED);
        assertThat(gateway.postJson("/v1/chat/completions", chat("o1"), "x-tollgate-allowed-models", "o1, gpt-4o").statusCode()).isEqualTo(200);
        // An empty list with nothing configured allows everything, as configured.
        assertThat(gateway.postJson("/v1/chat/completions", chat("gpt-4"), "x-tollgate-allowed-models", "").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(3);
    }

    @Test
    void configuredFromAYamlFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, "POLICY_ALLOWED_MODELS:\n  - gpt-4o-mini\n  - \" gpt-4o \"\n");
        var loaded = new ConfigLoader(Gateway.catalog()).load(file, Map.of());
        assertThat(loaded.settings().get(ModelRulesPolicy.ALLOWED_MODELS)).containsExactly("gpt-4o-mini", "gpt-4o");
        Files.writeString(file, "POLICY_ALLOWED_MODELS: gpt-4o-mini, gpt-4o\n");
        assertThat(new ConfigLoader(Gateway.catalog()).load(file, Map.of()).settings().get(ModelRulesPolicy.ALLOWED_MODELS))
                .containsExactly("gpt-4o-mini", "gpt-4o");
    }
}
