package dev.tollgate.usage;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The text of every stream shape is found, and counting stays exact while memory stays bounded. */
class StreamedOutputTest {

    private static final String MODEL = "gpt-4o";

    private static StreamedOutput of(String... events) {
        StreamedOutput out = new StreamedOutput(MODEL);
        for (String e : events) out.add(e);
        return out;
    }

    @Test
    void chatChunksGiveEveryChoicesContentRefusalReasoningAndToolCalls() {
        StreamedOutput out = of(
                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"A\"}},{\"index\":1,\"delta\":{\"content\":\"B\"}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"C\"}},{\"index\":1,\"delta\":{\"reasoning_content\":\"D\"}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\"\"}},"
                        + "{\"index\":1,\"function\":{\"arguments\":\":1}\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"function_call\":{\"name\":\"g\",\"arguments\":\"()\"}}}]}",
                "{\"choices\":[],\"usage\":null}");
        assertThat(out.text()).isEqualTo("ABCDf{\"x\":1}g()");
    }

    @Test
    void legacyCompletionsGiveTheirText() {
        assertThat(of("{\"choices\":[{\"index\":0,\"text\":\"once\"},{\"index\":1,\"text\":\" twice\"}]}").text()).isEqualTo("once twice");
    }

    @Test
    void responsesEventsGiveTextDeltasAndFunctionNamesButNotAudioOrFinalCopies() {
        StreamedOutput out = of(
                "{\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"output\":[]}}",
                "{\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}",
                "{\"type\":\"response.output_text.done\",\"text\":\"Hi\"}",
                "{\"type\":\"response.refusal.delta\",\"delta\":\" no\"}",
                "{\"type\":\"response.reasoning_summary_text.delta\",\"delta\":\" think\"}",
                "{\"type\":\"response.output_item.added\",\"item\":{\"type\":\"function_call\",\"name\":\"lookup\"}}",
                "{\"type\":\"response.function_call_arguments.delta\",\"delta\":\"{}\"}",
                "{\"type\":\"response.function_call_arguments.done\",\"arguments\":\"{}\"}",
                "{\"type\":\"response.audio.delta\",\"delta\":\"UklGRg==\"}");
        assertThat(out.text()).isEqualTo("Hi no thinklookup{}");
    }

    @Test
    void malformedAndForeignEventsCountNothing() {
        StreamedOutput out = of(null, "", "[DONE]", "not json", "{\"choices\":\"x\"}", "{\"choices\":[{\"delta\":{\"content\":7}}]}",
                "{\"type\":\"response.output_text.delta\",\"delta\":{\"text\":\"x\"}}", "{broken");
        assertThat(out.text()).isEmpty();
        assertThat(out.tokens()).isZero();
    }

    @Test
    void aStreamLongerThanTheBoundsIsStillCountedExactly() {
        String word = " tide";
        String event = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word + "\"}}]}";
        int n = (StreamedOutput.KEEP_EVENT_CHARS + 4 * StreamedOutput.KEEP_TEXT_CHARS) / event.length();
        StreamedOutput out = new StreamedOutput(MODEL);
        for (int i = 0; i < n; i++) out.add(event);
        // Past the bounds what is held is only the text not yet counted.
        assertThat(out.text().length()).isLessThanOrEqualTo(StreamedOutput.KEEP_TEXT_CHARS);
        assertThat(out.tokens()).isEqualTo(TokenEstimate.completionTokens(MODEL, word.repeat(n)));
    }
}
