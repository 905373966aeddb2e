package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import dev.tollgate.stream.SseParser;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden fixtures under {@code providers/gemini/}, built from Google's Gemini API reference: every
 * case is an input file and the exact JSON expected from it. Adding a case is adding two files.
 */
class GeminiFixturesTest {

    static final String MODEL = "gemini-2.5-flash";
    static final String ID = "chatcmpl-abc123";
    static final long CREATED = 1750000000L;

    @TestFactory
    Stream<DynamicTest> chatRequests() throws Exception {
        return cases("chat-request", ".openai.json", (dir, name) -> assertJson(
                read(dir, name + ".gemini.json"),
                GeminiChat.request((ObjectNode) read(dir, name + ".openai.json"))));
    }

    @TestFactory
    Stream<DynamicTest> chatResponses() throws Exception {
        return cases("chat-response", ".gemini.json", (dir, name) -> assertJson(
                read(dir, name + ".openai.json"),
                GeminiChat.response(read(dir, name + ".gemini.json"), MODEL, ID, CREATED)));
    }

    @TestFactory
    Stream<DynamicTest> streams() throws Exception {
        return cases("stream", ".sse", (dir, name) -> {
            GeminiStream stream = new GeminiStream(MODEL, ID, CREATED);
            List<JsonNode> chunks = new ArrayList<>();
            SseParser parser = new SseParser();
            List<StreamChunk> events = new ArrayList<>();
            parser.feed(Buffer.buffer(Files.readAllBytes(dir.resolve(name + ".sse"))), events::add);
            parser.finish(events::add);
            assertThat(events).isNotEmpty();
            for (StreamChunk e : events) chunks.addAll(stream.onEvent(Json.parse(e.data())));
            chunks.addAll(stream.onEnd());
            List<JsonNode> expected = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve(name + ".chunks.jsonl"))) {
                if (!line.isBlank()) expected.add(Json.parse(line));
            }
            assertEquals(lines(expected), lines(chunks));
        });
    }

    @TestFactory
    Stream<DynamicTest> errors() throws Exception {
        return cases("errors", ".google.json", (dir, name) -> {
            JsonNode in = read(dir, name + ".google.json");
            JsonNode expected = read(dir, name + ".openai.json");
            GeminiChat.Error e = GeminiChat.error(in.path("status").asInt(), in.get("body"));
            assertEquals(expected.path("status").asInt(), e.status());
            assertJson(expected.get("body"), e.openAiError());
        });
    }

    @TestFactory
    Stream<DynamicTest> embeddingRequests() throws Exception {
        return cases("embeddings-request", ".openai.json", (dir, name) -> {
            ObjectNode req = (ObjectNode) read(dir, name + ".openai.json");
            GeminiEmbeddings.Request r = GeminiEmbeddings.request(req, req.path("model").asText());
            ObjectNode actual = Json.object().put("method", r.method());
            actual.set("body", r.body());
            assertJson(read(dir, name + ".gemini.json"), actual);
        });
    }

    @TestFactory
    Stream<DynamicTest> embeddingResponses() throws Exception {
        return cases("embeddings-response", ".gemini.json", (dir, name) -> assertJson(
                read(dir, name + ".openai.json"),
                GeminiEmbeddings.response(read(dir, name + ".gemini.json"), "gemini-embedding-001", name.endsWith("-base64"))));
    }

    // ---------------------------------------------------------------- table machinery

    interface Case {
        void run(Path dir, String name) throws Exception;
    }

    private static Stream<DynamicTest> cases(String folder, String inputSuffix, Case c) throws IOException, URISyntaxException {
        Path dir = Path.of(GeminiFixturesTest.class.getResource("/providers/gemini/" + folder).toURI());
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(inputSuffix))
                    .map(n -> n.substring(0, n.length() - inputSuffix.length())).sorted().toList();
        }
        assertThat(names).as("fixtures in " + folder).isNotEmpty();
        return names.stream().map(n -> DynamicTest.dynamicTest(folder + "/" + n, () -> c.run(dir, n)));
    }

    static JsonNode read(Path dir, String file) throws IOException {
        return Json.parse(Files.readString(dir.resolve(file)));
    }

    /** Exact JSON equality; numbers compare by their JSON text, as a client would read them. */
    static void assertJson(JsonNode expected, JsonNode actual) throws IOException {
        JsonNode reread = Json.parse(Json.toString(actual));
        if (!expected.equals(reread)) {
            assertEquals(pretty(expected), pretty(reread));
            assertEquals(expected, reread);
        }
    }

    private static String lines(List<JsonNode> nodes) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode n : nodes) sb.append(canonical(Json.parse(Json.toString(n)))).append('\n');
        return sb.toString();
    }

    private static String pretty(JsonNode n) throws IOException {
        return canonical(n);
    }

    /** Sorted keys, so a mismatch shows as a readable diff and key order never matters. */
    private static String canonical(JsonNode n) throws IOException {
        Object tree = Json.MAPPER.treeToValue(n, Object.class);
        return Json.MAPPER.copy().configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                .writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    }
}
