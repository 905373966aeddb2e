package dev.tollgate.policy.userids;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.server.Gateway;
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
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POLICY_ENFORCE_USER_IDS end to end: a real gateway in front of a real fake upstream. A request
 * that can name its end user must carry a non-empty {@code user} (or the Responses API's
 * {@code safety_identifier}); a refused request never reaches the upstream.
 */
class UserIdsPolicyTest extends GatewayTest {

    static final String USER_REQUIRED = "{\"error\":{\"message\":\"Blocked by policy user-ids: requests must name their end user "
            + "in a non-empty 'user' field.\",\"type\":\"policy_violation\",\"param\":\"user\",\"code\":\"user_required\"}}";

    private static final String FORBIDDEN_OFF = "{\"error\":{\"message\":\"Header x-tollgate-enforce-user-ids would loosen the "
            + "gateway's POLICY_ENFORCE_USER_IDS setting; a request may only tighten it.\",\"type\":\"permission_error\","
            + "\"param\":null,\"code\":\"setting_override_forbidden\"}}";

    private static final String CHAT_NO_USER = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String CHAT_WITH_USER = "{\"model\":\"gpt-4o\",\"user\":\"u-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static final String CONTENT_EVENT = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"ok\"},\"finish_reason\":null}]}";


    UserIdsPolicyTest() {
        // Streamed requests get an SSE answer, everything else a small JSON one.
        upstream.handle(req -> {
            if (upstream.lastReceived().bodyText().contains("\"stream\":true")) {
                FakeUpstream.startSse(req);
                FakeUpstream.event(req, CONTENT_EVENT);
                FakeUpstream.event(req, "[DONE]");
                req.response().end();
            } else {
                FakeUpstream.json(req, 200, "{\"ok\":true}");
            }
        });
    }


    private void startEnforcing() {
        start(Map.of("POLICY_ENFORCE_USER_IDS", "true"));
    }

    @Test
    void aChatWithoutUserIsRefusedBeforeTheUpstreamAndLogged() throws Exception {
        startEnforcing();
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_NO_USER);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            assertThat(r.body()).isEqualTo(USER_REQUIRED);
            assertThat(upstream.received()).isEmpty();

            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(403);
            assertThat(line.path("error").asBoolean()).isTrue();
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"user_required\",\"description\":\"request without a "
                    + "user id\",\"policy\":\"user-ids\",\"action\":\"block\"}]");
        }
    }

    @Test
    void aRequestNamingItsUserPassesUnchanged() throws Exception {
        startEnforcing();
        String sent = "{ \"model\" : \"gpt-4o\", \"user\":\"u-1\" , \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}] }";
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", sent);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"ok\":true}");
        assertThat(upstream.received()).hasSize(1);
        assertThat(upstream.lastReceived().uri()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(sent);
    }

    @Test
    void endpointsWithoutStreamsThatCarryAUserAreCheckedToo() throws Exception {
        startEnforcing();
        String[][] cases = {
                {"/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}"},
                {"/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"a cat\"}"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = gateway.postJson(c[0], c[1]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(403);
            assertThat(r.body()).as(c[0]).isEqualTo(USER_REQUIRED);
        }
        assertThat(upstream.received()).isEmpty();

        for (String[] c : cases) {
            String withUser = c[1].substring(0, c[1].length() - 1) + ",\"user\":\"u-7\"}";
            HttpResponse<String> r = gateway.postJson(c[0], withUser);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(200);
            assertThat(upstream.lastReceived().bodyText()).as(c[0]).isEqualTo(withUser);
        }
        assertThat(upstream.received()).hasSize(cases.length);
    }

    // ---- every case whole and streamed ------------------------------------------------------

    /** One case: the API and request; refused with user_required, or passed as sent. */
    record Case(String name, Api api, String request, boolean refused) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Arguments> cases() {
        String chat = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        String legacy = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\"";
        String responses = "{\"model\":\"gpt-4o\",\"input\":\"hi\"";
        List<Case> cases = new ArrayList<>(List.of(
                new Case("chat without user", Api.CHAT, chat + "}", true),
                new Case("chat with user", Api.CHAT, chat + ",\"user\":\"u-1\"}", false),
                new Case("completions without user", Api.COMPLETIONS, legacy + "}", true),
                new Case("completions with user", Api.COMPLETIONS, legacy + ",\"user\":\"u-7\"}", false),
                new Case("responses without user", Api.RESPONSES, responses + "}", true),
                new Case("responses with user", Api.RESPONSES, responses + ",\"user\":\"u-7\"}", false),
                new Case("responses with a safety identifier", Api.RESPONSES, responses + ",\"safety_identifier\":\"hash-123\"}", false),
                new Case("responses with a blank safety identifier", Api.RESPONSES, responses + ",\"safety_identifier\":\" \"}", true)));
        for (String user : new String[]{"\"  \"", "\"\"", "\"\\n\\t\"", "null", "42", "{\"id\":\"u-1\"}", "[\"u-1\"]"}) {
            cases.add(new Case("chat with user " + user, Api.CHAT, chat + ",\"user\":" + user + "}", true));
        }
        return AnswerMode.crossed(cases);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theSameJudgementWholeAndStreamed(Case c, AnswerMode mode) throws Exception {
        startEnforcing();
        if (c.refused()) Judged.refused(gateway, upstream, c.api(), mode, c.request(), 403, USER_REQUIRED);
        else Judged.passed(gateway, upstream, c.api(), mode, c.request(), c.request());
    }

    @Test
    void aHeaderTurnsTheCheckOnWhenConfigLeavesItOff() throws Exception {
        start(Map.of());
        assertThat(gateway.postJson("/v1/chat/completions", CHAT_NO_USER).statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(1);

        HttpResponse<String> ours = gateway.postJson("/v1/chat/completions", CHAT_NO_USER, "x-tollgate-enforce-user-ids", "true");
        assertThat(ours.statusCode()).isEqualTo(403);
        assertThat(ours.body()).isEqualTo(USER_REQUIRED);

        HttpResponse<String> alias = gateway.postJson("/v1/chat/completions", CHAT_NO_USER, "x-usagepanda-enforce-user-ids", "true");
        assertThat(alias.statusCode()).isEqualTo(403);
        assertThat(alias.body()).isEqualTo(USER_REQUIRED);
        assertThat(upstream.received()).hasSize(1);

        HttpResponse<String> named = gateway.postJson("/v1/chat/completions", CHAT_WITH_USER, "x-tollgate-enforce-user-ids", "true");
        assertThat(named.statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(2);
        assertThat(upstream.lastReceived().headers().names()).noneMatch(n -> n.toLowerCase().startsWith("x-tollgate")
                || n.toLowerCase().startsWith("x-usagepanda"));

        // "false" with the check off loosens nothing.
        assertThat(gateway.postJson("/v1/chat/completions", CHAT_NO_USER, "x-tollgate-enforce-user-ids", "false").statusCode())
                .isEqualTo(200);
    }

    @Test
    void aHeaderCannotTurnAConfiguredCheckOff() throws Exception {
        startEnforcing();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_WITH_USER, "x-tollgate-enforce-user-ids", "false");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(FORBIDDEN_OFF);

        HttpResponse<String> alias = gateway.postJson("/v1/chat/completions", CHAT_NO_USER, "x-usagepanda-enforce-user-ids", "0");
        assertThat(alias.statusCode()).isEqualTo(403);
        assertThat(alias.body()).isEqualTo(FORBIDDEN_OFF.replace("x-tollgate-", "x-usagepanda-"));
        assertThat(upstream.received()).isEmpty();

        // Repeating the configured value is not loosening.
        assertThat(gateway.postJson("/v1/chat/completions", CHAT_WITH_USER, "x-tollgate-enforce-user-ids", "true").statusCode())
                .isEqualTo(200);
        HttpResponse<String> still = gateway.postJson("/v1/chat/completions", CHAT_NO_USER, "x-tollgate-enforce-user-ids", "true");
        assertThat(still.body()).isEqualTo(USER_REQUIRED);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void aMalformedHeaderIsRefused() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_NO_USER, "x-tollgate-enforce-user-ids", "maybe");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Header x-tollgate-enforce-user-ids: expected true or false, got "
                + "'maybe'.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_header_value\"}}");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void endpointsThatCarryNoUserAreNotBlocked() throws Exception {
        startEnforcing();
        String moderation = "{\"model\":\"omni-moderation-latest\",\"input\":\"hi\"}";
        HttpResponse<String> m = gateway.postJson("/v1/moderations", moderation);
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(moderation);

        String speech = "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\"}";
        assertThat(gateway.postJson("/v1/audio/speech", speech).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(speech);

        assertThat(gateway.get("/v1/models").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(3);
    }

    @Test
    void configuredFromAYamlFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, "HOST: 127.0.0.1\nPORT: 0\nTOLLGATE_EVENT_LOOPS: 1\nLLM_API_BASE_PATH: " + upstream.baseUrl()
                + "\nPOLICY_ENFORCE_USER_IDS: true\n");
        Settings settings = new ConfigLoader(Gateway.catalog()).load(file, Map.of()).settings();
        assertThat(settings.get(UserIdsPolicy.ENFORCE_USER_IDS)).isTrue();

        Gateway started = Gateway.start(settings).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            String url = "http://127.0.0.1:" + started.port() + "/v1/chat/completions";
            HttpResponse<String> blocked = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT_NO_USER)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(blocked.statusCode()).isEqualTo(403);
            assertThat(blocked.body()).isEqualTo(USER_REQUIRED);
            assertThat(upstream.received()).isEmpty();

            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT_WITH_USER)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(upstream.lastReceived().bodyText()).isEqualTo(CHAT_WITH_USER);
        } finally {
            started.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void theEnvironmentOverridesTheYamlFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tollgate.yaml");
        Files.writeString(file, "POLICY_ENFORCE_USER_IDS: true\n");
        Settings off = new ConfigLoader(Gateway.catalog()).load(file, Map.of("POLICY_ENFORCE_USER_IDS", "false")).settings();
        assertThat(off.get(UserIdsPolicy.ENFORCE_USER_IDS)).isFalse();
        Files.writeString(file, "POLICY_ENFORCE_USER_IDS: \"yes\"\n");
        assertThat(new ConfigLoader(Gateway.catalog()).load(file, Map.of()).settings().get(UserIdsPolicy.ENFORCE_USER_IDS)).isTrue();
    }
}
