package dev.tollgate.policy.usage;

import dev.tollgate.api.Endpoint;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.usage.TokenEstimate;
import dev.tollgate.wire.AnswerCodec;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Codecs;
import dev.tollgate.wire.Frame;
import dev.tollgate.wire.Interest;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The text of every stream shape is found, and counting stays exact while memory stays bounded. */
class GeneratedOutputTest {

    private static final String MODEL = "gpt-4o";

    /** Events of one stream as the usage policy gets them: frames decoded for usage only, kept opaque. */
    private static GeneratedOutput of(Endpoint.Kind kind, String... events) {
        AnswerCodec relay = Codecs.of(kind);
        GeneratedOutput out = new GeneratedOutput(MODEL, Codecs.of(kind));
        for (String e : events) add(relay, out, e);
        return out;
    }

    private static void add(AnswerCodec relay, GeneratedOutput out, String data) {
        StreamChunk chunk = new StreamChunk(null, data, data == null ? Buffer.buffer("\n") : Buffer.buffer("data: " + data + "\n\n"));
        for (AnswerEvent e : relay.decode(Frame.of(chunk), Interest.USAGE)) out.add(e);
    }

    private static GeneratedOutput of(String... events) {
        return of(Endpoint.Kind.CHAT_COMPLETIONS, events);
    }

    @Test
    void chatChunksGiveEveryChoicesContentRefusalReasoningAndToolCalls() {
        GeneratedOutput out = of(
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
        assertThat(of(Endpoint.Kind.COMPLETIONS, "{\"choices\":[{\"index\":0,\"text\":\"once\"},{\"index\":1,\"text\":\" twice\"}]}").text()).isEqualTo("once twice");
    }

    @Test
    void responsesEventsGiveTextDeltasAndFunctionNamesButNotAudioOrFinalCopies() {
        GeneratedOutput out = of(Endpoint.Kind.RESPONSES,
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
        GeneratedOutput out = of(Endpoint.Kind.CHAT_COMPLETIONS, (String) null, "", "[DONE]", "not json", "{\"choices\":\"x\"}", "{\"choices\":[{\"delta\":{\"content\":7}}]}",
                "{\"type\":\"response.output_text.delta\",\"delta\":{\"text\":\"x\"}}", "{broken");
        assertThat(out.text()).isEmpty();
        assertThat(out.tokens()).isZero();
    }

    @Test
    void aStreamLongerThanTheBoundsIsCountedExactlyUpToThemAndByRateBeyond() {
        String word = " tide";
        String event = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word + "\"}}]}";
        int n = 4 * GeneratedOutput.KEEP_FRAME_CHARS / event.length();
        AnswerCodec relay = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        GeneratedOutput out = new GeneratedOutput(MODEL, Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS));
        for (int i = 0; i < n; i++) add(relay, out, event);
        // What is held is at most the exactly counted text; the rest is priced at its rate.
        String held = out.text();
        assertThat(held.length()).isEqualTo(GeneratedOutput.EXACT_TEXT_CHARS);
        long exact = TokenEstimate.completionTokens(MODEL, held);
        long rest = (long) word.length() * n - held.length();
        assertThat(out.tokens()).isEqualTo(exact + (long) Math.ceil((double) exact * rest / held.length()));
        // One token per " tide": the estimate is off by at most the cut word and the rounding up.
        assertThat(Math.abs(out.tokens() - TokenEstimate.completionTokens(MODEL, word.repeat(n)))).isLessThanOrEqualTo(2);
    }
}
