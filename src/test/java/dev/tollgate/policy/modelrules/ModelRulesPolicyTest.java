package dev.tollgate.policy.modelrules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The policy chain end to end, proved with the model-rules policy, streamed and not. */
class ModelRulesPolicyTest extends GatewayTest {

    private static final String BLOCKED_GPT4 = "{\"error\":{\"message\":\"Blocked by policy model-rules: model 'gpt-4' is disabled "
            + "on this gateway.\",\"type\":\"policy_violation\",\"param\":\"model\",\"code\":\"model_disabled\"}}";


    @Test
    void blocksADisabledModelBeforeTheUpstreamStreamedAndNot() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4, text-davinci-003"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> whole = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4\",\"messages\":[]}");
            assertThat(whole.statusCode()).isEqualTo(403);
            assertThat(whole.body()).isEqualTo(BLOCKED_GPT4);

            HttpResponse<String> streamed = gateway.postJson("/v1/chat/completions", "{\"model\":\"GPT-4\",\"stream\":true,\"messages\":[]}");
            assertThat(streamed.statusCode()).isEqualTo(403);
            assertThat(streamed.headers().firstValue("content-type")).contains("application/json");
            assertThat(streamed.body()).contains("model 'GPT-4' is disabled");

            HttpResponse<String> legacy = gateway.postJson("/v1/completions", "{\"model\":\"text-davinci-003\",\"prompt\":\"x\"}");
            assertThat(legacy.statusCode()).isEqualTo(403);
            assertThat(upstream.received()).isEmpty();

            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(403);
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"model_disabled\",\"description\":\"model 'gpt-4' is "
                    + "disabled on this gateway.\",\"policy\":\"model-rules\",\"action\":\"block\"}]");
        }
    }

    @Test
    void allowedModelsPassStreamedAndNot() throws Exception {
        upstream.handle(req -> {
            if (req.headers().contains("x-stream")) {
                FakeUpstream.startSse(req);
                FakeUpstream.event(req, "{\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}");
                FakeUpstream.event(req, "[DONE]");
                req.response().end();
            } else {
                FakeUpstream.json(req, 200, "{\"ok\":true}");
            }
        });
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4"));
        assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> s = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4-turbo\",\"stream\":true}", "x-stream", "1");
        assertThat(s.statusCode()).isEqualTo(200);
        assertThat(s.body()).isEqualTo("data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n");
        assertThat(upstream.received()).hasSize(2);
    }

    @Test
    void imageSizesAreMatchedOnImageEndpoints() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "[\"1024x1024\"]"));
        HttpResponse<String> r = gateway.postJson("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"cat\",\"size\":\"1024x1024\"}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Blocked by policy model-rules: image size '1024x1024' is disabled "
                + "on this gateway.\",\"type\":\"policy_violation\",\"param\":\"size\",\"code\":\"image_size_disabled\"}}");
        assertThat(gateway.postJson("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"cat\",\"size\":\"512x512\"}").statusCode()).isEqualTo(200);
        // With a model rule in force the model must be named: the default is not judged for the caller.
        HttpResponse<String> unnamed = gateway.postJson("/v1/images/generations", "{\"prompt\":\"cat\",\"size\":\"512x512\"}");
        assertThat(unnamed.statusCode()).isEqualTo(400);
        assertThat(unnamed.body()).isEqualTo(ModelRulesAllowListTest.MODEL_REQUIRED);
    }

    @Test
    void aHeaderCanTightenWithTheSeedAliasToo() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4\"}", "x-usagepanda-disabled-models", "gpt-4");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(BLOCKED_GPT4);
        HttpResponse<String> ours = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4\"}", "x-tollgate-disabled-models", "o1,gpt-4");
        assertThat(ours.body()).isEqualTo(BLOCKED_GPT4);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aHeaderCannotLoosenUnlessConfigAllowsIt() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4,o1"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4\"}", "x-tollgate-disabled-models", "o1");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"code\":\"setting_override_forbidden\"");
        gateway.close();

        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4,o1", "TOLLGATE_ALLOW_HEADER_LOOSENING", "true"));
        assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4\"}", "x-tollgate-disabled-models", "o1").statusCode()).isEqualTo(200);
    }

    @Test
    void configuredFromAYamlFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, "POLICY_DISABLED_MODELS:\n  - gpt-4\n  - 256x256\n");
        var loaded = new dev.tollgate.config.ConfigLoader(dev.tollgate.server.Gateway.catalog()).load(file, Map.of());
        assertThat(loaded.settings().get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4", "256x256");
    }
}
