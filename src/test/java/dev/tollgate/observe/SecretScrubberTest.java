package dev.tollgate.observe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Exact configured secrets and credential shapes are masked in upstream error text, bodies and events. */
class SecretScrubberTest {

    /** An Azure-style key (32 hex digits) and a custom key: neither is shaped like a credential. */
    private static final String AZURE = "0123456789abcdef0123456789abcdef";
    private static final String CUSTOM = "abc123secret";
    private static final String ODD = "p@ss/w0rd+\"q\\z"; // needs escaping in JSON and in URLs

    private final SecretScrubber scrubber = SecretScrubber.of(List.of(AZURE, CUSTOM, ODD));

    @Test
    void configuredSecretsAreMaskedWhereverTheyAppear() {
        assertThat(scrubber.scrub("Access denied due to invalid subscription key " + AZURE + "."))
                .isEqualTo("Access denied due to invalid subscription key [REDACTED].");
        assertThat(scrubber.scrub("bad credential abc123secret!abc123secret"))
                .isEqualTo("bad credential [REDACTED]![REDACTED]");
        assertThat(scrubber.scrub("x" + CUSTOM + "y")).isEqualTo("x[REDACTED]y"); // inside a longer word too
        assertThat(scrubber.scrub("pw " + ODD + " end")).isEqualTo("pw [REDACTED] end");
    }

    @Test
    void encodedFormsOfASecretAreMaskedToo() {
        // JSON-escaped text (an error body read as text, not parsed) and URL-encoded (echoed in a URL).
        assertThat(scrubber.scrub("{\"m\":\"pw p@ss\\/w0rd+\\\"q\\\\z\"}")).isEqualTo("{\"m\":\"pw [REDACTED]\"}");
        assertThat(scrubber.scrub("{\"m\":\"pw p@ss/w0rd+\\\"q\\\\z\"}")).isEqualTo("{\"m\":\"pw [REDACTED]\"}");
        assertThat(scrubber.scrub("GET /x?key=p%40ss%2Fw0rd%2B%22q%5Cz")).isEqualTo("GET /x?key=[REDACTED]");
    }

    @Test
    void credentialShapesAreMaskedWithoutBeingConfigured() {
        assertThat(scrubber.scrub("Incorrect API key provided: Bearer sk-proj-abcdEFGH12345678."))
                .isEqualTo("Incorrect API key provided: Bearer [REDACTED].");
        assertThat(scrubber.scrub("Incorrect API key provided: sk-proj-abcdEFGH12345678"))
                .isEqualTo("Incorrect API key provided: [REDACTED]");
        assertThat(scrubber.scrub("API key not valid: AIzaSyA-1234567890abcdefghijklmnopqrstu"))
                .isEqualTo("API key not valid: [REDACTED]");
        assertThat(scrubber.scrub("Authorization: Basic dXNlcjpzM2NyZXQ= rejected"))
                .isEqualTo("Authorization: Basic [REDACTED] rejected");
        assertThat(scrubber.scrub("a basic configuration problem")).isEqualTo("a basic configuration problem");
        assertThat(scrubber.scrub("could not reach https://bob:hunter2hunter2@proxy.example/v1"))
                .isEqualTo("could not reach https://bob:***@proxy.example/v1");
    }

    @Test
    void shortSecretsAreNotMatchedByValue() {
        // "unused", "x": placeholders people set for local servers; masking every such word would garble text.
        SecretScrubber s = SecretScrubber.of(List.of("unused", "x", ""));
        assertThat(s.scrub("the unused parameter x")).isEqualTo("the unused parameter x");
    }

    @Test
    void textWithoutSecretsIsTheSameInstance() {
        for (String t : new String[]{"gpt-4o-mini", "The model 'gpt-4o' does not exist.", "req_0123456789", "a: b = c @ d"}) {
            assertThat(scrubber.scrub(t)).as(t).isSameAs(t);
        }
    }

    @Test
    void aJsonErrorBodyIsScrubbedValueByValueAndStaysValidJson() throws Exception {
        Buffer body = Buffer.buffer("{\"error\":{\"message\":\"Incorrect API key provided: " + CUSTOM + ".\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"invalid_api_key\"}}");
        assertThat(scrubber.scrubBody(body).toString()).isEqualTo("{\"error\":{\"message\":\"Incorrect API key provided: [REDACTED].\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
        // A secret spelled with JSON escapes is found after parsing.
        Buffer escaped = Buffer.buffer("{\"error\":{\"message\":\"key \\u0061bc123secret\"}}");
        assertThat(scrubber.scrubBody(escaped).toString()).isEqualTo("{\"error\":{\"message\":\"key [REDACTED]\"}}");
        // In a field name and deep inside arrays too.
        Buffer nested = Buffer.buffer("{\"details\":[{\"" + CUSTOM + "\":[\"Bearer abcdefghijklmnop\"]}]}");
        JsonNode out = Json.parse(scrubber.scrubBody(nested));
        assertThat(out.toString()).isEqualTo("{\"details\":[{\"[REDACTED]\":[\"Bearer [REDACTED]\"]}]}");
    }

    @Test
    void aBodyWithoutSecretsIsRelayedByteExact() {
        Buffer body = Buffer.buffer("{ \"error\" : {\"message\": \"busy\"} }\n");
        assertThat(scrubber.scrubBody(body)).isSameAs(body);
        Buffer text = Buffer.buffer("Service Unavailable");
        assertThat(scrubber.scrubBody(text)).isSameAs(text);
    }

    @Test
    void aTextBodyIsScrubbedAndItsOtherBytesKept() {
        byte[] latin = "Fehler für Schlüssel abc123secret \u00ff".getBytes(StandardCharsets.ISO_8859_1);
        Buffer out = scrubber.scrubBody(Buffer.buffer(latin));
        assertThat(out.getBytes()).isEqualTo("Fehler für Schlüssel [REDACTED] \u00ff".getBytes(StandardCharsets.ISO_8859_1));
        Buffer utf8 = scrubber.scrubBody(Buffer.buffer("Schlüssel abc123secret ungültig — 鍵", StandardCharsets.UTF_8.name()));
        assertThat(utf8.toString(StandardCharsets.UTF_8)).isEqualTo("Schlüssel [REDACTED] ungültig — 鍵");
    }

    @Test
    void errorEventsAreScrubbedOtherEventsAreUntouched() {
        StreamChunk error = new StreamChunk(null, "{\"error\":{\"message\":\"key " + CUSTOM + " revoked\",\"type\":\"server_error\"}}", Buffer.buffer("raw"));
        StreamChunk scrubbed = scrubber.scrubEvent(error);
        assertThat(scrubbed.toWire().toString()).isEqualTo("data: {\"error\":{\"message\":\"key [REDACTED] revoked\",\"type\":\"server_error\"}}\n\n");

        StreamChunk named = new StreamChunk("error", "upstream said " + CUSTOM, Buffer.buffer("raw"));
        assertThat(scrubber.scrubEvent(named).toWire().toString()).isEqualTo("event: error\ndata: upstream said [REDACTED]\n\n");

        StreamChunk failed = new StreamChunk("response.failed", "{\"type\":\"response.failed\",\"response\":{\"error\":{\"message\":\"" + CUSTOM + "\"}}}", null);
        assertThat(scrubber.scrubEvent(failed).data()).isEqualTo("{\"type\":\"response.failed\",\"response\":{\"error\":{\"message\":\"[REDACTED]\"}}}");

        // Answer content is the model's and is relayed byte-exact, even when it quotes a key.
        StreamChunk content = new StreamChunk(null, "{\"choices\":[{\"delta\":{\"content\":\"" + CUSTOM + " \\\"error\\\"\"}}]}", Buffer.buffer("raw"));
        assertThat(scrubber.scrubEvent(content)).isSameAs(content);
        StreamChunk completed = new StreamChunk("response.completed", "{\"type\":\"response.completed\",\"response\":{\"error\":null,\"x\":\"" + CUSTOM + "\"}}", null);
        assertThat(scrubber.scrubEvent(completed)).isSameAs(completed);
        StreamChunk cleanError = new StreamChunk(null, "{\"error\":{\"message\":\"overloaded\"}}", Buffer.buffer("raw"));
        assertThat(scrubber.scrubEvent(cleanError)).isSameAs(cleanError);
    }
}
