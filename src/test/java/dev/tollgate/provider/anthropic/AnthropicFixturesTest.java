package dev.tollgate.provider.anthropic;

import dev.tollgate.provider.StreamError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import dev.tollgate.stream.SseParser;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Golden fixtures under {@code src/test/resources/providers/anthropic/}, reconstructed from
 * Anthropic's Messages API reference (request shapes, message objects, streaming events, error
 * shapes). Each case is found by file name, so a new case is only new files:
 * <ul>
 *   <li>{@code chat-X.openai.json} → {@link AnthropicChat#request} → {@code chat-X.anthropic.json}</li>
 *   <li>{@code resp-X.anthropic.json} → {@link AnthropicChat#response} → {@code resp-X.openai.json}</li>
 *   <li>{@code error-X.anthropic.json} ({@code {"status","body"}}) → {@link AnthropicChat#error} →
 *       {@code error-X.openai.json} ({@code {"status","body"}})</li>
 *   <li>{@code stream-X.sse} → {@link AnthropicStream} → {@code stream-X.chunks.jsonl}, one chunk
 *       a line; a line {@code {"stream_error":{"status","body"}}} expects a {@link StreamError}</li>
 * </ul>
 * Comparison is exact JSON equality (field order aside).
 */
class AnthropicFixturesTest {

    static final String MODEL = "claude-sonnet-4-5-20250929";
    static final int DEFAULT_MAX_TOKENS = 1024;
    static final long CREATED = 1_700_000_000L;

    static Path dir() throws URISyntaxException {
        return Path.of(AnthropicFixturesTest.class.getResource("/providers/anthropic").toURI());
    }

    static Stream<String> cases(String prefix, String suffix) throws Exception {
        try (Stream<Path> files = Files.list(dir())) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length()))
                    .sorted().toList();
            assertThat(names).as("fixtures " + prefix + "*" + suffix).isNotEmpty();
            return names.stream();
        }
    }

    static Stream<String> requests() throws Exception { return cases("chat-", ".openai.json"); }
    static Stream<String> responses() throws Exception { return cases("resp-", ".anthropic.json"); }
    static Stream<String> errors() throws Exception { return cases("error-", ".anthropic.json"); }
    static Stream<String> streams() throws Exception { return cases("stream-", ".sse"); }

    /**
     * The node as the wire carries it: serialised and parsed again, so a long 5 and an int 5 are
     * equal (as they are in JSON) while 1.0 and 1 still differ.
     */
    static JsonNode wire(JsonNode node) throws IOException {
        return Json.parse(Json.toString(node));
    }

    static JsonNode read(String file) throws Exception {
        return Json.parse(Files.readString(dir().resolve(file)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void request(String name) throws Exception {
        ObjectNode in = (ObjectNode) read(name + ".openai.json");
        ObjectNode before = in.deepCopy();
        ObjectNode out = AnthropicChat.request(in, MODEL, DEFAULT_MAX_TOKENS);
        assertThat(wire(out)).isEqualTo(read(name + ".anthropic.json"));
        assertThat(in).as("the caller's request is not modified").isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void response(String name) throws Exception {
        assertThat(wire(AnthropicChat.response(read(name + ".anthropic.json"), CREATED)))
                .isEqualTo(read(name + ".openai.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void error(String name) throws Exception {
        JsonNode in = read(name + ".anthropic.json");
        JsonNode expected = read(name + ".openai.json");
        AnthropicChat.Error e = AnthropicChat.error(in.get("status").intValue(), in.get("body"));
        assertThat(e.status()).isEqualTo(expected.get("status").intValue());
        assertThat(wire(e.openAiError())).isEqualTo(expected.get("body"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void stream(String name) throws Exception {
        List<StreamChunk> events = new ArrayList<>();
        SseParser parser = new SseParser();
        parser.feed(Buffer.buffer(Files.readAllBytes(dir().resolve(name + ".sse"))), events::add);
        parser.finish(events::add);
        List<JsonNode> expected = new ArrayList<>();
        for (String line : Files.readAllLines(dir().resolve(name + ".chunks.jsonl"), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) expected.add(Json.parse(line));
        }

        AnthropicStream stream = new AnthropicStream(CREATED);
        List<JsonNode> actual = new ArrayList<>();
        try {
            for (StreamChunk ev : events) {
                for (ObjectNode chunk : stream.onEvent(ev.event(), ev.json())) actual.add(wire(chunk));
            }
        } catch (StreamError err) {
            JsonNode want = expected.get(expected.size() - 1).get("stream_error");
            if (want == null) fail("unexpected stream error: " + err.openAiError());
            assertThat(actual).isEqualTo(expected.subList(0, expected.size() - 1));
            assertThat(err.status()).isEqualTo(want.get("status").intValue());
            assertThat(wire(err.openAiError())).isEqualTo(want.get("body"));
            return;
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(expected.get(expected.size() - 1).has("stream_error")).as("a stream error was expected").isFalse();
    }

}
