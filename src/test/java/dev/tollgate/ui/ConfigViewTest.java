package dev.tollgate.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigViewTest extends KeyModeTest {

    private static JsonNode setting(JsonNode config, String name) {
        for (JsonNode s : config.get("settings")) if (s.get("name").asText().equals(name)) return s;
        throw new AssertionError("no setting " + name);
    }

    @Test
    void theEffectiveConfigurationShowsSecretsOnlyAsSetOrUnset() throws Exception {
        startKeyMode(Map.of("TOLLGATE_MODELS", "[{\"name\":\"fast\",\"deployments\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
                + "\"api_key_env\":\"OPENAI_API_KEY\",\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\"}]}]"));
        HttpResponse<String> r = admin("GET", "/admin/v1/config", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).doesNotContain(ADMIN).doesNotContain("sk-provider-secret-key-000");
        JsonNode c = Json.parse(r.body());
        assertThat(c.get("object").asText()).isEqualTo("tollgate.config");
        assertThat(setting(c, "TOLLGATE_ADMIN_TOKEN").toString()).isEqualTo("{\"name\":\"TOLLGATE_ADMIN_TOKEN\",\"secret\":true,\"set\":true,\"source\":\"set\"}");
        assertThat(setting(c, "TOLLGATE_DATABASE").get("value").asText()).isEqualTo(database().toString());
        assertThat(c.get("models").toString()).isEqualTo("[{\"id\":\"fast\",\"aliases\":[],\"deployments\":[{\"name\":\"fast/openai:gpt-4o-mini#0\",\"provider\":\"openai\","
                + "\"model\":\"gpt-4o-mini\",\"weight\":1,\"circuit\":\"closed\"}],\"fallbacks\":[]}]");
        dev.tollgate.apidocs.OpenApiDocument doc = dev.tollgate.apidocs.OpenApiDocument.served();
        assertThat(doc.check(doc.at("#/components/schemas/EffectiveConfig"), c)).isEmpty(); // as /openapi.json documents it
        assertThat(admin("POST", "/admin/v1/config", "{}").statusCode()).isEqualTo(405);
    }
}
