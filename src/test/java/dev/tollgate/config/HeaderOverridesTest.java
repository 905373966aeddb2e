package dev.tollgate.config;

import dev.tollgate.api.ApiError;
import dev.tollgate.policy.modelrules.ModelRulesPolicy;
import dev.tollgate.policy.logging.RequestLoggingPolicy;
import dev.tollgate.server.Gateway;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-request {@code x-tollgate-*} headers (and Usage Panda's {@code x-usagepanda-*} alias): a
 * setting may only be tightened (unless loosening is allowed), and an unknown,
 * unsupported or malformed header is refused with an exact error.
 */
class HeaderOverridesTest {

    private final SettingCatalog catalog = Gateway.catalog();
    private final HeaderOverrides overrides = new HeaderOverrides(catalog);

    /** Settings as a deployment would configure them: keys through the config loader. */
    private Settings configured(String... pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) env.put(pairs[i], pairs[i + 1]);
        return new ConfigLoader(catalog).load(null, env).settings();
    }

    private static MultiMap headers(String... pairs) {
        MultiMap m = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < pairs.length; i += 2) m.add(pairs[i], pairs[i + 1]);
        return m;
    }

    private HeaderOverrides.Result resolve(Settings configured, String... headerPairs) {
        return overrides.resolve(configured, headers(headerPairs));
    }

    private Settings accepted(Settings configured, String... headerPairs) {
        HeaderOverrides.Result r = resolve(configured, headerPairs);
        assertThat(r.error()).as("error").isNull();
        assertThat(r.settings()).isNotNull();
        return r.settings();
    }

    private ApiError refused(Settings configured, String... headerPairs) {
        HeaderOverrides.Result r = resolve(configured, headerPairs);
        assertThat(r.settings()).as("settings of a refused request").isNull();
        assertThat(r.error()).as("error").isNotNull();
        return r.error();
    }

    private static ApiError forbidden(String header, String key) {
        return new ApiError(403, "permission_error", "setting_override_forbidden",
                "Header " + header + " would loosen the gateway's " + key + " setting; a request may only tighten it.", null);
    }

    private static ApiError invalid(String header, String detail) {
        return new ApiError(400, "invalid_request_error", "invalid_header_value", "Header " + header + ": " + detail + ".", null);
    }

    // ---- POLICY_DISABLED_MODELS: a deny-list ------------------------------------------------

    @Test
    void disabledModelsCanBeTightenedWithASuperset() {
        Settings base = configured("POLICY_DISABLED_MODELS", "gpt-4");

        Settings s = accepted(base, "x-tollgate-disabled-models", "gpt-4, gpt-4o");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4", "gpt-4o");

        // the same list is not a loosening; names compare case-insensitively
        assertThat(accepted(base, "x-tollgate-disabled-models", "gpt-4").get(ModelRulesPolicy.DISABLED_MODELS))
                .containsExactly("gpt-4");
        assertThat(accepted(base, "x-tollgate-disabled-models", "GPT-4,dall-e-2").get(ModelRulesPolicy.DISABLED_MODELS))
                .containsExactly("GPT-4", "dall-e-2");
        // JSON array form, as in the environment
        assertThat(accepted(base, "x-tollgate-disabled-models", "[\"gpt-4\",\"256x256\"]").get(ModelRulesPolicy.DISABLED_MODELS))
                .containsExactly("gpt-4", "256x256");
        // the configured settings themselves are untouched
        assertThat(base.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4");
    }

    @Test
    void anyListTightensAnEmptyConfiguration() {
        Settings s = accepted(configured(), "x-tollgate-disabled-models", "gpt-4o-mini");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4o-mini");
        assertThat(s.isSet(ModelRulesPolicy.DISABLED_MODELS)).isTrue();
    }

    @Test
    void theUsagePandaHeaderIsAnAlias() {
        Settings base = configured("POLICY_DISABLED_MODELS", "gpt-4");

        Settings s = accepted(base, "x-usagepanda-disabled-models", "gpt-4,text-davinci-003");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4", "text-davinci-003");

        assertThat(refused(base, "X-UsagePanda-Disabled-Models", "text-davinci-003"))
                .isEqualTo(forbidden("x-usagepanda-disabled-models", "POLICY_DISABLED_MODELS"));
    }

    @Test
    void disabledModelsCannotBeLoosenedWithASubset() {
        Settings base = configured("POLICY_DISABLED_MODELS", "gpt-4,gpt-4-32k");

        ApiError e = refused(base, "x-tollgate-disabled-models", "gpt-4");
        assertThat(e).isEqualTo(forbidden("x-tollgate-disabled-models", "POLICY_DISABLED_MODELS"));
        assertThat(e.toJson().toString()).isEqualTo("{\"error\":{"
                + "\"message\":\"Header x-tollgate-disabled-models would loosen the gateway's POLICY_DISABLED_MODELS setting; a request may only tighten it.\","
                + "\"type\":\"permission_error\",\"param\":null,\"code\":\"setting_override_forbidden\"}}");

        // a disjoint list and an empty one loosen too; the header name is shown in lower case
        assertThat(refused(base, "X-Tollgate-Disabled-Models", "gpt-3.5-turbo"))
                .isEqualTo(forbidden("x-tollgate-disabled-models", "POLICY_DISABLED_MODELS"));
        assertThat(refused(base, "x-tollgate-disabled-models", ""))
                .isEqualTo(forbidden("x-tollgate-disabled-models", "POLICY_DISABLED_MODELS"));
        assertThat(refused(base, "x-tollgate-disabled-models", "[]"))
                .isEqualTo(forbidden("x-tollgate-disabled-models", "POLICY_DISABLED_MODELS"));
    }

    @Test
    void looseningIsAllowedWhenTheGatewaySaysSo() {
        Settings base = configured("POLICY_DISABLED_MODELS", "gpt-4,gpt-4-32k", "POLICY_LOG_REQUEST", "true",
                "TOLLGATE_ALLOW_HEADER_LOOSENING", "true");

        Settings s = accepted(base, "x-tollgate-disabled-models", "gpt-4", "x-tollgate-log-request", "false");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4");
        assertThat(s.get(RequestLoggingPolicy.LOG_REQUEST)).isFalse();

        assertThat(accepted(base, "x-usagepanda-disabled-models", "").get(ModelRulesPolicy.DISABLED_MODELS)).isEmpty();
    }

    @Test
    void aBadListValueIsInvalidNotLoosening() {
        assertThat(refused(configured(), "x-tollgate-disabled-models", "[\"gpt-4\""))
                .isEqualTo(invalid("x-tollgate-disabled-models", "expected a list of strings, got malformed JSON"));
        assertThat(refused(configured(), "x-tollgate-disabled-models", "[[\"gpt-4\"]]"))
                .isEqualTo(invalid("x-tollgate-disabled-models", "expected a list of strings, got a list containing a list"));
    }

    @Test
    void aListHeaderSentAsSeveralLinesIsOneList() {
        Settings s = accepted(configured(), "x-tollgate-disabled-models", "gpt-4", "x-tollgate-disabled-models", "gpt-4o");
        assertThat(s.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactlyInAnyOrder("gpt-4", "gpt-4o");

        Settings base = configured("POLICY_DISABLED_MODELS", "gpt-4");
        Settings t = accepted(base, "x-tollgate-disabled-models", "gpt-4o", "x-tollgate-disabled-models", "gpt-4");
        assertThat(t.get(ModelRulesPolicy.DISABLED_MODELS)).containsExactlyInAnyOrder("gpt-4", "gpt-4o");
    }

    // ---- POLICY_LOG_REQUEST / POLICY_LOG_RESPONSE: checks that are on when true ---------------

    @Test
    void loggingCanBeTurnedOnByHeader() {
        Settings s = accepted(configured(), "x-tollgate-log-request", "true", "x-usagepanda-log-response", "yes");
        assertThat(s.get(RequestLoggingPolicy.LOG_REQUEST)).isTrue();
        assertThat(s.get(RequestLoggingPolicy.LOG_RESPONSE)).isTrue();

        // off when it is already off is no loosening
        assertThat(accepted(configured(), "x-tollgate-log-request", "false").get(RequestLoggingPolicy.LOG_REQUEST)).isFalse();
        // on when it is already on
        assertThat(accepted(configured("POLICY_LOG_REQUEST", "true"), "x-tollgate-log-request", "1")
                .get(RequestLoggingPolicy.LOG_REQUEST)).isTrue();
    }

    @Test
    void loggingCannotBeTurnedOffWhenConfiguredOn() {
        Settings base = configured("POLICY_LOG_REQUEST", "true", "POLICY_LOG_RESPONSE", "true");
        assertThat(refused(base, "x-tollgate-log-request", "false"))
                .isEqualTo(forbidden("x-tollgate-log-request", "POLICY_LOG_REQUEST"));
        assertThat(refused(base, "x-usagepanda-log-response", "off"))
                .isEqualTo(forbidden("x-usagepanda-log-response", "POLICY_LOG_RESPONSE"));
    }

    @Test
    void aMalformedBooleanIsRefused() {
        assertThat(refused(configured(), "x-tollgate-log-request", "maybe"))
                .isEqualTo(invalid("x-tollgate-log-request", "expected true or false, got 'maybe'"));
    }

    // ---- POLICY_RETRY_COUNT: tighten only (each retry is one more upstream call) ------------------

    @Test
    void retryCountMayBeLoweredOrKept() {
        Settings base = configured("POLICY_RETRY_COUNT", "3");
        for (int n = 0; n <= 3; n++) {
            Settings s = accepted(base, "x-tollgate-retry-count", Integer.toString(n));
            assertThat(s.get(CoreSettings.RETRY_COUNT)).as("retry count %d", n).isEqualTo(n);
        }
        assertThat(accepted(base, "x-usagepanda-retry-count", " 1 ").get(CoreSettings.RETRY_COUNT)).isEqualTo(1);
    }

    @Test
    void retryCountAboveTheConfiguredOneIsRefused() {
        Settings base = configured("POLICY_RETRY_COUNT", "3");
        assertThat(refused(base, "x-tollgate-retry-count", "4")).isEqualTo(forbidden("x-tollgate-retry-count", "POLICY_RETRY_COUNT"));
        assertThat(refused(base, "x-usagepanda-retry-count", "5")).isEqualTo(forbidden("x-usagepanda-retry-count", "POLICY_RETRY_COUNT"));
        // Two lines of the header form one value, which is not a number: malformed, never the larger one.
        assertThat(refused(base, "x-tollgate-retry-count", "1", "x-tollgate-retry-count", "5").code()).isEqualTo("invalid_header_value");
        // The default is no retry: any retry asked by a header is refused.
        assertThat(refused(configured(), "x-tollgate-retry-count", "1")).isEqualTo(forbidden("x-tollgate-retry-count", "POLICY_RETRY_COUNT"));
        assertThat(accepted(configured(), "x-tollgate-retry-count", "0").get(CoreSettings.RETRY_COUNT)).isEqualTo(0);
    }

    @Test
    void retryCountMayBeRaisedWhenHeaderLooseningIsAllowed() {
        Settings base = configured("POLICY_RETRY_COUNT", "1", "TOLLGATE_ALLOW_HEADER_LOOSENING", "true");
        assertThat(accepted(base, "x-tollgate-retry-count", "5").get(CoreSettings.RETRY_COUNT)).isEqualTo(5);
    }

    @Test
    void everySettingAHeaderMaySetIsTightenOnly() {
        // The class rule: no header can raise upstream load, cost or how long the gateway holds resources.
        for (Setting<?> s : catalog.all()) {
            if (s.header() == null) continue;
            assertThat(s.override()).as(s.key()).isEqualTo(Setting.HeaderRule.TIGHTEN_ONLY);
        }
    }

    @Test
    void retryCountOutOfRangeOrNotANumberIsRefused() {
        assertThat(refused(configured(), "x-tollgate-retry-count", "6"))
                .isEqualTo(invalid("x-tollgate-retry-count", "expected an integer from 0 to 5, got 6"));
        assertThat(refused(configured(), "x-tollgate-retry-count", "-1"))
                .isEqualTo(invalid("x-tollgate-retry-count", "expected an integer from 0 to 5, got -1"));
        ApiError e = refused(configured(), "X-Tollgate-Retry-Count", "abc");
        assertThat(e).isEqualTo(invalid("x-tollgate-retry-count", "expected an integer from 0 to 5, got 'abc'"));
        assertThat(e.toJson().toString()).isEqualTo("{\"error\":{"
                + "\"message\":\"Header x-tollgate-retry-count: expected an integer from 0 to 5, got 'abc'.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_header_value\"}}");
    }

    // ---- unknown and unsupported headers ------------------------------------------------------

    @Test
    void unknownSettingHeadersAreRefused() {
        ApiError e = refused(configured(), "x-tollgate-foo", "1");
        assertThat(e).isEqualTo(new ApiError(400, "invalid_request_error", "unknown_setting_header",
                "Unknown header x-tollgate-foo.", null));
        assertThat(e.toJson().toString()).isEqualTo("{\"error\":{\"message\":\"Unknown header x-tollgate-foo.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"unknown_setting_header\"}}");

        assertThat(refused(configured(), "X-UsagePanda-Foo", "1")).isEqualTo(new ApiError(400, "invalid_request_error",
                "unknown_setting_header", "Unknown header x-usagepanda-foo.", null));
        // a typo of a real header is refused, not ignored
        assertThat(refused(configured(), "x-tollgate-disabled-model", "gpt-4")).isEqualTo(new ApiError(400,
                "invalid_request_error", "unknown_setting_header", "Unknown header x-tollgate-disabled-model.", null));
    }

    @Test
    void gatewayWideSettingsCannotBeSetByHeader() {
        for (String name : new String[] {"x-tollgate-port", "x-tollgate-openai-api-key", "x-tollgate-llm-api-base-path",
                "x-tollgate-allow-header-loosening", "x-tollgate-usage-accounting", "x-tollgate-POLICY_LOG_REQUEST"}) {
            assertThat(refused(configured(), name, "1")).as(name).isEqualTo(new ApiError(400, "invalid_request_error",
                    "unknown_setting_header", "Unknown header " + name.toLowerCase(java.util.Locale.ROOT) + ".", null));
        }
    }

    @Test
    void azureHeadersAreRoutingControlsNotSettings() {
        Settings configured = configured();
        for (String h : new String[]{"x-tollgate-azure-resource", "x-usagepanda-azure-resource", "x-tollgate-azure-deployment"}) {
            HeaderOverrides.Result r = overrides.resolve(configured, MultiMap.caseInsensitiveMultiMap().add(h, "my-resource"));
            assertThat(r.error()).as(h).isNull();
            assertThat(r.settings()).as(h).isSameAs(configured);
        }
    }

    @Test
    void theFirstBadHeaderDecides() {
        // the request is refused even when a valid override comes first
        assertThat(refused(configured(), "x-tollgate-log-request", "true", "x-tollgate-foo", "1"))
                .isEqualTo(new ApiError(400, "invalid_request_error", "unknown_setting_header", "Unknown header x-tollgate-foo.", null));
    }

    // ---- headers that are not settings -----------------------------------------------------

    @Test
    void controlHeadersAndOtherHeadersAreIgnored() {
        Settings base = configured("POLICY_DISABLED_MODELS", "gpt-4", "POLICY_LOG_REQUEST", "true");
        HeaderOverrides.Result r = resolve(base,
                "x-tollgate-api-key", "tg-key",
                "X-Tollgate-Trace-Id", "trace-1",
                "x-usagepanda-api-key", "up-usagepandaapikey",
                "x-usagepanda-trace-id", "trace-2",
                "Authorization", "Bearer sk-caller",
                "Content-Type", "application/json",
                "x-tollgate-", "empty suffix",
                "x-request-id", "req-1",
                "x-tollgatefoo", "no dash");

        assertThat(r.error()).isNull();
        assertThat(r.settings()).isSameAs(base);
        assertThat(r.settings().get(ModelRulesPolicy.DISABLED_MODELS)).containsExactly("gpt-4");
        assertThat(r.settings().get(RequestLoggingPolicy.LOG_REQUEST)).isTrue();
    }

    @Test
    void noHeadersLeaveTheConfiguredSettings() {
        Settings base = configured("POLICY_RETRY_COUNT", "2");
        HeaderOverrides.Result r = overrides.resolve(base, MultiMap.caseInsensitiveMultiMap());
        assertThat(r.error()).isNull();
        assertThat(r.settings()).isSameAs(base);
    }

    @Test
    void suffixAndControlHelpers() {
        assertThat(HeaderOverrides.suffix("X-Tollgate-Disabled-Models")).isEqualTo("disabled-models");
        assertThat(HeaderOverrides.suffix("x-usagepanda-retry-count")).isEqualTo("retry-count");
        assertThat(HeaderOverrides.suffix("x-tollgate-")).isNull();
        assertThat(HeaderOverrides.suffix("authorization")).isNull();

        assertThat(HeaderOverrides.control(headers("X-Tollgate-Trace-Id", "t1"), "trace-id")).isEqualTo("t1");
        assertThat(HeaderOverrides.control(headers("x-usagepanda-trace-id", "t2"), "trace-id")).isEqualTo("t2");
        assertThat(HeaderOverrides.control(headers("x-tollgate-trace-id", "t1", "x-usagepanda-trace-id", "t2"), "trace-id"))
                .isEqualTo("t1");
        assertThat(HeaderOverrides.control(headers(), "trace-id")).isNull();
    }
}
