package dev.tollgate.secret;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {

    @Test
    void bearerTokenIsMasked() {
        assertThat(Redaction.scrub("Bearer sk-abc123456789")).isEqualTo("Bearer [REDACTED]");
        assertThat(Redaction.scrub("bearer   eyJhbGciOi.J9.x")).isEqualTo("bearer   [REDACTED]");
    }

    @Test
    void authorizationHeaderLineIsMasked() {
        assertThat(Redaction.scrub("Authorization: Bearer sk-abc123456789"))
                .isEqualTo("Authorization: [REDACTED] [REDACTED]");
    }

    @Test
    void bareKeysAreMasked() {
        assertThat(Redaction.scrub("sk-abc123456789")).isEqualTo("[REDACTED]");
        assertThat(Redaction.scrub("sk-proj-AbC_dEf-123456")).isEqualTo("[REDACTED]");
        assertThat(Redaction.scrub("tg-0123456789abcdef")).isEqualTo("[REDACTED]");
        assertThat(Redaction.scrub("key was sk-abcdefgh1 and tg-zyxwvuts2 here"))
                .isEqualTo("key was [REDACTED] and [REDACTED] here");
        assertThat(Redaction.scrub("\"sk-abc123456789\"")).isEqualTo("\"[REDACTED]\"");
    }

    @Test
    void keyValuePairsAreMasked() {
        assertThat(Redaction.scrub("api_key=abcdef123")).isEqualTo("api_key=[REDACTED]");
        assertThat(Redaction.scrub("https://h/x?api-key=abcdef123&b=2")).isEqualTo("https://h/x?api-key=[REDACTED]&b=2");
        assertThat(Redaction.scrub("x-goog-api-key: AIzaSyA1234567890")).isEqualTo("x-goog-api-key: [REDACTED]");
        assertThat(Redaction.scrub("X-Api-Key:abcdefgh")).isEqualTo("X-Api-Key:[REDACTED]");
        assertThat(Redaction.scrub("?key=AIzaSyA12345")).isEqualTo("?key=[REDACTED]");
    }

    @Test
    void jsonQuotedKeyValuePairsAreMasked() {
        assertThat(Redaction.scrub("{\"apikey\": \"secret123\"}")).isEqualTo("{\"apikey\": \"[REDACTED]\"}");
        assertThat(Redaction.scrub("{\"api_key\":\"AIzaSyA12345\"}")).isEqualTo("{\"api_key\":\"[REDACTED]\"}");
    }

    @Test
    void shortValuesAreLeftAlone() {
        assertThat(Redaction.scrub("sk-short")).isEqualTo("sk-short");
        assertThat(Redaction.scrub("api_key=abc")).isEqualTo("api_key=abc");
        assertThat(Redaction.scrub("Bearer abc")).isEqualTo("Bearer abc");
    }

    @Test
    void ordinaryTextIsUnchanged() {
        for (String s : new String[] {
                "POST /v1/chat/completions 200 in 123 ms",
                "model gpt-4o-mini-2024-07-18 is disabled",
                "the task-1234567890 finished",
                "monkey: bananas-and-more",
                "Blocked by policy model-rules: model gpt-4 is not allowed",
                "req_0123456789abcdef0123456789abcd",
                "/v1/files/file-AbC123456789/content",
                "key point: none",
                "unicode é € 中文",
        }) {
            assertThat(Redaction.scrub(s)).as(s).isSameAs(s);
        }
    }

    @Test
    void nullAndEmptyPassThrough() {
        assertThat(Redaction.scrub(null)).isNull();
        assertThat(Redaction.scrub("")).isEqualTo("");
    }

    @Test
    void dollarAndBackslashInPrefixDoNotBreakReplacement() {
        assertThat(Redaction.scrub("key = \"abcdef123\" cost $5 \\ ok")).isEqualTo("key = \"[REDACTED]\" cost $5 \\ ok");
    }
}
