package dev.tollgate.provider.gemini;

import dev.tollgate.provider.BaseUrlCases;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Gemini's base_url is the API root; Google's documented .../v1beta (or /v1) is accepted, not doubled. */
class GeminiBaseUrlTest extends GatewayTest {

    private static final String DEPLOYMENT = "{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\",\"base_url\":\"%s\",\"api_key_env\":\""
            + BaseUrlCases.KEY_ENV + "\"}";
    private static final String CALL = "/v1beta/models/gemini-2.5-flash:generateContent";

    private static final String[][] ACCEPTED = {
            {"", CALL},
            {"/", CALL},
            {"/v1beta", CALL},
            {"/v1beta/", CALL},
            {"/V1BETA", CALL},
            {"/v1", CALL},
            {"/proxy/gemini", "/proxy/gemini" + CALL},
            {"/proxy/gemini/v1beta", "/proxy/gemini" + CALL},
    };

    private static final String ROOT = " is not Gemini's API root: give https://generativelanguage.googleapis.com "
            + "(the gateway adds /v1beta/models/...); Google's OpenAI-compatible endpoint is provider openai";

    private static final String[][] REFUSED = {
            {"/v1beta/openai", ".base_url: the path /v1beta/openai" + ROOT},
            {"/v1beta/openai/", ".base_url: the path /v1beta/openai" + ROOT},
            {"/v1alpha", ".base_url: the path /v1alpha" + ROOT},
            {"/v1beta/v1beta", ".base_url: the path /v1beta/v1beta" + ROOT},
            {"/v1beta/models", ".base_url: the path /v1beta/models" + ROOT},
            {"/v1beta?key=x", ": expected an http:// or https:// URL without query, got 'https://upstream.example/v1beta?key=x'"},
    };

    @Test
    void eachAcceptedSpellingReachesTheSamePath() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"ok\"}]},"
                + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":1,\"candidatesTokenCount\":1,\"totalTokenCount\":2}}"));
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
