package dev.tollgate.policy.moderation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void flaggedInputIsBlockedNamingTheCategoriesAndOnlyUserTextIsSent() throws Exception {
        moderationAnswers(200, FLAGGED);
        start(Map.of("POLICY_AUTO_MODERATE", "true", "OPENAI_API_KEY", "sk-gw-123456789"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", REQUEST);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Blocked by policy auto-moderate: the input was flagged by moderation "
                + "(harassment, violence).\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"content_flagged\"}}");
        assertThat(upstream.received()).hasSize(1);
        FakeUpstream.Received mod = upstream.received().get(0);
        assertThat(mod.uri()).isEqualTo("/v1/moderations");
        assertThat(mod.headers().get("authorization")).isEqualTo("Bearer sk-gw-123456789");
        assertThat(Json.parse(mod.bodyText())).isEqualTo(Json.parse("{\"model\":\"omni-moderation-latest\",\"input\":[\"I will hurt you\",\"really\"]}"));
    }

    @Test
    void cleanInputGoesOnStreamedAndNot() throws Exception {
        AtomicInteger chats = new AtomicInteger();
        upstream.handle(req -> {
            if (req.path().equals("/v1/moderations")) {
                FakeUpstream.json(req, 200, CLEAN);
            } else {
                chats.incrementAndGet();
                FakeUpstream.startSse(req);
                FakeUpstream.event(req, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}");
                FakeUpstream.event(req, "[DONE]");
                req.response().end();
            }
        });
        start(Map.of("POLICY_AUTO_MODERATE", "true"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", REQUEST.replace("\"gpt-4o\",", "\"gpt-4o\",\"stream\":true,"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n");
        assertThat(chats.get()).isEqualTo(1);
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
    void onErrorAllowLetsTheRequestThroughWithAFlag() throws Exception {
        moderationAnswers(200, "{\"not\":\"moderation\"}");
        start(Map.of("POLICY_AUTO_MODERATE", "true", "TOLLGATE_MODERATION_ON_ERROR", "allow"));
        try (LogCapture logs = new LogCapture()) {
            assertThat(gateway.postJson("/v1/chat/completions", REQUEST).statusCode()).isEqualTo(200);
            assertThat(logs.awaitRequestLine(1)).contains("\"description\":\"the moderation answer was malformed\"").contains("\"action\":\"audit\"");
        }
        assertThat(upstream.received()).hasSize(2);
    }

    @Test
    void aModerationTimeoutCountsAsAFailure() throws Exception {
        upstream.handle(req -> {
            if (!req.path().equals("/v1/moderations")) FakeUpstream.json(req, 200, "{}");
        });
        start(Map.of("POLICY_AUTO_MODERATE", "true", "TOLLGATE_MODERATION_TIMEOUT_MS", "300"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", REQUEST);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("moderation_unavailable");
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

    @Test
    void requestsWithoutUserTextSkipModeration() throws Exception {
        moderationAnswers(200, FLAGGED);
        start(Map.of("POLICY_AUTO_MODERATE", "true"));
        assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}")
                .statusCode()).isEqualTo(200);
        assertThat(upstream.received()).extracting(FakeUpstream.Received::uri).containsExactly("/v1/chat/completions");
    }
}
