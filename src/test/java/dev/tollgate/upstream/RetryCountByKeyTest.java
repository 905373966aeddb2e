package dev.tollgate.upstream;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An admin may give a key its own retry count; the key's caller may lower it by header, never raise it. */
class RetryCountByKeyTest extends KeyModeTest {

    @Test
    void aKeysOwnRetryCountIsTheCeilingForItsHeaders() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 503, "{\"error\":{\"message\":\"busy\"}}"));
        startKeyMode(Map.of("POLICY_RETRY_COUNT", "0", "TOLLGATE_RETRY_BASE_DELAY_MS", "1"));
        String key = createKey("{\"settings\":{\"POLICY_RETRY_COUNT\": 2}}").get("key").asText();

        assertThat(chat(key, CHAT).statusCode()).isEqualTo(503);
        assertThat(upstream.received()).hasSize(3); // the key's 2 retries, above the file's 0

        upstream.received().clear();
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "Authorization", "Bearer " + key,
                "x-tollgate-retry-count", "1").statusCode()).isEqualTo(503);
        assertThat(upstream.received()).hasSize(2);

        upstream.received().clear();
        var refused = gateway.postJson("/v1/chat/completions", CHAT, "Authorization", "Bearer " + key, "x-tollgate-retry-count", "3");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("\"code\":\"setting_override_forbidden\"");
        assertThat(upstream.received()).isEmpty();
    }
}
