package dev.tollgate.upstream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamTargetTest {

    @Test
    void httpsDefaultsToPort443AndBareHostHeader() {
        assertThat(UpstreamTarget.of("https://api.openai.com/v1"))
                .isEqualTo(new UpstreamTarget("api.openai.com", 443, true, "/v1", "api.openai.com"));
    }

    @Test
    void httpDefaultsToPort80() {
        assertThat(UpstreamTarget.of("http://upstream.internal/v1"))
                .isEqualTo(new UpstreamTarget("upstream.internal", 80, false, "/v1", "upstream.internal"));
    }

    @Test
    void explicitNonDefaultPortAppearsInHostHeader() {
        assertThat(UpstreamTarget.of("http://localhost:8080/v1"))
                .isEqualTo(new UpstreamTarget("localhost", 8080, false, "/v1", "localhost:8080"));
        assertThat(UpstreamTarget.of("https://example.com:8443/openai/v1"))
                .isEqualTo(new UpstreamTarget("example.com", 8443, true, "/openai/v1", "example.com:8443"));
    }

    @Test
    void explicitDefaultPortIsLeftOutOfHostHeader() {
        assertThat(UpstreamTarget.of("https://api.openai.com:443/v1").hostHeader()).isEqualTo("api.openai.com");
        assertThat(UpstreamTarget.of("http://h:80/v1").hostHeader()).isEqualTo("h");
        // a default port of the other scheme is not the default here
        assertThat(UpstreamTarget.of("https://h:80/v1").hostHeader()).isEqualTo("h:80");
        assertThat(UpstreamTarget.of("http://h:443/v1").hostHeader()).isEqualTo("h:443");
    }

    @Test
    void schemeIsCaseInsensitive() {
        UpstreamTarget t = UpstreamTarget.of("HTTPS://api.openai.com/v1");
        assertThat(t.ssl()).isTrue();
        assertThat(t.port()).isEqualTo(443);
    }

    @Test
    void trailingSlashesAreTrimmed() {
        assertThat(UpstreamTarget.of("https://api.openai.com/v1/").basePath()).isEqualTo("/v1");
        assertThat(UpstreamTarget.of("https://api.openai.com/v1//").basePath()).isEqualTo("/v1");
        assertThat(UpstreamTarget.of("https://api.openai.com/").basePath()).isEqualTo("");
        assertThat(UpstreamTarget.of("https://api.openai.com").basePath()).isEqualTo("");
    }

    @Test
    void basePathKeptRawWithPercentEncoding() {
        assertThat(UpstreamTarget.of("https://h/my%20proxy/v1").basePath()).isEqualTo("/my%20proxy/v1");
    }

    @Test
    void uriAppendsApiPathAndQuery() {
        UpstreamTarget t = UpstreamTarget.of("https://api.openai.com/v1/");
        assertThat(t.uri("/chat/completions")).isEqualTo("/v1/chat/completions");
        assertThat(t.uri("/files/file-AbC/content?x=1&y=%2F")).isEqualTo("/v1/files/file-AbC/content?x=1&y=%2F");
        assertThat(UpstreamTarget.of("http://localhost:9000").uri("/models")).isEqualTo("/models");
    }
}
