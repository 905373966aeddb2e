package dev.tollgate.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CanonicalPathTest {

    private static String canonical(String raw) {
        CanonicalPath.Result r = CanonicalPath.of(raw);
        assertThat(r.ok()).as("%s refused: %s", raw, r.error()).isTrue();
        return r.path();
    }

    private static String refusal(String raw) {
        CanonicalPath.Result r = CanonicalPath.of(raw);
        assertThat(r.ok()).as("%s accepted as %s", raw, r.path()).isFalse();
        return r.error();
    }

    @Test
    void canonicalPathsStayAsTheyAre() {
        for (String p : new String[] {"/v1/chat/completions", "/v1/files/File-AbC", "/v1/models/ft:gpt-4o:org.name:id",
                "/v1/files/file-abc.jsonl", "/v1/files/..abc", "/v1/files/abc..", "/v1/.well-known", "/", "/healthz"}) {
            assertThat(canonical(p)).isEqualTo(p);
        }
    }

    @Test
    void encodedUnreservedCharactersAreDecoded() {
        assertThat(canonical("/v1/chat/complet%69ons")).isEqualTo("/v1/chat/completions");
        assertThat(canonical("/v1/chat/complet%49ons")).isEqualTo("/v1/chat/completIons");
        assertThat(canonical("/%76%31/%63hat/completions")).isEqualTo("/v1/chat/completions");
        assertThat(canonical("/v1/files/%2e%2eabc")).isEqualTo("/v1/files/..abc");
        assertThat(canonical("/v1/files/a%7eb%2D")).isEqualTo("/v1/files/a~b-");
    }

    @Test
    void otherEncodingsAreKeptWithUpperCaseHex() {
        assertThat(canonical("/v1/files/a%20b")).isEqualTo("/v1/files/a%20b");
        assertThat(canonical("/v1/files/a%3ab")).isEqualTo("/v1/files/a%3Ab");
        assertThat(canonical("/v1/files/%c3%a9")).isEqualTo("/v1/files/%C3%A9");
    }

    @Test
    void emptySegmentsCollapse() {
        assertThat(canonical("/v1/chat/completions/")).isEqualTo("/v1/chat/completions");
        assertThat(canonical("/v1//chat/completions")).isEqualTo("/v1/chat/completions");
        assertThat(canonical("//v1/chat///completions//")).isEqualTo("/v1/chat/completions");
        assertThat(canonical("//")).isEqualTo("/");
    }

    @Test
    void dotSegmentsAreRefusedHoweverSpelled() {
        for (String p : new String[] {"/v1/../admin", "/v1/./models", "/v1/files/.", "/v1/files/..", "/v1/chat/completions/.",
                "/v1/chat/completions/./", "/v1/%2e%2e/admin", "/v1/%2E%2E/admin", "/v1/.%2e/admin", "/v1/%2e/models",
                "/v1/files/%2E", "/v1/chat/completions/%2e", "/v1/chat/completions//./"}) {
            assertThat(refusal(p)).as(p).isEqualTo("The path may not contain '.' or '..' segments.");
        }
    }

    @Test
    void ambiguousEncodingsAreRefused() {
        String encoded = "The path may not contain encoded '/', '\\', ';', '%', '?', '#' or control characters.";
        for (String p : new String[] {"/v1/files%2fx", "/v1/files%2Fx", "/v1/files%5cx", "/v1/files%5Cx", "/v1/chat%2Fcompletions",
                "/v1/chat/completions%3bx", "/v1/chat/completions%25", "/v1/chat/completions%3F", "/v1/chat/completions%23",
                "/v1/chat/completions%00", "/v1/chat/completions%0a", "/v1/chat/completions%7f", "/v1/files/%252e%252e"}) {
            assertThat(refusal(p)).as(p).isEqualTo(encoded);
        }
        for (String p : new String[] {"/v1/chat/completions%", "/v1/chat/completions%2", "/v1/chat/completions%zz", "/v1/x%g0"}) {
            assertThat(refusal(p)).as(p).isEqualTo("The path has a malformed percent-encoding.");
        }
    }

    @Test
    void parametersAndRawSpecialCharactersAreRefused() {
        assertThat(refusal("/v1/chat/completions;x=1")).isEqualTo("The path may not contain ';' parameters.");
        assertThat(refusal("/v1/chat;/completions")).isEqualTo("The path may not contain ';' parameters.");
        for (String p : new String[] {"/v1/chat/completions\\", "/v1/files\\..\\x", "/v1/chat/completions#x", "/v1/chat completions",
                "/v1/chat/completions\u0000", "/v1/chat/complétions", "/v1/chat/\"completions\"", "/v1/chat/{x}"}) {
            assertThat(refusal(p)).as(p).isEqualTo("The path contains a character that must be percent-encoded.");
        }
        assertThat(refusal("v1/chat/completions")).isEqualTo("The request target must be a path.");
    }
}
