package dev.tollgate.policy.maxtokens;

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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POLICY_MAX_TOKENS end to end: an output cap above the limit is refused before the upstream, a
 * cap within it passes byte-exact, a missing cap is injected (or refused with
 * TOLLGATE_MAX_TOKENS_WHEN_MISSING=block), streamed or not; headers may only lower the cap.
 */
class MaxTokensPolicyTest extends GatewayTest {

    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private static final String CHAT_NO_CAP = "{\"model\":\"gpt-4o\"," + MESSAGES + "}";

    private static final String CONTENT_EVENT = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"ok\"},\"finish_reason\":null}],\"usage\":null}";
    private static final String USAGE_EVENT = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";


    MaxTokensPolicyTest() {
        upstream.handle(req -> {
            if (upstream.lastReceived().bodyText().contains("\"stream\":true")) {
                FakeUpstream.startSse(req);
                FakeUpstream.event(req, CONTENT_EVENT);
                FakeUpstream.event(req, USAGE_EVENT);
                FakeUpstream.event(req, "[DONE]");
                req.response().end();
            } else {
                FakeUpstream.json(req, 200, "{\"ok\":true}");
            }
        });
    }


    static String exceeded(String field, String asked, int cap) {
        return "{\"error\":{\"message\":\"Blocked by policy max-tokens: '" + field + "' asks for " + asked + " tokens; this gateway "
                + "allows at most " + cap + ".\",\"type\":\"policy_violation\",\"param\":\"" + field + "\",\"code\":\"max_tokens_exceeded\"}}";
    }

    static String required(String field, int cap) {
        return "{\"error\":{\"message\":\"Blocked by policy max-tokens: requests must set '" + field + "' (at most " + cap + ").\","
                + "\"type\":\"policy_violation\",\"param\":\"" + field + "\",\"code\":\"max_tokens_required\"}}";
    }

    static String forbidden(String header) {
        return "{\"error\":{\"message\":\"Header " + header + " would loosen the gateway's POLICY_MAX_TOKENS setting; a request may "
                + "only tighten it.\",\"type\":\"permission_error\",\"param\":null,\"code\":\"setting_override_forbidden\"}}";
    }

    @Test
    void aRefusalIsLoggedWithItsFlag() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":200," + MESSAGES + "}");
            assertThat(r.statusCode()).isEqualTo(403);
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(403);
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"max_tokens_exceeded\",\"description\":\"'max_tokens' asks "
                    + "for 200 tokens; this gateway allows at most 100.\",\"policy\":\"max-tokens\",\"action\":\"block\"}]");
        }
    }

    @Test
    void aCapThatIsNotANumberIsRefusedBeforeThePolicyRuns() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100"));
        HttpResponse<String> text = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":\"50\"," + MESSAGES + "}");
        assertThat(text.statusCode()).isEqualTo(400);
        JsonNode textError = Json.parse(text.body()).path("error");
        assertThat(textError.path("code").asText()).isEqualTo("invalid_type");
        assertThat(textError.path("param").asText()).isEqualTo("max_tokens");

        HttpResponse<String> huge = gateway.postJson("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"max_tokens\":99999999999999999999999," + MESSAGES + "}");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(Json.parse(huge.body()).path("error").path("code").asText()).isEqualTo("integer_above_max_value");
        assertThat(upstream.received()).isEmpty();
    }

    // ---- every case whole and streamed ------------------------------------------------------

    private static final Map<String, String> CAP = Map.of("POLICY_MAX_TOKENS", "100");
    private static final Map<String, String> CAP_REQUIRED = Map.of("POLICY_MAX_TOKENS", "100", "TOLLGATE_MAX_TOKENS_WHEN_MISSING", "block");

    /** One case: the settings, the API and request; then the refusal (403 body), or else the body forwarded. */
    record Case(String name, Map<String, String> env, Api api, String request, String refusal, String forwarded) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case refused(String name, Map<String, String> env, Api api, String request, String refusal) {
        return new Case(name, env, api, request, refusal, null);
    }

    private static Case passed(String name, Map<String, String> env, Api api, String request, String forwarded) {
        return new Case(name, env, api, request, null, forwarded);
    }

    static List<Arguments> cases() {
        String chat = "{\"model\":\"gpt-4o\",";
        String legacy = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\"";
        String responses = "{\"model\":\"gpt-4o\",\"input\":\"hi\"";
        List<Case> cases = List.of(
                refused("chat max_tokens over", CAP, Api.CHAT, chat + "\"max_tokens\":200," + MESSAGES + "}", exceeded("max_tokens", "200", 100)),
                refused("chat max_completion_tokens over", CAP, Api.CHAT, chat + "\"max_completion_tokens\":101," + MESSAGES + "}",
                        exceeded("max_completion_tokens", "101", 100)),
                // One field within the cap does not excuse the other.
                refused("chat one field within, one over", CAP, Api.CHAT, chat + "\"max_completion_tokens\":10,\"max_tokens\":1000," + MESSAGES + "}",
                        exceeded("max_tokens", "1000", 100)),
                refused("chat far over", CAP, Api.CHAT, chat + "\"max_tokens\":16000," + MESSAGES + "}", exceeded("max_tokens", "16000", 100)),
                refused("completions over", CAP, Api.COMPLETIONS, legacy + ",\"max_tokens\":150}", exceeded("max_tokens", "150", 100)),
                refused("responses over", CAP, Api.RESPONSES, responses + ",\"max_output_tokens\":4096}", exceeded("max_output_tokens", "4096", 100)),
                refused("chat missing, required", CAP_REQUIRED, Api.CHAT, CHAT_NO_CAP, required("max_completion_tokens", 100)),
                refused("completions missing, required", CAP_REQUIRED, Api.COMPLETIONS, legacy + "}", required("max_tokens", 100)),
                refused("responses missing, required", CAP_REQUIRED, Api.RESPONSES, responses + "}", required("max_output_tokens", 100)),
                passed("chat within", CAP, Api.CHAT, chat + "\"max_completion_tokens\":50," + MESSAGES + "}", chat + "\"max_completion_tokens\":50," + MESSAGES + "}"),
                passed("chat at the cap", CAP, Api.CHAT, chat + "\"max_tokens\":100," + MESSAGES + "}", chat + "\"max_tokens\":100," + MESSAGES + "}"),
                passed("completions within", CAP, Api.COMPLETIONS, legacy + ",\"max_tokens\":7}", legacy + ",\"max_tokens\":7}"),
                passed("responses at the cap", CAP, Api.RESPONSES, responses + ",\"max_output_tokens\":100}", responses + ",\"max_output_tokens\":100}"),
                passed("chat missing, injected", CAP, Api.CHAT, CHAT_NO_CAP, chat + MESSAGES + ",\"max_completion_tokens\":100}"),
                // A null cap names no cap.
                passed("chat null, injected", CAP, Api.CHAT, chat + "\"max_tokens\":null," + MESSAGES + "}",
                        chat + "\"max_tokens\":null," + MESSAGES + ",\"max_completion_tokens\":100}"),
                passed("completions missing, injected", CAP, Api.COMPLETIONS, legacy + "}", legacy + ",\"max_tokens\":100}"),
                passed("responses missing, injected", CAP, Api.RESPONSES, responses + "}", responses + ",\"max_output_tokens\":100}"),
                passed("chat named, required", CAP_REQUIRED, Api.CHAT, chat + "\"max_tokens\":20," + MESSAGES + "}", chat + "\"max_tokens\":20," + MESSAGES + "}"));
        return AnswerMode.crossed(cases);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theSameJudgementWholeAndStreamed(Case c, AnswerMode mode) throws Exception {
        start(c.env());
        if (c.refusal() != null) Judged.refused(gateway, upstream, c.api(), mode, c.request(), 403, c.refusal());
        else Judged.passed(gateway, upstream, c.api(), mode, c.request(), c.forwarded());
    }

    @Test
    void aCapWithinTheLimitPassesByteExact() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100"));
        String sent = "{ \"model\":\"gpt-4o\",  \"max_completion_tokens\": 50 ," + MESSAGES + " }";
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", sent);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"ok\":true}");
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(sent);

        String atCap = "{\"model\":\"gpt-4o\",\"max_tokens\":100," + MESSAGES + "}";
        assertThat(gateway.postJson("/v1/chat/completions", atCap).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(atCap);

        String legacy = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\",\"max_tokens\":7}";
        assertThat(gateway.postJson("/v1/completions", legacy).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(legacy);

        String responses = "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"max_output_tokens\":100}";
        assertThat(gateway.postJson("/v1/responses", responses).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(responses);
        assertThat(upstream.received()).hasSize(4);
    }

    @Test
    void aMissingCapIsInjectedInTheEndpointsOwnFieldAndFlagged() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100"));
        try (LogCapture logs = new LogCapture()) {
            assertThat(gateway.postJson("/v1/chat/completions", CHAT_NO_CAP).statusCode()).isEqualTo(200);
            assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"max_completion_tokens\":100}");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(200);
            assertThat(line.path("error").asBoolean()).isFalse();
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"max_tokens_injected\",\"description\":\"max_completion_tokens "
                    + "set to 100\",\"policy\":\"max-tokens\",\"action\":\"audit\"}]");
            assertThat(line.path("request").path("max_completion_tokens").asInt()).isEqualTo(100);

            assertThat(gateway.postJson("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\"}").statusCode()).isEqualTo(200);
            assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\",\"max_tokens\":100}");
            assertThat(Json.parse(logs.awaitRequestLine(2)).path("flags").toString()).isEqualTo("[{\"type\":\"max_tokens_injected\","
                    + "\"description\":\"max_tokens set to 100\",\"policy\":\"max-tokens\",\"action\":\"audit\"}]");

            assertThat(gateway.postJson("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"hi\"}").statusCode()).isEqualTo(200);
            assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4o\",\"input\":\"hi\",\"max_output_tokens\":100}");
            assertThat(Json.parse(logs.awaitRequestLine(3)).path("flags").toString()).isEqualTo("[{\"type\":\"max_tokens_injected\","
                    + "\"description\":\"max_output_tokens set to 100\",\"policy\":\"max-tokens\",\"action\":\"audit\"}]");
        }
        // A null cap names no cap.
        assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":null," + MESSAGES + "}").statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText())
                .isEqualTo("{\"model\":\"gpt-4o\",\"max_tokens\":null," + MESSAGES + ",\"max_completion_tokens\":100}");
    }

    @Test
    void endpointsWithoutAnOutputCapAreNotTouched() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100", "TOLLGATE_MAX_TOKENS_WHEN_MISSING", "block"));
        String embeddings = "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}";
        assertThat(gateway.postJson("/v1/embeddings", embeddings).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(embeddings);
        String moderation = "{\"input\":\"hi\"}";
        assertThat(gateway.postJson("/v1/moderations", moderation).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(moderation);
    }

    @Test
    void aHeaderLowersTheCap() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":50," + MESSAGES + "}",
                "x-tollgate-max-tokens", "10");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(exceeded("max_tokens", "50", 10));
        assertThat(upstream.received()).isEmpty();

        assertThat(gateway.postJson("/v1/chat/completions", CHAT_NO_CAP, "x-tollgate-max-tokens", "10").statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"max_completion_tokens\":10}");

        // The same value as configured is allowed: it loosens nothing.
        String at100 = "{\"model\":\"gpt-4o\",\"max_tokens\":100," + MESSAGES + "}";
        assertThat(gateway.postJson("/v1/chat/completions", at100, "x-tollgate-max-tokens", "100").statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(at100);

        // Without the header, the configured cap applies again.
        String fifty = "{\"model\":\"gpt-4o\",\"max_tokens\":50," + MESSAGES + "}";
        assertThat(gateway.postJson("/v1/chat/completions", fifty).statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(3);
    }

    @Test
    void aHeaderCannotRaiseOrRemoveTheCap() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100"));
        HttpResponse<String> zero = gateway.postJson("/v1/chat/completions", CHAT_NO_CAP, "x-tollgate-max-tokens", "0");
        assertThat(zero.statusCode()).isEqualTo(403);
        assertThat(zero.body()).isEqualTo(forbidden("x-tollgate-max-tokens"));

        HttpResponse<String> higher = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":300," + MESSAGES + "}",
                "x-tollgate-max-tokens", "500");
        assertThat(higher.statusCode()).isEqualTo(403);
        assertThat(higher.body()).isEqualTo(forbidden("x-tollgate-max-tokens"));

        HttpResponse<String> alias = gateway.postJson("/v1/chat/completions", CHAT_NO_CAP, "x-usagepanda-max-tokens", "101");
        assertThat(alias.statusCode()).isEqualTo(403);
        assertThat(alias.body()).isEqualTo(forbidden("x-usagepanda-max-tokens"));

        HttpResponse<String> bad = gateway.postJson("/v1/chat/completions", CHAT_NO_CAP, "x-tollgate-max-tokens", "-1");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("{\"error\":{\"message\":\"Header x-tollgate-max-tokens: expected an integer from 0 to "
                + "2147483647, got -1.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_header_value\"}}");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void withoutConfigAHeaderAloneSetsACap() throws Exception {
        start(Map.of());
        String unlimited = "{\"model\":\"gpt-4o\",\"max_tokens\":16000," + MESSAGES + "}";
        assertThat(gateway.postJson("/v1/chat/completions", unlimited).statusCode()).isEqualTo(200);
        assertThat(gateway.postJson("/v1/chat/completions", CHAT_NO_CAP).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(CHAT_NO_CAP);

        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":50," + MESSAGES + "}",
                "x-tollgate-max-tokens", "20");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(exceeded("max_tokens", "50", 20));

        assertThat(gateway.postJson("/v1/chat/completions", CHAT_NO_CAP, "x-tollgate-max-tokens", "20").statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"max_completion_tokens\":20}");
        assertThat(upstream.received()).hasSize(3);
    }

    @Test
    void theSeedAliasHeaderWorks() throws Exception {
        start(Map.of("POLICY_MAX_TOKENS", "100"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"max_tokens\":50," + MESSAGES + "}",
                "x-usagepanda-max-tokens", "10");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(exceeded("max_tokens", "50", 10));
        assertThat(upstream.received()).isEmpty();

        assertThat(gateway.postJson("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\"}",
                "x-usagepanda-max-tokens", "10").statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\",\"max_tokens\":10}");
        assertThat(upstream.lastReceived().headers().contains("x-usagepanda-max-tokens")).isFalse();
    }
}
