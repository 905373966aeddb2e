package dev.tollgate.provider.azure;

import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Azure OpenAI deployments through the gateway: the URL and key per operation, streams and errors relayed. */
class AzureGatewayTest extends GatewayTest {

    private void startAzure() {
        gateway = TestGateway.start(upstream, Map.of("AZURE_KEY", "azure-key-0001", "TOLLGATE_AZURE_API_VERSION", "2025-01-01-preview",
                "TOLLGATE_MODELS", "[{\"name\":\"gpt-4o\",\"deployments\":[{\"provider\":\"azure\",\"base_url\":\"http://127.0.0.1:" + upstream.port()
                        + "\",\"deployment\":\"prod-4o\",\"api_key_env\":\"AZURE_KEY\"}]},"
                        + "{\"name\":\"dall-e-3\",\"deployments\":[{\"provider\":\"azure\",\"base_url\":\"http://127.0.0.1:" + upstream.port()
                        + "\",\"deployment\":\"images\",\"api_version\":\"2024-02-01\",\"api_key_env\":\"AZURE_KEY\"}]}]"));
    }

    @Test
    void eachOperationGoesToItsDeploymentPath() throws Exception {
        startAzure();
        String[][] cases = {
                {"/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}", "/openai/deployments/prod-4o/chat/completions?api-version=2025-01-01-preview"},
                {"/v1/completions", "{\"model\":\"gpt-4o\",\"prompt\":\"x\"}", "/openai/deployments/prod-4o/completions?api-version=2025-01-01-preview"},
                {"/v1/embeddings", "{\"model\":\"gpt-4o\",\"input\":\"x\"}", "/openai/deployments/prod-4o/embeddings?api-version=2025-01-01-preview"},
                {"/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"a cat\"}", "/openai/deployments/images/images/generations?api-version=2024-02-01"},
        };
        for (String[] c : cases) {
            assertThat(gateway.postJson(c[0], c[1]).statusCode()).as(c[0]).isEqualTo(200);
            FakeUpstream.Received r = upstream.lastReceived();
            assertThat(r.uri()).isEqualTo(c[2]);
            assertThat(r.headers().get("api-key")).isEqualTo("azure-key-0001");
            assertThat(r.bodyText()).isEqualTo(c[1]);
        }
    }

    @Test
    void streamsAndErrorsComeBackAsAzureSendsThem() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"id\":\"c\",\"choices\":[],\"prompt_filter_results\":[{\"prompt_index\":0}]}");
            FakeUpstream.event(req, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
        startAzure();
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}");
        assertThat(r.body()).contains("\"content\":\"hi\"").endsWith("data: [DONE]\n\n");

        upstream.handle(req -> FakeUpstream.json(req, 400, "{\"error\":{\"code\":\"content_filter\",\"message\":\"The response was filtered\"}}"));
        HttpResponse<String> e = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(Json.parse(e.body()).at("/error/code").asText()).isEqualTo("content_filter");
    }
}
