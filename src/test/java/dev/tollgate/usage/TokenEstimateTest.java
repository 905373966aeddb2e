package dev.tollgate.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.Endpoint.Kind;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Counts must equal the real tiktoken's: the fixtures were computed once with OpenAI's tiktoken by
 * tools/token-fixtures/compute.mjs. The odd-input cases pin down "count what is countable".
 */
class TokenEstimateTest {

    @TestFactory
    List<DynamicTest> matchesTiktokenOnEveryFixture() throws IOException {
        JsonNode cases;
        try (InputStream in = TokenEstimateTest.class.getResourceAsStream("/tokens/fixtures.json")) {
            assertThat(in).as("src/test/resources/tokens/fixtures.json").isNotNull();
            cases = Json.MAPPER.readTree(in).get("cases");
        }
        assertThat(cases.size()).isGreaterThanOrEqualTo(25);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            String model = c.get("model").textValue();
            String kind = c.get("kind").textValue();
            long expected = c.get("expected").longValue();
            tests.add(DynamicTest.dynamicTest(model + ": " + c.get("name").textValue(), () -> {
                assertThat(TokenCounter.encodingTypeFor(model).getName()).isEqualTo(c.get("encoding").textValue());
                long actual = kind.equals("COMPLETION_TEXT")
                        ? TokenEstimate.completionTokens(model, c.get("text").textValue())
                        : TokenEstimate.promptTokens(model, c.get("request"), Kind.valueOf(kind));
                assertThat(actual).isEqualTo(expected);
            }));
        }
        return tests;
    }

    private static long chat(String model, String json) throws IOException {
        return TokenEstimate.promptTokens(model, Json.parse(json), Kind.CHAT_COMPLETIONS);
    }

    @Test
    void numbersWhereStringsAreExpectedCountNothing() throws IOException {
        assertThat(chat("gpt-4o", "{\"messages\":[{\"role\":7,\"content\":42,\"name\":3}]}")).isEqualTo(3 + 3);
        assertThat(TokenEstimate.promptTokens("gpt-4o", Json.parse("{\"prompt\":42}"), Kind.COMPLETIONS)).isZero();
        // 42 is a token id (1); "Say this is a test!" is 6; [1,2] two ids; [3] too deep; {"text":"x"} 1.
        assertThat(TokenEstimate.promptTokens("gpt-4o",
                Json.parse("{\"prompt\":[42,\"Say this is a test!\",[1,2,[3]],{\"text\":\"x\"},null,true]}"), Kind.COMPLETIONS))
                .isEqualTo(1 + 6 + 2 + 1);
        assertThat(TokenEstimate.promptTokens("text-embedding-3-small", Json.parse("{\"input\":{\"text\":\"x\"}}"), Kind.EMBEDDINGS)).isZero();
    }

    @Test
    void missingOrMistypedMessagesCountNothing() throws IOException {
        assertThat(chat("gpt-4o", "{\"model\":\"gpt-4o\"}")).isZero();
        assertThat(chat("gpt-4o", "{\"messages\":\"hi\"}")).isZero();
        assertThat(chat("gpt-4o", "{\"messages\":{}}")).isZero();
        assertThat(chat("gpt-4o", "{\"messages\":null}")).isZero();
        // Non-object entries are skipped; the one real message is the "plain English" fixture (13).
        assertThat(chat("gpt-4o", "{\"messages\":[1,\"x\",null,[],{\"role\":\"user\",\"content\":\"Say this is a test!\"}]}"))
                .isEqualTo(13);
    }

    @Test
    void nullContentCountsTheRest() throws IOException {
        assertThat(chat("gpt-4o", "{\"messages\":[{\"role\":\"user\",\"content\":null}]}")).isEqualTo(3 + 1 + 3);
        assertThat(chat("gpt-4", "{\"messages\":[{\"role\":\"user\"}]}")).isEqualTo(3 + 1 + 3);
    }

    @Test
    void oddContentPartsAndToolCalls() throws IOException {
        // 5, null, a non-string text: nothing; the image part: 85; "hi": 1.
        assertThat(chat("gpt-4o", "{\"messages\":[{\"role\":\"user\",\"content\":[5,null,{\"type\":\"text\",\"text\":7},"
                + "{\"type\":\"image_url\"},\"hi\"]}]}")).isEqualTo(3 + 1 + 85 + 1 + 3);
        // Only the name "x" of the last call is a string.
        assertThat(chat("gpt-4o", "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[5,{\"function\":\"x\"},"
                + "{\"function\":{\"name\":\"x\",\"arguments\":{\"a\":1}}}],\"function_call\":[]}]}")).isEqualTo(3 + 1 + 1 + 3);
    }

    @Test
    void oddToolDefinitions() throws IOException {
        // An empty function: 7 + ":" (1) + 12 closing.
        assertThat(chat("gpt-4o", "{\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":{}}]}")).isEqualTo(3 + 7 + 1 + 12);
        assertThat(chat("gpt-4o", "{\"messages\":[],\"tools\":[{\"type\":\"web_search\"},\"x\",5]}")).isEqualTo(3);
        assertThat(chat("gpt-4o", "{\"messages\":[],\"tools\":{}}")).isEqualTo(3);
        // "get_weather:" 3, properties 3, city 3, enum -3 (not an array: no items), "city::" 2.
        String enumNotArray = "{\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"parameters\":{\"properties\":{\"city\":{\"enum\":\"not an array\"}}}}}]}";
        assertThat(chat("gpt-4o", enumNotArray)).isEqualTo(3 + 7 + 3 + 3 + 3 - 3 + 2 + 12);
        assertThat(chat("gpt-4", enumNotArray)).isEqualTo(3 + 10 + 3 + 3 + 3 - 3 + 2 + 12);
    }

    @Test
    void oddResponsesInput() throws IOException {
        assertThat(TokenEstimate.promptTokens("gpt-5", Json.parse("{\"input\":5,\"instructions\":7}"), Kind.RESPONSES)).isZero();
        assertThat(TokenEstimate.promptTokens("gpt-5", Json.parse("{\"input\":[]}"), Kind.RESPONSES)).isEqualTo(3);
        // Only the object item counts: 3 + "user" 1 + "hi" 1 (the file part counts nothing), + 3 priming.
        assertThat(TokenEstimate.promptTokens("gpt-5", Json.parse("{\"input\":[\"hi\",3,{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"input_text\",\"text\":\"hi\"},{\"type\":\"input_file\",\"file_id\":\"f\"}]}]}"), Kind.RESPONSES))
                .isEqualTo(3 + 1 + 1 + 3);
    }

    @Test
    void nothingToCount() throws IOException {
        JsonNode plain = Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"Say this is a test!\"}]}");
        assertThat(TokenEstimate.promptTokens("gpt-4o", Json.parse("[1,2]"), Kind.CHAT_COMPLETIONS)).isZero();
        assertThat(TokenEstimate.promptTokens("gpt-4o", null, Kind.CHAT_COMPLETIONS)).isZero();
        assertThat(TokenEstimate.promptTokens("gpt-4o", plain, null)).isZero();
        assertThat(TokenEstimate.promptTokens("gpt-4o", plain, Kind.OTHER)).isZero();
        assertThat(TokenEstimate.promptTokens("gpt-4o", plain, Kind.IMAGES_GENERATIONS)).isZero();
        assertThat(TokenEstimate.promptTokens(null, plain, Kind.CHAT_COMPLETIONS)).isEqualTo(13);
    }

    @Test
    void completionTextWithoutModelOrText() {
        assertThat(TokenEstimate.completionTokens("gpt-4o", null)).isZero();
        assertThat(TokenEstimate.completionTokens(null, "Say this is a test!")).isEqualTo(6);
        assertThat(TokenEstimate.completionTokens("llama-3.1-70b", "Say this is a test!")).isEqualTo(6);
    }
}
