package dev.tollgate.provider.anthropic;

import dev.tollgate.provider.BaseUrlCases;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Anthropic's base_url is the API root (as ANTHROPIC_BASE_URL); a trailing /v1 is accepted, not doubled. */
class AnthropicBaseUrlTest extends GatewayTest {

    private static final String DEPLOYMENT = "{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\",\"base_url\":\"%s\",\"api_key_env\":\""
            + BaseUrlCases.KEY_ENV + "\"}";

    private static final String[][] ACCEPTED = {
            {"", "/v1/messages"},
            {"/", "/v1/messages"},
            {"/v1", "/v1/messages"},
            {"/v1/", "/v1/messages"},
            {"/anthropic", "/anthropic/v1/messages"},
            {"/anthropic/v1", "/anthropic/v1/messages"},
    };

    private static final String ROOT = " is not Anthropic's API root: give https://api.anthropic.com (the gateway adds /v1/messages)";

    private static final String[][] REFUSED = {
            {"/v1/messages", ".base_url: the path /v1/messages" + ROOT},
            {"/v2", ".base_url: the path /v2" + ROOT},
            {"/v1/v1", ".base_url: the path /v1/v1" + ROOT},
    };

    @Test
    void eachAcceptedSpellingReachesTheSamePath() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\","
                + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"));
        gateway = BaseUrlCases.start(upstream, DEPLOYMENT, ACCEPTED);
        for (int i = 0; i < ACCEPTED.length; i++) {
            var r = gateway.postJson("/v1/chat/completions", "{\"model\":\"m" + i + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).as(ACCEPTED[i][0]).isEqualTo(200);
            BaseUrlCases.assertLastPath(upstream, ACCEPTED[i][0], ACCEPTED[i][1]);
        }
    }

    @Test
    void otherPathsStopStartUpNamingTheField() {
        BaseUrlCases.assertRefused(DEPLOYMENT, REFUSED);
    }
}
