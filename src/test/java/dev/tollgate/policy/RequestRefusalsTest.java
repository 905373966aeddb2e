package dev.tollgate.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.AnswerMode;
import dev.tollgate.support.Answers.Api;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request-side policies (model rules, user ids, max tokens, prompt size) judge the request,
 * so a streamed request must get exactly the refusal a whole one gets: the same status and JSON
 * body (not an event stream), before anything reaches the upstream. Every case runs in every
 * caller API the policy names, with {@code stream} true and false.
 */
class RequestRefusalsTest extends GatewayTest {

    /** One refusal: the settings, the fields added to the API's plain request, and the exact error. */
    record Case(String name, Map<String, String> env, Map<String, Object> fields, String user, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    static String policy(String policy, String message, String param, String code) {
        return "{\"error\":{\"message\":\"Blocked by policy " + policy + ": " + message + "\",\"type\":\"policy_violation\","
                + "\"param\":" + (param == null ? "null" : "\"" + param + "\"") + ",\"code\":\"" + code + "\"}}";
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Api api : Api.values()) {
            String capField = switch (api) {
                case CHAT -> "max_completion_tokens";
                case COMPLETIONS -> "max_tokens";
                case RESPONSES -> "max_output_tokens";
            };
            List<Case> cases = List.of(
                    new Case("disabled model", Map.of("POLICY_DISABLED_MODELS", "gpt-4"), Map.of("model", "gpt-4"), "hello world",
                            policy("model-rules", "model 'gpt-4' is disabled on this gateway.", "model", "model_disabled")),
                    new Case("model outside the allow-list", Map.of("POLICY_ALLOWED_MODELS", "gpt-4o-mini"), Map.of(), "hello world",
                            policy("model-rules", "model 'gpt-4o' is not among the models this gateway allows.", "model", "model_not_allowed")),
                    new Case("no user", Map.of("POLICY_ENFORCE_USER_IDS", "true"), Map.of(), "hello world",
                            policy("user-ids", "requests must name their end user in a non-empty 'user' field.", "user", "user_required")),
                    new Case("output cap above the limit", Map.of("POLICY_MAX_TOKENS", "100"), Map.of(capField, 500), "hello world",
                            policy("max-tokens", "'" + capField + "' asks for 500 tokens; this gateway allows at most 100.", capField, "max_tokens_exceeded")),
                    new Case("no output cap when one is required", Map.of("POLICY_MAX_TOKENS", "100", "TOLLGATE_MAX_TOKENS_WHEN_MISSING", "block"),
                            Map.of(), "hello world",
                            policy("max-tokens", "requests must set '" + capField + "' (at most 100).", capField, "max_tokens_required")),
                    new Case("prompt over the character cap", Map.of("POLICY_MAX_PROMPT_CHARS", "5"), Map.of(), "hello world",
                            policy("prompt-size", "the prompt has 11 characters; this gateway allows at most 5.", null, "prompt_too_long")));
            for (Case c : cases) for (AnswerMode mode : AnswerMode.values()) out.add(Arguments.of(c, api, mode));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void theSameRefusalWholeAndStreamed(Case c, Api api, AnswerMode mode) throws Exception {
        start(c.env());
        ObjectNode request = (ObjectNode) Json.parse(api.request(null, c.user()));
        c.fields().forEach((k, v) -> request.set(k, Json.MAPPER.valueToTree(v)));
        HttpResponse<String> r = gateway.postJson(api.path(), mode.request(request.toString()));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.body()).isEqualTo(c.error());
        assertThat(upstream.received()).isEmpty();
    }
}
