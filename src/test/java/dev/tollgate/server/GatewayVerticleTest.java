package dev.tollgate.server;

import dev.tollgate.api.Endpoint;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayVerticleTest {

    // ---- apiPath --------------------------------------------------------------------------------

    @Test
    void v1PrefixIsStripped() {
        assertThat(GatewayVerticle.apiPath("/v1/chat/completions")).isEqualTo("/chat/completions");
        assertThat(Endpoint.of(GatewayVerticle.apiPath("/v1/chat/completions")).kind()).isEqualTo(Endpoint.Kind.CHAT_COMPLETIONS);
        assertThat(GatewayVerticle.apiPath("/v1/x")).isEqualTo("/x");
    }

    @Test
    void knownResourceWithoutV1IsAccepted() {
        assertThat(GatewayVerticle.apiPath("/chat/completions")).isEqualTo("/chat/completions");
        assertThat(GatewayVerticle.apiPath("/models")).isEqualTo("/models");
        assertThat(GatewayVerticle.apiPath("/fine_tuning/jobs")).isEqualTo("/fine_tuning/jobs");
        assertThat(Endpoint.of(GatewayVerticle.apiPath("/responses")).kind()).isEqualTo(Endpoint.Kind.RESPONSES);
    }

    @Test
    void nonApiPathsAreRejected() {
        assertThat(GatewayVerticle.apiPath("/favicon.ico")).isNull();
        assertThat(GatewayVerticle.apiPath("/")).isNull();
        assertThat(GatewayVerticle.apiPath("/v1")).isNull();
        assertThat(GatewayVerticle.apiPath("/v1/")).isNull();
        assertThat(GatewayVerticle.apiPath("/v2/chat/completions")).isNull();
        assertThat(GatewayVerticle.apiPath("/Chat/completions")).isNull();
        assertThat(GatewayVerticle.apiPath("/chatty")).isNull();
        assertThat(GatewayVerticle.apiPath("/admin/chat")).isNull();
    }

    @Test
    void caseIsPreserved() {
        assertThat(GatewayVerticle.apiPath("/v1/files/File-AbC")).isEqualTo("/files/File-AbC");
        assertThat(GatewayVerticle.apiPath("/files/File-AbC")).isEqualTo("/files/File-AbC");
    }

    // ---- request ids ------------------------------------------------------------------------------

    @Test
    void validRequestIdCharset() {
        assertThat(GatewayVerticle.validRequestId("req_ABC-123.x:y")).isTrue();
        assertThat(GatewayVerticle.validRequestId("a")).isTrue();
        for (String bad : new String[] {"", " ", "a b", "a/b", "a\"b", "a\nb", "a\rb", "a,b", "a;b", "é", "a\u0660",
                "\uFF41", "a\tb", "a=b", "{x}"}) {
            assertThat(GatewayVerticle.validRequestId(bad)).as("'%s'", bad).isFalse();
        }
    }

    @Test
    void validRequestIdLength() {
        assertThat(GatewayVerticle.validRequestId("a".repeat(128))).isTrue();
        assertThat(GatewayVerticle.validRequestId("a".repeat(129))).isFalse();
    }

    @Test
    void newRequestIdFormat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = GatewayVerticle.newRequestId();
            assertThat(id).matches("req_[0-9a-f]{30}");
            assertThat(GatewayVerticle.validRequestId(id)).isTrue();
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void newRequestIdUsesEveryHexDigitInEveryPosition() {
        // leading zeros are kept: every position takes every hex digit over enough samples
        @SuppressWarnings("unchecked")
        Set<Character>[] perPos = new Set[30];
        for (int i = 0; i < 30; i++) perPos[i] = new HashSet<>();
        for (int n = 0; n < 5_000; n++) {
            String hex = GatewayVerticle.newRequestId().substring(4);
            for (int i = 0; i < 30; i++) perPos[i].add(hex.charAt(i));
        }
        for (int i = 0; i < 30; i++) assertThat(perPos[i]).as("position %d", i).hasSize(16);
    }
}
