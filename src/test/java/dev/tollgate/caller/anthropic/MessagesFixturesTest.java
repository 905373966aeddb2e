package dev.tollgate.caller.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The golden fixtures, one dynamic test per file pair, each asserting exact equality:
 * {@code requests/} (Anthropic request → OpenAI body), {@code answers/} (OpenAI completion →
 * Anthropic message), {@code streams/} (OpenAI chunks, one per line → Anthropic SSE text, with
 * {@link MessagesStream#onEnd()} called after the last line) and {@code errors.json} (status and
 * OpenAI error → Anthropic error, plain and as a stream event).
 */
class MessagesFixturesTest {

    @TestFactory
    Stream<DynamicTest> requests() {
        return Fixtures.cases("requests", ".anthropic.json").stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            ObjectNode request = (ObjectNode) Fixtures.json("requests/" + name + ".anthropic.json");
            ObjectNode before = request.deepCopy();
            Fixtures.assertSameJson(MessagesInbound.toOpenAi(request), Fixtures.json("requests/" + name + ".openai.json"));
            assertThat(request).as("the request is not modified").isEqualTo(before);
        }));
    }

    @TestFactory
    Stream<DynamicTest> answers() {
        return Fixtures.cases("answers", ".openai.json").stream().map(name -> DynamicTest.dynamicTest(name, () ->
                Fixtures.assertSameJson(MessagesInbound.fromOpenAi(Fixtures.json("answers/" + name + ".openai.json")),
                        Fixtures.json("answers/" + name + ".anthropic.json"))));
    }

    @TestFactory
    Stream<DynamicTest> streams() {
        return Fixtures.cases("streams", ".chunks.jsonl").stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            MessagesStream stream = new MessagesStream();
            StringBuilder sse = new StringBuilder();
            for (String line : Fixtures.text("streams/" + name + ".chunks.jsonl").split("\n")) {
                if (line.isBlank()) continue;
                stream.onChunk(Json.parse(line)).forEach(e -> sse.append(e.toSse()));
            }
            stream.onEnd().forEach(e -> sse.append(e.toSse()));
            assertThat(sse.toString()).isEqualTo(Fixtures.text("streams/" + name + ".events.txt"));
            assertEventNamesMatchTypes(sse.toString());
        }));
    }

    @TestFactory
    Stream<DynamicTest> errors() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode row : Fixtures.json("errors.json")) {
            int status = row.get("status").intValue();
            JsonNode body = row.get("openai").isNull() ? null : row.get("openai");
            String type = row.get("anthropic").path("error").path("type").textValue();
            tests.add(DynamicTest.dynamicTest(status + " → " + type, () -> {
                MessagesInbound.Error error = MessagesInbound.errorFromOpenAi(status, body);
                assertThat(error.status()).isEqualTo(status);
                Fixtures.assertSameJson(error.anthropicError(), row.get("anthropic"));
                MessagesStream.Event event = MessagesStream.error(status, body);
                assertThat(event.name()).isEqualTo("error");
                Fixtures.assertSameJson(event.data(), row.get("anthropic"));
            }));
        }
        return tests.stream();
    }

    /** The SSE {@code event:} name always equals the data's {@code type}, as in the Anthropic API. */
    private static void assertEventNamesMatchTypes(String sse) throws IOException {
        for (String event : sse.split("\n\n")) {
            String[] lines = event.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[1]).startsWith("data: ");
            assertThat(lines[0]).isEqualTo("event: " + Json.parse(lines[1].substring(6)).get("type").textValue());
        }
    }
}
