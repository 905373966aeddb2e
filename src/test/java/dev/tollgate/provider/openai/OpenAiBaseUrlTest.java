package dev.tollgate.provider.openai;

import dev.tollgate.provider.BaseUrlCases;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OpenAI's base_url means what LLM_API_BASE_PATH means: everything before the path below /v1, the
 * version included, taken as given (OpenAI-compatible servers put their API under many prefixes).
 */
class OpenAiBaseUrlTest extends GatewayTest {

    private static final String DEPLOYMENT = "{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"base_url\":\"%s\",\"api_key_env\":\""
            + BaseUrlCases.KEY_ENV + "\"}";

    private static final String[][] ACCEPTED = {
            {"/v1", "/v1/chat/completions"},
            {"/v1/", "/v1/chat/completions"},
            {"/api/v1", "/api/v1/chat/completions"},
            {"/v1beta/openai", "/v1beta/openai/chat/completions"},  // Google's OpenAI-compatible endpoint
            {"/openai/v1", "/openai/v1/chat/completions"},          // Azure's v1 API, Groq
            {"", "/chat/completions"},                              // as given: no version is added
    };

    private static final String[][] REFUSED = {
            {"/v1#x", ": expected an http:// or https:// URL without query, got 'https://upstream.example/v1#x'"},
    };

    @Test
    void theBaseIsTakenAsGiven() throws Exception {
        gateway = BaseUrlCases.start(upstream, DEPLOYMENT, ACCEPTED);
        for (int i = 0; i < ACCEPTED.length; i++) {
            var r = gateway.postJson("/v1/chat/completions", "{\"model\":\"m" + i + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).as(ACCEPTED[i][0]).isEqualTo(200);
            BaseUrlCases.assertLastPath(upstream, ACCEPTED[i][0], ACCEPTED[i][1]);
        }
    }

    @Test
    void onlyAUrlFormIsRefused() {
        BaseUrlCases.assertRefused(DEPLOYMENT, REFUSED);
    }
}
