package dev.tollgate.provider.azure;

import dev.tollgate.provider.BaseUrlCases;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Azure's base_url is the resource's endpoint; a trailing /openai is accepted, not doubled. */
class AzureBaseUrlTest extends GatewayTest {

    private static final String DEPLOYMENT = "{\"provider\":\"azure\",\"deployment\":\"dep\",\"model\":\"gpt-4o\",\"base_url\":\"%s\","
            + "\"api_key_env\":\"" + BaseUrlCases.KEY_ENV + "\"}";
    private static final String CALL = "/openai/deployments/dep/chat/completions?api-version=2024-10-21";

    private static final String[][] ACCEPTED = {
            {"", CALL},
            {"/", CALL},
            {"/openai", CALL},
            {"/openai/", CALL},
            {"/azure", "/azure" + CALL},
            {"/azure/openai", "/azure" + CALL},
    };

    private static final String ENDPOINT = " is not the resource's endpoint: give https://{resource}.openai.azure.com "
            + "(the gateway adds /openai/deployments/{deployment}/...)";

    private static final String[][] REFUSED = {
            {"/openai/deployments/dep", ".base_url: the path /openai/deployments/dep" + ENDPOINT},
            {"/openai/v1", ".base_url: the path /openai/v1" + ENDPOINT},
            {"/openai/openai", ".base_url: the path /openai/openai" + ENDPOINT},
    };

    @Test
    void eachAcceptedSpellingReachesTheSamePath() throws Exception {
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
