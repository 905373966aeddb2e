package dev.tollgate.policy.modelrules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.AnswerMode;
import dev.tollgate.support.Answers.Api;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.Judged;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Model rules end to end (deny list, allow list, both): every case whole and streamed, and the headers that tighten them. */
class ModelRulesPolicyTest extends GatewayTest {

    private static final String BLOCKED_GPT4 = "{\"error\":{\"message\":\"Blocked by policy model-rules: model 'gpt-4' is disabled "
            + "on this gateway.\",\"type\":\"policy_violation\",\"param\":\"model\",\"code\":\"model_disabled\"}}";


    @Test
    void aBlockedModelIsLoggedWithItsFlag() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4, text-davinci-003"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> whole = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4\",\"messages\":[]}");
            assertThat(whole.statusCode()).isEqualTo(403);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(403);
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"model_disabled\",\"description\":\"model 'gpt-4' is "
                    + "disabled on this gateway.\",\"policy\":\"model-rules\",\"action\":\"block\"}]");
        }
    }

    // ---- every case whole and streamed ------------------------------------------------------

    static String disabled(String model) {
        return "{\"error\":{\"message\":\"Blocked by policy model-rules: model '" + model + "' is disabled "
                + "on this gateway.\",\"type\":\"policy_violation\",\"param\":\"model\",\"code\":\"model_disabled\"}}";
    }

    /** One case: the rules, the API and the model asked for; refused with this error, or passed as sent (error null). */
    record Case(String name, Map<String, String> env, Api api, String model, String error) {
        @Override
        public String toString() {
            return name;
        }

        String request() {
            return switch (api) {
                case CHAT -> "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                case COMPLETIONS -> "{\"model\":\"" + model + "\",\"prompt\":\"x\"}";
                case RESPONSES -> "{\"model\":\"" + model + "\",\"input\":\"hi\"}";
            };
        }
    }

    static List<Arguments> cases() {
        Map<String, String> deny = Map.of("POLICY_DISABLED_MODELS", "gpt-4, text-davinci-003");
        Map<String, String> allow = Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini,gpt-4o");
        Map<String, String> both = Map.of("POLICY_ALLOWED_MODELS", "gpt-4o,gpt-4", "POLICY_DISABLED_MODELS", "gpt-4");
        List<Case> cases = List.of(
                new Case("denied chat", deny, Api.CHAT, "gpt-4", disabled("gpt-4")),
                new Case("denied, another case", deny, Api.CHAT, "GPT-4", disabled("GPT-4")),
                new Case("denied completions", deny, Api.COMPLETIONS, "text-davinci-003", disabled("text-davinci-003")),
                new Case("denied responses", deny, Api.RESPONSES, "gpt-4", disabled("gpt-4")),
                new Case("not denied: another model", deny, Api.CHAT, "gpt-4o", null),
                new Case("not denied: a longer name", deny, Api.CHAT, "gpt-4-turbo", null),
                new Case("not denied responses", deny, Api.RESPONSES, "gpt-4o", null),
                new Case("not allowed", allow, Api.CHAT, "gpt-4", ModelRulesAllowListTest.notAllowed("'gpt-4'")),
                // Whole names only: an extension of an allowed name is another model.
                new Case("not allowed: an extended name", allow, Api.CHAT, "gpt-4o-2024-08-06", ModelRulesAllowListTest.notAllowed("'gpt-4o-2024-08-06'")),
                new Case("not allowed responses", allow, Api.RESPONSES, "o1", ModelRulesAllowListTest.notAllowed("'o1'")),
                new Case("allowed", allow, Api.CHAT, "gpt-4o-mini", null),
                new Case("allowed, another case", allow, Api.CHAT, "GPT-4o", null),
                new Case("allowed completions", allow, Api.COMPLETIONS, "gpt-4o", null),
                new Case("on both lists: denied", both, Api.CHAT, "gpt-4", disabled("gpt-4")));
        return AnswerMode.crossed(cases);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theSameJudgementWholeAndStreamed(Case c, AnswerMode mode) throws Exception {
        start(c.env());
        if (c.error() != null) Judged.refused(gateway, upstream, c.api(), mode, c.request(), 403, c.error());
        else Judged.passed(gateway, upstream, c.api(), mode, c.request(), c.request());
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
