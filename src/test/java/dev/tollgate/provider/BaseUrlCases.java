package dev.tollgate.provider;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.TestGateway;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The table tests of the providers' {@code base_url} rules: each accepted spelling, behind the
 * fake upstream's host, must send a request to the exact path given; each refused one must stop
 * start-up (and {@code config check}) with the exact error.
 */
public final class BaseUrlCases {

    public static final String KEY_ENV = "PROVIDER_KEY";
    private static final String KEY = "provider-key-123";

    private BaseUrlCases() {}

    /** One model per accepted spelling, "m0", "m1", ...: {@code deployment} is a format with %s for the base_url. */
    public static TestGateway start(FakeUpstream upstream, String deployment, String[][] accepted) {
        StringBuilder models = new StringBuilder("[");
        for (int i = 0; i < accepted.length; i++) {
            if (i > 0) models.append(',');
            String base = "http://127.0.0.1:" + upstream.port() + accepted[i][0];
            models.append("{\"name\":\"m").append(i).append("\",\"deployments\":[").append(deployment.formatted(base)).append("]}");
        }
        return TestGateway.start(upstream, Map.of(KEY_ENV, KEY, "TOLLGATE_MODELS", models.append(']').toString()));
    }

    /** The request-target the fake upstream received for the last call. */
    public static void assertLastPath(FakeUpstream upstream, String spelling, String expected) {
        assertThat(upstream.lastReceived().uri()).as("base_url path '%s'", spelling).isEqualTo(expected);
    }

    /** Each refused spelling stops start-up with "invalid configuration:" and the entry's error. */
    public static void assertRefused(String deployment, String[][] refused) {
        for (String[] c : refused) {
            String models = "[{\"name\":\"m\",\"deployments\":[" + deployment.formatted("https://upstream.example" + c[0]) + "]}]";
            var settings = new ConfigLoader(Gateway.catalog()).load(null, Map.of("TOLLGATE_MODELS", models)).settings();
            assertThatThrownBy(() -> Gateway.router(settings, Map.of(KEY_ENV, KEY)::get, () -> 0L)).as(c[0])
                    .hasMessage("invalid configuration:\n  TOLLGATE_MODELS[0].deployments[0]" + c[1]);
        }
    }
}
