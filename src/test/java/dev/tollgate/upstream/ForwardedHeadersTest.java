package dev.tollgate.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardedHeadersTest {

    private static MultiMap headers(String... nameValues) {
        MultiMap m = HttpHeaders.headers();
        for (int i = 0; i < nameValues.length; i += 2) m.add(nameValues[i], nameValues[i + 1]);
        return m;
    }

    /** Every header as "name: value", names as given, in order. */
    private static List<String> entries(MultiMap m) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : m) out.add(e.getKey() + ": " + e.getValue());
        return out;
    }

    // ---- to upstream --------------------------------------------------------------------------

    @Test
    void hopByHopHeadersAreNotSentUpstream() {
        MultiMap in = headers(
                "Connection", "keep-alive, X-Custom-Hop",
                "Keep-Alive", "timeout=5",
                "TE", "trailers",
                "Trailer", "X-Checksum",
                "Transfer-Encoding", "chunked",
                "Upgrade", "h2c",
                "Proxy-Authorization", "Basic abc",
                "Proxy-Connection", "keep-alive",
                "X-Custom-Hop", "gone",
                "Content-Type", "application/json",
                "X-Other", "kept");
        assertThat(entries(ForwardedHeaders.toUpstream(in, null, null, null)))
                .containsExactly("Content-Type: application/json", "X-Other: kept");
    }

    @Test
    void headersThatCouldChangeTheMethodOrPathServedAreNotSentUpstream() {
        MultiMap in = headers("X-HTTP-Method-Override", "POST", "X-HTTP-Method", "POST", "X-Method-Override", "POST",
                "X-Original-Method", "POST", "X-Original-URL", "/v1/chat/completions", "X-Original-URI", "/v1/chat/completions",
                "X-Rewrite-URL", "/v1/chat/completions", "X-Forwarded-Prefix", "/v1/chat", "X-Forwarded-Uri", "/v1/x",
                "X-Forwarded-Path", "/v1/x", "Content-Type", "application/json");
        assertThat(entries(ForwardedHeaders.toUpstream(in, null, null, null))).containsExactly("Content-Type: application/json");
    }

    @Test
    void headersNamedInConnectionAreDroppedCaseInsensitively() {
        MultiMap in = headers("connection", " x-a ,X-B", "X-A", "1", "x-b", "2", "X-C", "3");
        assertThat(entries(ForwardedHeaders.toUpstream(in, null, null, null))).containsExactly("X-C: 3");
    }

    @Test
    void gatewayKeyReplacesCallerAuthorization() {
        MultiMap in = headers("Authorization", "Bearer caller-key", "Content-Type", "application/json");
        MultiMap out = ForwardedHeaders.toUpstream(in, "sk-gateway", null, null);
        assertThat(out.getAll("authorization")).containsExactly("Bearer sk-gateway");
        assertThat(entries(out)).containsExactlyInAnyOrder("Content-Type: application/json", "authorization: Bearer sk-gateway");
    }

    @Test
    void gatewayKeyIsSetEvenWhenCallerSentNoAuthorization() {
        // Vert.x's HttpHeaders.AUTHORIZATION is lower-case; HTTP header names are case-insensitive
        MultiMap out = ForwardedHeaders.toUpstream(headers(), "sk-gateway", null, null);
        assertThat(entries(out)).containsExactly("authorization: Bearer sk-gateway");
    }

    @Test
    void callerAuthorizationForwardedAsIsWithoutGatewayKey() {
        MultiMap in = headers("authorization", "Bearer sk-caller", "api-key", "azure-key");
        assertThat(entries(ForwardedHeaders.toUpstream(in, null, null, null)))
                .containsExactly("authorization: Bearer sk-caller", "api-key: azure-key");
    }

    @Test
    void apiKeyHeaderDroppedWhenGatewayKeyGiven() {
        MultiMap in = headers("Api-Key", "azure-key", "X-Keep", "y");
        MultiMap out = ForwardedHeaders.toUpstream(in, "k", null, null);
        assertThat(out.contains("api-key")).isFalse();
        assertThat(entries(out)).containsExactlyInAnyOrder("X-Keep: y", "authorization: Bearer k");
    }

    @Test
    void gatewayControlHeadersNeverLeave() {
        MultiMap in = headers(
                "x-tollgate-max-tokens", "10",
                "X-Tollgate-Trace-Id", "t1",
                "x-usagepanda-max-tokens", "10",
                "X-USAGEPANDA-TRACE-ID", "t2",
                "x-tollgatex", "kept-not-our-prefix",
                "X-Keep", "y");
        assertThat(entries(ForwardedHeaders.toUpstream(in, null, null, null)))
                .containsExactly("x-tollgatex: kept-not-our-prefix", "X-Keep: y");
        assertThat(entries(ForwardedHeaders.toUpstream(in, "k", "org", "proj")))
                .containsExactlyInAnyOrder("x-tollgatex: kept-not-our-prefix", "X-Keep: y", "authorization: Bearer k",
                        "OpenAI-Organization: org", "OpenAI-Project: proj");
    }

    @Test
    void callerOrganizationAndProjectAreForwardedAndWin() {
        MultiMap in = headers("openai-organization", "org-caller", "OpenAI-Project", "proj-caller");
        MultiMap out = ForwardedHeaders.toUpstream(in, null, "org-config", "proj-config");
        assertThat(entries(out)).containsExactly("openai-organization: org-caller", "OpenAI-Project: proj-caller");
    }

    @Test
    void configOrganizationAndProjectInjectedWhenCallerSentNone() {
        MultiMap out = ForwardedHeaders.toUpstream(headers("X-A", "1"), null, "org-config", "proj-config");
        assertThat(entries(out)).containsExactly("X-A: 1", "OpenAI-Organization: org-config", "OpenAI-Project: proj-config");
    }

    @Test
    void configOrganizationOnlyFillsTheMissingOne() {
        MultiMap out = ForwardedHeaders.toUpstream(headers("OpenAI-Organization", "org-caller"), null, "org-config", "proj-config");
        assertThat(out.getAll("openai-organization")).containsExactly("org-caller");
        assertThat(out.getAll("openai-project")).containsExactly("proj-config");
    }

    @Test
    void nothingInjectedWithoutConfig() {
        assertThat(entries(ForwardedHeaders.toUpstream(headers(), null, null, null))).isEmpty();
    }

    @Test
    void hopToGatewayHeadersAreNotSentUpstream() {
        MultiMap in = headers(
                "Host", "gateway.local:8080",
                "Content-Length", "123",
                "Accept-Encoding", "gzip",
                "Cookie", "session=abc",
                "Expect", "100-continue",
                "Forwarded", "for=1.2.3.4",
                "X-Forwarded-For", "1.2.3.4",
                "X-Forwarded-Host", "h",
                "X-Forwarded-Proto", "https",
                "X-Real-IP", "1.2.3.4",
                "Accept", "application/json",
                "User-Agent", "OpenAI/Python 1.0",
                "OpenAI-Beta", "assistants=v2");
        assertThat(entries(ForwardedHeaders.toUpstream(in, null, null, null)))
                .containsExactly("Accept: application/json", "User-Agent: OpenAI/Python 1.0", "OpenAI-Beta: assistants=v2");
    }

    @Test
    void repeatedHeadersKeepAllValuesInOrder() {
        MultiMap in = headers("X-Multi", "a", "X-Multi", "b");
        assertThat(ForwardedHeaders.toUpstream(in, null, null, null).getAll("x-multi")).containsExactly("a", "b");
    }

    @Test
    void inputIsNotModified() {
        MultiMap in = headers("Authorization", "Bearer c", "Host", "h");
        ForwardedHeaders.toUpstream(in, "k", "o", "p");
        assertThat(entries(in)).containsExactly("Authorization: Bearer c", "Host: h");
    }

    // ---- to client ------------------------------------------------------------------------------

    @Test
    void responseHeadersUsefulToClientsAreKept() {
        MultiMap up = headers(
                "x-request-id", "req_123",
                "openai-organization", "org",
                "openai-processing-ms", "42",
                "openai-version", "2020-10-01",
                "x-ratelimit-limit-requests", "100",
                "x-ratelimit-remaining-tokens", "999",
                "retry-after", "3",
                "retry-after-ms", "3000",
                "content-type", "application/json");
        MultiMap out = HttpHeaders.headers();
        ForwardedHeaders.toClient(up, out);
        assertThat(entries(out)).containsExactlyElementsOf(entries(up));
    }

    @Test
    void responseHopByHopAndEdgeHeadersAreDropped() {
        MultiMap up = headers(
                "Set-Cookie", "__cf_bm=abc",
                "set-cookie", "_cfuvid=def",
                "Content-Length", "10",
                "Transfer-Encoding", "chunked",
                "Connection", "keep-alive, X-Edge",
                "Keep-Alive", "timeout=5",
                "X-Edge", "hop",
                "Alt-Svc", "h3=\":443\"",
                "Upgrade", "h2",
                "Trailer", "x",
                "Proxy-Authenticate", "Basic",
                "Content-Type", "text/event-stream",
                "x-request-id", "req_1");
        MultiMap out = HttpHeaders.headers();
        ForwardedHeaders.toClient(up, out);
        assertThat(entries(out)).containsExactly("Content-Type: text/event-stream", "x-request-id: req_1");
    }

    @Test
    void toClientAddsToExistingHeaders() {
        MultiMap out = headers("x-tollgate-request-id", "req_gw");
        ForwardedHeaders.toClient(headers("x-request-id", "req_up"), out);
        assertThat(entries(out)).containsExactly("x-tollgate-request-id: req_gw", "x-request-id: req_up");
    }
}
