package dev.tollgate.provider;

import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Anthropic's {@code thinking} never reaches an OpenAI-style upstream (which rejects fields it does
 * not know): it becomes {@code reasoning_effort} by its budget. Asserted on the body the fake
 * upstream received.
 */
class ThinkingParameterTest extends GatewayTest {

    private static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"42\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";

    @ParameterizedTest
    @CsvSource({"1024, low", "2047, low", "2048, medium", "4095, medium", "4096, high", "32000, high"})
    void theBudgetChoosesTheEffort(int budget, String effort) throws Exception {
        assertThat(ThinkingParameter.effort(Json.parse("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"))).isEqualTo(effort);
    }

    @Test
    void noBudgetIsMediumAndDisabledIsNoEffort() throws Exception {
        assertThat(ThinkingParameter.effort(Json.parse("{\"type\":\"enabled\"}"))).isEqualTo("medium");
        assertThat(ThinkingParameter.effort(Json.parse("{\"type\":\"disabled\"}"))).isNull();
    }

    private void startRoutedToOpenAi() {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        gateway = TestGateway.start(upstream, Map.of("OPENAI_KEY", "sk-upstream",
                "TOLLGATE_MODELS", "[{\"name\":\"claude-sonnet-4-5\",\"deployments\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "/v1\",\"api_key_env\":\"OPENAI_KEY\"}]}]"));
    }

    @Test
    void anAnthropicClientsThinkingBecomesReasoningEffortForAnOpenAiDeployment() throws Exception {
        startRoutedToOpenAi();
        HttpResponse<String> r = gateway.postJson("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16000,"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000},\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 x 7?\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4o\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 6 x 7?\"}],\"max_tokens\":16000,\"reasoning_effort\":\"high\"}");
    }

    @Test
    void aReasoningEffortTheCallerGaveWinsAndThinkingStillStaysBehind() throws Exception {
        startRoutedToOpenAi();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"claude-sonnet-4-5\",\"reasoning_effort\":\"low\","
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":8000},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4o\",\"reasoning_effort\":\"low\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    }

    @Test
    void thePassThroughUpstreamGetsTheEffortNotThinking() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        gateway = TestGateway.start(upstream);
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\","
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4o\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"reasoning_effort\":\"low\"}");
    }

    @Test
    void aBodyWithoutThinkingIsForwardedByteExact() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        gateway = TestGateway.start(upstream);
        String body = "{ \"model\": \"gpt-4o\",  \"messages\":[{\"role\":\"user\",\"content\":\"thinking about it\"}]}";
        assertThat(gateway.postJson("/v1/chat/completions", body).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(body);
    }
}
