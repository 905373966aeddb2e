package dev.tollgate.observe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.AnswerMode;
import dev.tollgate.support.Answers.Answer;
import dev.tollgate.support.Answers.Api;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POLICY_LOG_RESPONSE: the request log records the answer the caller was shown and its usage,
 * whole and streamed, in chat, legacy completions and the Responses API. (A whole answer is
 * logged as its body, a stream as a summary of its text; the text and usage must agree.)
 */
class RequestLogAnswersTest extends GatewayTest {

    static List<Arguments> modes() {
        List<Arguments> out = new ArrayList<>();
        for (Api api : Api.values()) for (AnswerMode mode : AnswerMode.values()) out.add(Arguments.of(api, mode));
        return out;
    }

    /** The answer text in a logged response body: a whole body of the API, or a stream's summary. */
    static String loggedText(Api api, JsonNode body) {
        StringBuilder sb = new StringBuilder();
        body.path("choices").forEach(c -> sb.append(c.has("message") ? c.path("message").path("content").asText("") : c.path("text").asText("")));
        body.path("output").forEach(item -> item.path("content").forEach(p -> sb.append(p.path("text").asText(""))));
        return sb.toString();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void theLoggedAnswerIsTheOneShownWithItsUsage(Api api, AnswerMode mode) throws Exception {
        mode.answer(upstream, api, "That is bullshit, honestly. Bye.");
        start(Map.of("POLICY_LOG_RESPONSE", "true", "POLICY_RESPONSE_WORDLIST", "profanity:redact"));
        try (LogCapture logs = new LogCapture()) {
            Answer a = mode.call(gateway, api, api.request(null, "hi"));
            assertThat(a.text()).isEqualTo("That is ****, honestly. Bye.");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(loggedText(api, line.path("response").path("body"))).as(line.toString()).isEqualTo("That is ****, honestly. Bye.");
            assertThat(line.path("response").toString()).doesNotContain("bullshit"); // the finding names it; the logged answer must not
            JsonNode usage = line.path("response").path("usage");
            assertThat(usage.path("total_tokens").asInt()).as(line.toString()).isEqualTo(11);
            assertThat(line.path("status").asInt()).isEqualTo(200);
            assertThat(line.path("request").path("stream").asBoolean()).isEqualTo(mode.streamed());
        }
    }
}
