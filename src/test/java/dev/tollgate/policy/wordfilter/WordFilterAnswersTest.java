package dev.tollgate.policy.wordfilter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.AnswerMode;
import dev.tollgate.support.Answers;
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

/** POLICY_RESPONSE_WORDLIST on answers: every case whole and streamed, in chat, legacy completions and the Responses API. */
class WordFilterAnswersTest extends GatewayTest {

    static final String BLOCKED = "{\"error\":{\"message\":\"Blocked by policy word-filter: the answer contains terms from the "
            + "'profanity' word list.\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"word_list_blocked\"}}";

    /** Every API in both modes. */
    static List<Arguments> modes() {
        List<Arguments> out = new ArrayList<>();
        for (Api api : Api.values()) for (AnswerMode mode : AnswerMode.values()) out.add(Arguments.of(api, mode));
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void redactReplacesEveryMatchWhereverTheChunksAreCut(Api api, AnswerMode mode) throws Exception {
        mode.answer(upstream, api, "Well, that was bullshit and total crap. Moving on.");
        start(Map.of("POLICY_RESPONSE_WORDLIST", "profanity:redact"));
        try (LogCapture logs = new LogCapture()) {
            Answer a = mode.call(gateway, api, api.request(null, "hi"));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.text()).isEqualTo("Well, that was **** and total ****. Moving on.");
            assertThat(a.error()).isNull();
            assertThat(a.complete()).isTrue();
            assertThat(a.raw()).doesNotContain("bullshit").doesNotContain("crap");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"profanity\",\"description\":\"response matched 'bullshit'\","
                    + "\"policy\":\"word-filter\",\"action\":\"redact\"},{\"type\":\"profanity\",\"description\":\"response matched 'crap'\","
                    + "\"policy\":\"word-filter\",\"action\":\"redact\"}]");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void blockRefusesNamingTheListAndShowsNothingAfterTheTerm(Api api, AnswerMode mode) throws Exception {
        mode.answer(upstream, api, "All good so far. But then: you piece of shit, and more words after that one.");
        start(Map.of("POLICY_RESPONSE_WORDLIST", "profanity:block"));
        Answer a = mode.call(gateway, api, api.request(null, "hi"));
        assertThat(a.error()).isEqualTo(Answers.errorSeen(api, mode, BLOCKED));
        assertThat(a.complete()).isFalse();
        assertThat(a.raw()).doesNotContain("shit").doesNotContain("more words");
        // Whole: a 403 and no answer. Streamed: the head was sent (200), text before the term may have been.
        if (mode == AnswerMode.WHOLE) assertThat(a.status()).isEqualTo(403);
        else assertThat(a.status()).isEqualTo(200);
        assertThat("All good so far. But then: you piece of ").startsWith(a.text() == null ? "" : a.text());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void auditLogsTheFindingAndChangesNothing(Api api, AnswerMode mode) throws Exception {
        String text = "That is bullshit, honestly.";
        mode.answer(upstream, api, text);
        start(Map.of("POLICY_RESPONSE_WORDLIST", "profanity:audit"));
        try (LogCapture logs = new LogCapture()) {
            Answer a = mode.call(gateway, api, api.request(null, "hi"));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.text()).isEqualTo(text);
            assertThat(a.complete()).isTrue();
            assertThat(a.raw()).doesNotContain("word-filter").doesNotContain("profanity");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("flags").toString()).isEqualTo("[{\"type\":\"profanity\",\"description\":\"response matched 'bullshit'\","
                    + "\"policy\":\"word-filter\",\"action\":\"audit\"}]");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void cleanAnswersPassUnchangedAndTheirUsageIsRecorded(Api api, AnswerMode mode) throws Exception {
        String text = "Scunthorpe title assistant classic cocktail passage.";
        mode.answer(upstream, api, text);
        start(Map.of("POLICY_RESPONSE_WORDLIST", "profanity:block,adult:block"));
        try (LogCapture logs = new LogCapture()) {
            Answer a = mode.call(gateway, api, api.request(null, "hi"));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.text()).isEqualTo(text);
            assertThat(a.complete()).isTrue();
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("flags").isMissingNode() || line.path("flags").isEmpty()).as(line.toString()).isTrue();
            assertThat(line.path("response").path("usage").path("total_tokens").asInt()).as(line.toString()).isEqualTo(11);
        }
    }
}
