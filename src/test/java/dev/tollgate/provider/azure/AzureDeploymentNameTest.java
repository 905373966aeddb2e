package dev.tollgate.provider.azure;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An Azure deployment name becomes a path segment of the upstream URL, so a name that is a dot
 * segment or carries a separator (plain or percent-encoded) could send the call (and its key)
 * to another path. Such names are refused wherever they come from.
 */
class AzureDeploymentNameTest extends GatewayTest {

    /** Names an attacker (or a typo) could use to step out of /openai/deployments/{name}/. */
    static final String[] BAD = {".", "..", "../x", "a/..", "a/b", "a\\b", "%2e%2e", "%2E.", "..%2f", "a%2fb", "a%5cb",
            ".hidden", "trailing.", "a b", "a?b", "a#b", "a;b", "", "x".repeat(65)};

    @Test
    void validNamesAreLettersDigitsDashesUnderscoresAndInnerDots() {
        for (String ok : new String[]{"gpt-4o", "gpt-35-turbo", "prod_4o", "gpt-4.1-mini", "a", "A9", "x".repeat(64)}) {
            assertThat(AzureResources.validDeployment(ok)).as(ok).isTrue();
        }
        for (String bad : BAD) assertThat(AzureResources.validDeployment(bad)).as(bad).isFalse();
        assertThat(AzureResources.validDeployment(null)).isFalse();
    }

    private static ConfigException configError(Map<String, String> env) {
        try {
            Gateway.router(new ConfigLoader(Gateway.catalog()).load(null, env).settings(), k -> "key", System::currentTimeMillis);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("accepted: " + env);
    }

    @Test
    void aBadDeploymentNameInConfigIsAConfigErrorNamingTheKey() {
        for (String bad : new String[]{"..", "../other", "a/b", "%2e%2e"}) {
            String models = "[{\"name\":\"gpt-4o\",\"deployments\":[{\"provider\":\"azure\",\"resource\":\"my-resource\",\"deployment\":\""
                    + bad.replace("\\", "\\\\") + "\",\"api_key_env\":\"AZURE_KEY\"}]}]";
            assertThat(configError(Map.of("TOLLGATE_MODELS", models)).getMessage()).as(bad).isEqualTo("invalid configuration:\n"
                    + "  TOLLGATE_MODELS[0].deployments[0].deployment: '" + bad + "' is not a valid Azure deployment name "
                    + "(letters, digits, '-', '_' and inner '.', at most 64)");
            assertThat(configError(Map.of("AZURE_RESOURCE_NAME", "my-resource", "AZURE_DEPLOYMENT_ID", bad)).getMessage()).as(bad)
                    .isEqualTo("invalid configuration:\n  AZURE_DEPLOYMENT_ID: '" + bad + "' is not a valid Azure deployment name "
                            + "(letters, digits, '-', '_' and inner '.', at most 64)");
            assertThat(configError(Map.of("TOLLGATE_AZURE_DEPLOYMENTS", "{\"gpt-4o\":\"" + bad + "\"}")).getMessage()).as(bad)
                    .isEqualTo("invalid configuration:\n  TOLLGATE_AZURE_DEPLOYMENTS.gpt-4o: '" + bad + "' is not a valid Azure deployment name "
                            + "(letters, digits, '-', '_' and inner '.', at most 64)");
        }
    }

    @Test
    void aBadDeploymentHeaderIs400BeforeAnyCall() throws Exception {
        gateway = TestGateway.start(upstream, Map.of("TOLLGATE_AZURE_RESOURCES", "my-resource", "OPENAI_API_KEY", "azure-key-0001"));
        for (String bad : new String[]{"..", ".", "../../x", "a/b", "a\\b", "%2e%2e", "..%2F", "a%5cb", ".x"}) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}",
                    "x-tollgate-azure-resource", "my-resource", "x-tollgate-azure-deployment", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).isEqualTo("{\"error\":{\"message\":\"Header x-tollgate-azure-deployment: not a valid Azure "
                    + "deployment name (letters, digits, '-', '_' and inner '.', at most 64).\",\"type\":\"invalid_request_error\","
                    + "\"param\":null,\"code\":\"invalid_header_value\"}}");
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aModelNameUsedAsTheDeploymentMustBeAValidName() throws Exception {
        // The seeds' Azure mode without a deployment mapping: the requested model names the deployment.
        gateway = TestGateway.start(upstream, Map.of("AZURE_RESOURCE_NAME", "my-resource", "OPENAI_API_KEY", "azure-key-0001"));
        for (String bad : new String[]{"..", ".", "../../openai/other", "a/b", "%2e%2e", "a\\b"}) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"" + bad.replace("\\", "\\\\") + "\",\"messages\":[]}");
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).isEqualTo("{\"error\":{\"message\":\"The model name is not a valid Azure deployment name "
                    + "(letters, digits, '-', '_' and inner '.', at most 64).\",\"type\":\"invalid_request_error\","
                    + "\"param\":\"model\",\"code\":\"invalid_value\"}}");
        }
        assertThat(upstream.received()).isEmpty();
    }
}
