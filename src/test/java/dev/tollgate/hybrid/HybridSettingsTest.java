package dev.tollgate.hybrid;

import dev.tollgate.access.AccessSettings;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.server.Gateway;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HybridSettingsTest {

    static final String TOKEN = "tgdp-" + "A".repeat(43);

    private static ConfigLoader.Loaded load(Map<String, String> env) {
        return new ConfigLoader(Gateway.catalog()).load(null, new HashMap<>(env));
    }

    @Test
    void standaloneIsTheDefaultAndNeedsNothing() {
        Settings s = load(Map.of()).settings();
        assertThat(HybridSettings.role(s)).isEqualTo(HybridSettings.Role.STANDALONE);
        assertThat(HybridSettings.validate(s)).isEmpty();
        assertThat(HybridSettings.refreshMillis(s)).isEqualTo(5 * 60_000L);
    }

    @Test
    void theSeedsNamesStandInForTheUrlAndTheToken() {
        ConfigLoader.Loaded l = load(Map.of("TOLLGATE_ROLE", "data-plane", "USAGE_PANDA_API", "https://cp.example.com:9000/",
                "USAGE_PANDA_API_KEY", TOKEN, "CONFIG_CACHE_MINUTES", "2"));
        assertThat(l.warnings()).isEmpty();
        assertThat(HybridSettings.controlPlaneUrl(l.settings())).isEqualTo("https://cp.example.com:9000");
        assertThat(HybridSettings.token(l.settings())).isEqualTo(TOKEN);
        assertThat(HybridSettings.refreshMillis(l.settings())).isEqualTo(120_000L);
        assertThat(HybridSettings.validate(l.settings())).isEmpty();
    }

    @Test
    void ourOwnNamesWinOverTheSeeds() {
        Settings s = load(Map.of("TOLLGATE_ROLE", "data-plane", "USAGE_PANDA_API", "https://old", "TOLLGATE_CONTROL_PLANE_URL",
                "http://new:9000", "USAGE_PANDA_API_KEY", "tgdp-old", "TOLLGATE_DATA_PLANE_TOKEN", TOKEN)).settings();
        assertThat(HybridSettings.controlPlaneUrl(s)).isEqualTo("http://new:9000");
        assertThat(HybridSettings.token(s)).isEqualTo(TOKEN);
    }

    @Test
    void aDataPlaneMissingItsSettingsIsToldWhichOnes() {
        assertThat(HybridSettings.validate(load(Map.of("TOLLGATE_ROLE", "data-plane")).settings())).containsExactly(
                "TOLLGATE_CONTROL_PLANE_URL: required when TOLLGATE_ROLE=data-plane (or USAGE_PANDA_API)",
                "TOLLGATE_DATA_PLANE_TOKEN: required when TOLLGATE_ROLE=data-plane (or USAGE_PANDA_API_KEY)");
        assertThat(HybridSettings.validate(load(Map.of("TOLLGATE_ROLE", "data-plane", "TOLLGATE_CONTROL_PLANE_URL", "ftp://x",
                "TOLLGATE_DATA_PLANE_TOKEN", "tg-not-a-plane-token")).settings())).containsExactly(
                "TOLLGATE_CONTROL_PLANE_URL: expected http://host:port or https://host:port",
                "TOLLGATE_DATA_PLANE_TOKEN: not a data-plane token (tgdp-…; make one with `tollgate dataplanes create`)");
        assertThat(HybridSettings.validate(load(Map.of("TOLLGATE_ROLE", "control-plane")).settings()))
                .containsExactly("TOLLGATE_ADMIN_TOKEN: required when TOLLGATE_ROLE=control-plane");
    }

    @Test
    void aDataPlaneIsAlwaysInKeyModeWithoutAnAdminApi() {
        Settings s = HybridSettings.dataPlaneSettings(load(Map.of("TOLLGATE_ADMIN_TOKEN", "some-admin-token-0123456789")).settings());
        assertThat(AccessSettings.keyMode(s)).isTrue();
        assertThat(s.get(AccessSettings.ADMIN_TOKEN)).isNull();
    }

    @Test
    void onlySetNonSecretSettingsTravel() {
        Settings s = load(Map.of("TOLLGATE_UNPRICED_MODELS", "block", "TOLLGATE_ADMIN_TOKEN", "some-admin-token-0123456789")).settings();
        assertThat(HybridSettings.travelling(s, List.of(AccessSettings.UNPRICED_MODELS, AccessSettings.PRICES, AccessSettings.ADMIN_TOKEN))
                .toString()).isEqualTo("{\"TOLLGATE_UNPRICED_MODELS\":\"block\"}");
    }
}
