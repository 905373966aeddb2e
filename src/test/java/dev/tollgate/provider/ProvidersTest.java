package dev.tollgate.provider;

import dev.tollgate.config.Setting;
import dev.tollgate.provider.anthropic.Anthropic;
import dev.tollgate.provider.azure.Azure;
import dev.tollgate.provider.gemini.Gemini;
import dev.tollgate.provider.openai.OpenAi;
import dev.tollgate.server.Gateway;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registration list: every name a deployment's provider accepts, and every provider's settings in the catalog. */
class ProvidersTest {

    @Test
    void eachNameFindsItsProvider() {
        String[][] cases = {
                {"openai", "openai"}, {"openai-compatible", "openai"}, {"OpenAI", "openai"},
                {"azure", "azure"}, {"azure-openai", "azure"},
                {"anthropic", "anthropic"},
                {"gemini", "gemini"}, {"google", "gemini"}, {"Google", "gemini"},
        };
        for (String[] c : cases) assertThat(Providers.named(c[0]).id()).as(c[0]).isEqualTo(c[1]);
        assertThat(Providers.named("openai-compatible")).isSameAs(OpenAi.SPEC);
        assertThatThrownBy(() -> Providers.named("bedrock")).hasMessage(
                "unknown provider 'bedrock' (known: openai, openai-compatible, azure, azure-openai, anthropic, gemini, google)");
    }

    @Test
    void routingAndEachProvidersSettingsAreInTheCatalog() {
        assertThat(Providers.ALL).containsExactly(OpenAi.SPEC, Azure.SPEC, Anthropic.SPEC, Gemini.SPEC);
        assertThat(Providers.settings()).extracting(Setting::key).containsExactly(
                "TOLLGATE_MODELS", "TOLLGATE_UNLISTED_MODELS", "TOLLGATE_CIRCUIT_FAILURES", "TOLLGATE_CIRCUIT_COOLDOWN_MS",
                "AZURE_RESOURCE_NAME", "AZURE_DEPLOYMENT_ID", "TOLLGATE_AZURE_DEPLOYMENTS", "TOLLGATE_AZURE_RESOURCES",
                "TOLLGATE_AZURE_API_VERSION", "TOLLGATE_ANTHROPIC_MAX_TOKENS");
        for (Setting<?> s : Providers.settings()) assertThat(Gateway.catalog().byKey(s.key())).as(s.key()).isSameAs(s);
    }
}
