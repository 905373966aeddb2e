package dev.tollgate.caller.anthropic;

import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/messages/count_tokens} through the gateway: counted by an Anthropic or Gemini
 * deployment's own endpoint, by the gateway's tokenizer for everything else; judged by the model
 * rules; errors in Anthropic's shape. Fixtures follow Anthropic's and Gemini's API references.
 */
class CountTokensGatewayTest extends GatewayTest {

    private static final String REQUEST = "{\"model\":\"%s\",\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private static String request(String model) {
        return REQUEST.formatted(model);
    }

    private void startRouted(String provider, String upstreamModel, Map<String, String> extra) {
        java.util.Map<String, String> env = new java.util.HashMap<>(Map.of("PROVIDER_KEY", "sk-provider-key",
                "TOLLGATE_MODELS", "[{\"name\":\"counted\",\"deployments\":[{\"provider\":\"" + provider + "\",\"model\":\"" + upstreamModel
                        + "\",\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"PROVIDER_KEY\"}]},"
                        + "{\"name\":\"gpt-4o\",\"deployments\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "/v1\",\"api_key_env\":\"PROVIDER_KEY\"}]}]"));
        env.putAll(extra);
        start(env);
    }

    @Test
    void anAnthropicDeploymentCountsWithItsOwnEndpointAndTheAnswerPassesAsItCame() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"input_tokens\":14}"));
        startRouted("anthropic", "claude-sonnet-4-5", Map.of());
        String body = "{\"model\":\"counted\",\"system\":\"Be brief.\",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\","
                + "\"data\":\"Grass is green.\"}},{\"type\":\"text\",\"text\":\"Summarise.\"}]}]}";
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/messages/count_tokens", body, "anthropic-beta", "token-counting-2024-11-01");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"input_tokens\":14}");
            assertThat(logs.awaitRequestLine(1)).contains("\"endpoint\":\"/v1/messages/count_tokens\"").contains("\"status\":200")
                    .contains("\"deployments\":[\"counted/anthropic:claude-sonnet-4-5#0 200\"]").doesNotContain("cost_usd");
        }
        FakeUpstream.Received up = upstream.lastReceived();
        assertThat(up.uri()).isEqualTo("/v1/messages/count_tokens");
        assertThat(up.headers().get("x-api-key")).isEqualTo("sk-provider-key");
        assertThat(up.headers().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(up.headers().get("anthropic-beta")).isEqualTo("token-counting-2024-11-01");
        // What the caller sent (document block, thinking and all), with the deployment's model name.
        assertThat(up.bodyText()).isEqualTo(body.replace("\"counted\"", "\"claude-sonnet-4-5\""));
    }

    @Test
    void anAnthropicErrorComesBackInAnthropicsShape() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"messages: Field required\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}"));
        startRouted("anthropic", "claude-sonnet-4-5", Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/messages/count_tokens", "{\"model\":\"counted\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"messages: Field required\"}}");

        upstream.handle(req -> FakeUpstream.json(req, 401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}"));
        HttpResponse<String> auth = gateway.postJson("/v1/messages/count_tokens", request("counted"));
        assertThat(auth.statusCode()).isEqualTo(502);
        assertThat(auth.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                + "\"message\":\"The gateway's credentials for the upstream provider were rejected.\"}}");
    }

    @Test
    void aGeminiDeploymentCountsWithCountTokens() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"totalTokens\":9,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":9}]}"));
        startRouted("gemini", "gemini-2.5-flash", Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/messages/count_tokens", request("counted"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"input_tokens\":9}");
        FakeUpstream.Received up = upstream.lastReceived();
        assertThat(up.uri()).isEqualTo("/v1beta/models/gemini-2.5-flash:countTokens");
        assertThat(up.headers().get("x-goog-api-key")).isEqualTo("sk-provider-key");
        assertThat(Json.parse(up.bodyText())).isEqualTo(Json.parse("{\"generateContentRequest\":{\"model\":\"models/gemini-2.5-flash\","
                + "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}],\"systemInstruction\":{\"parts\":[{\"text\":\"Be brief.\"}]}}}"));
    }

    @Test
    void anOpenAiDeploymentIsCountedByTheGatewaysTokenizerWithoutAnUpstreamCall() throws Exception {
        startRouted("anthropic", "claude-sonnet-4-5", Map.of());
        // o200k_base: 3 per message + "system" (1) + "Be brief." (3) + 3 + "user" (1) + "Hi" (1) + 3 priming the reply = 15
        HttpResponse<String> r = gateway.postJson("/v1/messages/count_tokens", request("gpt-4o"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).isEqualTo("application/json");
        assertThat(r.headers().firstValue("x-request-id")).isPresent();
        assertThat(r.body()).isEqualTo("{\"input_tokens\":15}");
        // Tools count too (the cookbook's rule): the same prompt with one function is larger.
        HttpResponse<String> tools = gateway.postJson("/v1/messages/count_tokens", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}],\"tools\":[{\"name\":\"get_weather\",\"description\":\"Get the weather\",\"input_schema\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}}}}]}");
        assertThat(Json.parse(tools.body()).get("input_tokens").asLong()).isGreaterThan(8);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void thePlainPassThroughIsCountedByTheGateway() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.postJson("/v1/messages/count_tokens", request("gpt-4o"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"input_tokens\":15}");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void badRequestsAndModelRulesAreRefusedInAnthropicsShape() throws Exception {
        startRouted("anthropic", "claude-sonnet-4-5", Map.of("POLICY_DISABLED_MODELS", "counted"));
        HttpResponse<String> noMessages = gateway.postJson("/v1/messages/count_tokens", "{\"model\":\"gpt-4o\"}");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(noMessages.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"messages: Field required\"}}");

        HttpResponse<String> disabled = gateway.postJson("/v1/messages/count_tokens", request("counted"));
        assertThat(disabled.statusCode()).isEqualTo(403);
        assertThat(Json.parse(disabled.body()).at("/error/type").asText()).isEqualTo("permission_error");
        assertThat(Json.parse(disabled.body()).at("/error/message").asText()).contains("model 'counted' is disabled on this gateway.");

        HttpResponse<String> notJson = gateway.postJson("/v1/messages/count_tokens", "[1]");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"The request body must be a JSON object.\"}}");
        assertThat(upstream.received()).isEmpty();
    }
}
