package dev.tollgate.policy.moderation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.AnswerMode;
import dev.tollgate.support.Answers;
import dev.tollgate.support.Answers.Api;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** POLICY_AUTO_MODERATE: the user's text is moderated before the request is sent; every judgement whole and streamed. */
class ModerationPolicyTest extends GatewayTest {

    private static final String REQUEST = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"be nice\"},"
            + "{\"role\":\"user\",\"content\":\"I will hurt you\"},{\"role\":\"assistant\",\"content\":\"no\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"really\"}]}]}";

    private static final String FLAGGED = "{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\",\"results\":[{\"flagged\":true,"
            + "\"categories\":{\"violence\":true,\"harassment\":true,\"sexual\":false},\"category_scores\":{}}]}";
    private static final String CLEAN = "{\"id\":\"modr-2\",\"results\":[{\"flagged\":false,\"categories\":{\"violence\":false}}]}";


    private void moderationAnswers(int status, String body) {
        upstream.handle(req -> {
            if (req.path().equals("/v1/moderations")) FakeUpstream.json(req, status, body);
            else FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-1\",\"choices\":[]}");
        });
    }

    // ---- every case whole and streamed ------------------------------------------------------

    private static final String ANSWER = "Happy to help.";
    private static final String FLAGGED_ERROR = "{\"error\":{\"message\":\"Blocked by policy auto-moderate: the input was flagged by moderation "
            + "(harassment, violence).\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"content_flagged\"}}";
    private static final String UNAVAILABLE = "{\"error\":{\"message\":\"Moderation is required for this request and could not be completed; "
            + "the request was not sent.\",\"type\":\"upstream_error\",\"param\":null,\"code\":\"moderation_unavailable\"}}";

    /**
     * One case: the settings, the request, how the moderation endpoint answers (status 0: never),
     * and what the caller gets: an error (status and exact body), or the model's answer; and
     * whether the moderation endpoint was asked.
     */
    record Case(String name, Map<String, String> env, String request, int moderationStatus, String moderationBody,
                int status, String error, boolean moderated) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Arguments> cases() {
        Map<String, String> on = Map.of("POLICY_AUTO_MODERATE", "true");
        List<Case> cases = List.of(
                new Case("flagged input", on, REQUEST, 200, FLAGGED, 403, FLAGGED_ERROR, true),
                new Case("clean input", on, REQUEST, 200, CLEAN, 200, null, true),
                new Case("moderation answers 500", on, REQUEST, 500, "{\"error\":{\"message\":\"boom\"}}", 503, UNAVAILABLE, true),
                new Case("moderation answer malformed", on, REQUEST, 200, "{\"not\":\"moderation\"}", 503, UNAVAILABLE, true),
                new Case("moderation never answers", Map.of("POLICY_AUTO_MODERATE", "true", "TOLLGATE_MODERATION_TIMEOUT_MS", "300"),
                        REQUEST, 0, null, 503, UNAVAILABLE, true),
                new Case("failure allowed", Map.of("POLICY_AUTO_MODERATE", "true", "TOLLGATE_MODERATION_ON_ERROR", "allow"),
                        REQUEST, 200, "{\"not\":\"moderation\"}", 200, null, true),
                new Case("no user text", on, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
                        200, FLAGGED, 200, null, false),
                new Case("moderation off", Map.of(), REQUEST, 200, FLAGGED, 200, null, false));
        return AnswerMode.crossed(cases);
    }

    /**
     * Moderation judges the request, so a streamed request gets exactly what a whole one gets: a
     * refusal is the same status and JSON body (no event stream) and nothing reaches the model; a
     * request let through gets the model's answer in its mode. Only the user's text is sent to be moderated.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theSameJudgementWholeAndStreamed(Case c, AnswerMode mode) throws Exception {
        mode.answer(upstream, Api.CHAT, ANSWER);
        Handler<HttpServerRequest> model = upstream.handler();
        upstream.handle(req -> {
            if (!req.path().equals("/v1/moderations")) model.handle(req);
            else if (c.moderationStatus() != 0) FakeUpstream.json(req, c.moderationStatus(), c.moderationBody());
        });
        start(c.env());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", mode.request(c.request()));
        assertThat(r.statusCode()).isEqualTo(c.status());
        List<String> paths = upstream.received().stream().map(FakeUpstream.Received::uri).toList();
        if (c.error() != null) {
            assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(r.body()).isEqualTo(c.error());
            assertThat(paths).containsExactly("/v1/moderations");
        } else {
            Answers.Answer a = mode.read(Api.CHAT, r);
            assertThat(a.text()).isEqualTo(ANSWER);
            assertThat(a.complete()).isTrue();
            assertThat(paths).containsExactlyElementsOf(c.moderated() ? List.of("/v1/moderations", "/v1/chat/completions")
                    : List.of("/v1/chat/completions"));
        }
        if (c.moderated()) {
            assertThat(Json.parse(upstream.received().get(0).bodyText()))
                    .isEqualTo(Json.parse("{\"model\":\"omni-moderation-latest\",\"input\":[\"I will hurt you\",\"really\"]}"));
        }
    }

    @Test
    void theModerationCallUsesTheGatewaysKey() throws Exception {
        moderationAnswers(200, FLAGGED);
        start(Map.of("POLICY_AUTO_MODERATE", "true", "OPENAI_API_KEY", "sk-gw-123456789"));
        assertThat(gateway.postJson("/v1/chat/completions", REQUEST).statusCode()).isEqualTo(403);
        assertThat(upstream.received().get(0).headers().get("authorization")).isEqualTo("Bearer sk-gw-123456789");
    }

    @Test
    void aFailureAllowedIsFlaggedInTheLog() throws Exception {
        moderationAnswers(200, "{\"not\":\"moderation\"}");
        start(Map.of("POLICY_AUTO_MODERATE", "true", "TOLLGATE_MODERATION_ON_ERROR", "allow"));
        try (LogCapture logs = new LogCapture()) {
            assertThat(gateway.postJson("/v1/chat/completions", REQUEST).statusCode()).isEqualTo(200);
            assertThat(logs.awaitRequestLine(1)).contains("\"description\":\"the moderation answer was malformed\"").contains("\"action\":\"audit\"");
        }
    }

    @Test
    void aFailedModerationFailsClosedByDefaultAndIsLogged() throws Exception {
        moderationAnswers(500, "{\"error\":{\"message\":\"boom\"}}");
        start(Map.of("POLICY_AUTO_MODERATE", "true"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", REQUEST);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Moderation is required for this request and could not be completed; "
                    + "the request was not sent.\",\"type\":\"upstream_error\",\"param\":null,\"code\":\"moderation_unavailable\"}}");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"moderation_failed\",\"description\":\"the moderation "
                    + "endpoint answered 500\",\"policy\":\"auto-moderate\",\"action\":\"block\"}]");
            assertThat(logs.all()).contains("moderation failed for request");
        }
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void aHeaderTurnsModerationOnButCannotTurnItOff() throws Exception {
        moderationAnswers(200, FLAGGED);
        start(Map.of());
        assertThat(gateway.postJson("/v1/chat/completions", REQUEST, "x-usagepanda-auto-moderate", "true").statusCode()).isEqualTo(403);
        gateway.close();
        start(Map.of("POLICY_AUTO_MODERATE", "true"));
        HttpResponse<String> off = gateway.postJson("/v1/chat/completions", REQUEST, "x-tollgate-auto-moderate", "false");
        assertThat(off.statusCode()).isEqualTo(403);
        assertThat(off.body()).contains("setting_override_forbidden");
    }

}
