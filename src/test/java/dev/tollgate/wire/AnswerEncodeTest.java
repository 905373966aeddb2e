package dev.tollgate.wire;

import dev.tollgate.api.Endpoint;
import dev.tollgate.wire.StreamChunk;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.wire.WireFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encoding what the chain made of a frame's events: changed values are written into the frame, a
 * dropped usage leaves it (and a frame left with nothing is not sent), added events join the
 * frame's own delta of the same position or become frames of their own, before or after it.
 */
class AnswerEncodeTest {

    /** A stream codec that has already seen these frames (it remembers item ids and the chunk envelope). */
    private static AnswerCodec after(Endpoint.Kind kind, StreamChunk... seen) {
        AnswerCodec codec = Codecs.of(kind);
        for (StreamChunk c : seen) codec.decode(Frame.of(c), Interest.EVENTS);
        return codec;
    }

    private record Decoded(AnswerCodec codec, StreamChunk chunk, Frame frame, List<AnswerEvent> in) {
        List<StreamChunk> encode(List<AnswerEvent> out) {
            return codec.encode(frame, in, out);
        }

        AnswerEvent.Text text(int i) {
            return (AnswerEvent.Text) in.get(i);
        }

        AnswerEvent.ToolCall tool(int i) {
            return (AnswerEvent.ToolCall) in.get(i);
        }

        List<AnswerEvent> without(int i) {
            List<AnswerEvent> out = new ArrayList<>(in);
            out.remove(i);
            return out;
        }
    }

    private static Decoded decode(AnswerCodec codec, String event, String data) {
        StreamChunk chunk = sse(event, data);
        Frame f = Frame.of(chunk);
        return new Decoded(codec, chunk, f, codec.decode(f, Interest.EVENTS));
    }

    private static AnswerEvent.Text added(int choice, String text) {
        return new AnswerEvent.Text(choice, 0, AnswerEvent.Channel.CONTENT, text, AnswerEvent.Form.DELTA, null);
    }

    private static AnswerEvent.ToolCall addedArgs(int choice, String args) {
        return new AnswerEvent.ToolCall(choice, 0, null, null, args, AnswerEvent.Form.DELTA, null);
    }

    private static final String CHAT_ENVELOPE = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"gpt-4o\",";

    // ---- replaced values ------------------------------------------------------------------------------

    @Test
    void aReplacedChatTextIsWrittenBack() {
        Decoded d = decode(Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS), null, CHAT_TEXT);
        List<StreamChunk> out = d.encode(List.of(d.text(1).withText("H*l")));
        assertThat(wire(out)).isEqualTo("data: " + CHAT_TEXT.replace("Hel", "H*l") + "\n\n");
        assertThat(out.get(0).raw()).isNull();
    }

    @Test
    void aReplacedLegacyTextIsWrittenBack() {
        Decoded d = decode(Codecs.of(Endpoint.Kind.COMPLETIONS), null, LEGACY_TEXT);
        assertThat(wire(d.encode(List.of(d.in().get(0), d.text(1).withText("H*l")))))
                .isEqualTo("data: " + LEGACY_TEXT.replace("Hel", "H*l") + "\n\n");
    }

    @Test
    void aReplacedResponsesDeltaKeepsItsEventName() {
        Decoded d = decode(Codecs.of(Endpoint.Kind.RESPONSES), "response.output_text.delta", R_TEXT_DELTA);
        assertThat(wire(d.encode(List.of(d.text(0).withText("H*l")))))
                .isEqualTo("event: response.output_text.delta\ndata: " + R_TEXT_DELTA.replace("Hel", "H*l") + "\n\n");
        Decoded done = decode(Codecs.of(Endpoint.Kind.RESPONSES), "response.output_text.done", R_TEXT_DONE);
        assertThat(wire(done.encode(List.of(done.in().get(0), done.text(1).withText("H***o")))))
                .isEqualTo("event: response.output_text.done\ndata: " + R_TEXT_DONE.replace("Hello", "H***o") + "\n\n");
    }

    @Test
    void replacedToolCallNamesAndArgumentsAreWrittenBack() {
        Decoded start = decode(Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS), null, CHAT_TOOL_START);
        assertThat(wire(start.encode(List.of(start.tool(1).with("get_****", "")))))
                .isEqualTo("data: " + CHAT_TOOL_START.replace("get_weather", "get_****") + "\n\n");
        Decoded args = decode(Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS), null, CHAT_TOOL_ARGS);
        assertThat(wire(args.encode(List.of(args.tool(1).with(null, "{\"****\":")))))
                .isEqualTo("data: " + CHAT_TOOL_ARGS.replace("city", "****") + "\n\n");

        Decoded item = decode(Codecs.of(Endpoint.Kind.RESPONSES), "response.output_item.added", R_FC_ADDED);
        assertThat(wire(item.encode(List.of(item.tool(0).with("get_****", "")))))
                .isEqualTo("event: response.output_item.added\ndata: " + R_FC_ADDED.replace("get_weather", "get_****") + "\n\n");
        Decoded delta = decode(Codecs.of(Endpoint.Kind.RESPONSES), "response.function_call_arguments.delta", R_ARGS_DELTA);
        assertThat(wire(delta.encode(List.of(delta.tool(0).with(null, "{\"****\":")))))
                .isEqualTo("event: response.function_call_arguments.delta\ndata: " + R_ARGS_DELTA.replace("city", "****") + "\n\n");
        Decoded done = decode(Codecs.of(Endpoint.Kind.RESPONSES), "response.function_call_arguments.done", R_ARGS_DONE);
        assertThat(wire(done.encode(List.of(done.in().get(0), done.tool(1).with(null, "{\"city\":\"****\"}")))))
                .isEqualTo("event: response.function_call_arguments.done\ndata: " + R_ARGS_DONE.replace("Paris", "****") + "\n\n");
    }

    @Test
    void replacedValuesInWholeAnswersAreWrittenBack() {
        AnswerCodec chat = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        Frame f = Frame.whole(Buffer.buffer(CHAT_WHOLE));
        List<AnswerEvent> in = chat.decode(f, Interest.EVENTS);
        List<AnswerEvent> out = new ArrayList<>(in);
        out.set(1, ((AnswerEvent.Text) in.get(1)).withText("H***o"));
        out.set(2, ((AnswerEvent.ToolCall) in.get(2)).with("get_****", "{\"city\":\"****\"}"));
        assertThat(chat.encodeWhole(f, in, out).toString())
                .isEqualTo(CHAT_WHOLE.replace("Hello", "H***o").replace("get_weather", "get_****").replace("Paris", "****"));

        AnswerCodec responses = Codecs.of(Endpoint.Kind.RESPONSES);
        Frame r = Frame.whole(Buffer.buffer(RESPONSES_WHOLE));
        List<AnswerEvent> rin = responses.decode(r, Interest.EVENTS);
        List<AnswerEvent> rout = new ArrayList<>(rin);
        rout.set(1, ((AnswerEvent.Text) rin.get(1)).withText("H***o"));
        rout.set(3, ((AnswerEvent.ToolCall) rin.get(3)).with("get_weather", "{\"city\":\"****\"}"));
        assertThat(responses.encodeWhole(r, rin, rout).toString()).isEqualTo(RESPONSES_WHOLE.replace("Hello", "H***o").replace("Paris", "****"));

        AnswerCodec legacy = Codecs.of(Endpoint.Kind.COMPLETIONS);
        Frame l = Frame.whole(Buffer.buffer(LEGACY_WHOLE));
        List<AnswerEvent> lin = legacy.decode(l, Interest.EVENTS);
        List<AnswerEvent> lout = new ArrayList<>(lin);
        lout.set(1, ((AnswerEvent.Text) lin.get(1)).withText("H***o"));
        assertThat(legacy.encodeWhole(l, lin, lout).toString()).isEqualTo(LEGACY_WHOLE.replace("Hello", "H***o"));
    }

    @Test
    void aReplacementWithTheSameTextKeepsTheOriginalBytes() {
        Decoded d = decode(Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS), null, CHAT_TEXT);
        assertThat(d.encode(List.of(d.text(1).withText("Hel")))).containsExactly(d.chunk());
    }

    // ---- dropped events ---------------------------------------------------------------------------------

    @Test
    void aDroppedUsageOnAUsageOnlyChunkDropsTheFrame() {
        for (Interest interest : List.of(Interest.EVENTS, Interest.USAGE)) {
            AnswerCodec chat = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
            Frame f = Frame.of(sse(CHAT_USAGE));
            List<AnswerEvent> in = chat.decode(f, interest);
            assertThat(chat.encode(f, in, List.of())).as("%s", interest).isEmpty();
        }
        AnswerCodec legacy = Codecs.of(Endpoint.Kind.COMPLETIONS);
        Frame f = Frame.of(sse(LEGACY_USAGE));
        assertThat(legacy.encode(f, legacy.decode(f, Interest.EVENTS), List.of())).isEmpty();
    }

    @Test
    void aDroppedUsageOnAChunkWithContentRemovesOnlyTheUsage() {
        String expected = "data: " + CHAT_ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n";
        Decoded d = decode(after(Endpoint.Kind.CHAT_COMPLETIONS, sse(CHAT_ROLE)), null, CHAT_TEXT_AND_USAGE);
        assertThat(d.in().get(2)).isInstanceOf(AnswerEvent.Usage.class);
        assertThat(wire(d.encode(d.without(2)))).isEqualTo(expected);

        AnswerCodec usageOnly = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        Frame f = Frame.of(sse(CHAT_TEXT_AND_USAGE));
        List<AnswerEvent> in = usageOnly.decode(f, Interest.USAGE);
        assertThat(show(in)).containsExactly("Start c1 gpt-4o", "Usage {\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8} @usage", "Opaque");
        assertThat(wire(usageOnly.encode(f, in, List.of(in.get(0), in.get(2))))).isEqualTo(expected);
    }

    @Test
    void aDroppedUsageInTheResponsesCompletedEventLeavesTheRest() {
        AnswerCodec codec = Codecs.of(Endpoint.Kind.RESPONSES);
        Frame f = Frame.of(sse("response.completed", R_COMPLETED));
        List<AnswerEvent> in = codec.decode(f, Interest.USAGE);
        assertThat(show(in)).containsExactly("Start resp_1 gpt-4o", "Usage {\"input_tokens\":5,\"output_tokens\":3,\"total_tokens\":8} @usage",
                "Opaque", "End");
        assertThat(wire(codec.encode(f, in, List.of(in.get(0), in.get(2), in.get(3)))))
                .isEqualTo("event: response.completed\ndata: " + R_COMPLETED.replace(",\"usage\":{\"input_tokens\":5,\"output_tokens\":3,\"total_tokens\":8}", "")
                        + "\n\n");
    }

    @Test
    void aDroppedWholeUsageIsRemoved() {
        AnswerCodec chat = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        Frame f = Frame.whole(Buffer.buffer(CHAT_WHOLE));
        List<AnswerEvent> in = chat.decode(f, Interest.EVENTS);
        List<AnswerEvent> out = new ArrayList<>(in);
        out.remove(4);
        assertThat(chat.encodeWhole(f, in, out).toString())
                .isEqualTo(CHAT_WHOLE.replace(",\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}", ""));
    }

    @Test
    void aDroppedTextEmptiesItsSlotOrDropsAFrameWithNothingElse() {
        Decoded alone = decode(after(Endpoint.Kind.CHAT_COMPLETIONS, sse(CHAT_ROLE)), null, CHAT_TEXT);
        assertThat(alone.encode(alone.without(0))).isEmpty();
        // the first frame also carries the answer's Start: it is still sent, with its text emptied
        Decoded first = decode(Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS), null, CHAT_TEXT);
        assertThat(wire(first.encode(first.without(1)))).isEqualTo("data: " + CHAT_TEXT.replace("Hel", "") + "\n\n");
        Decoded withFinish = decode(after(Endpoint.Kind.CHAT_COMPLETIONS, sse(CHAT_ROLE)), null, CHAT_TEXT_AND_USAGE);
        assertThat(wire(withFinish.encode(withFinish.without(0))))
                .isEqualTo("data: " + CHAT_TEXT_AND_USAGE.replace("\"content\":\"lo\"", "\"content\":\"\"") + "\n\n");
    }

    // ---- added (released) events ---------------------------------------------------------------------

    @Test
    void addedChatTextJoinsTheFramesOwnDeltaOfTheSamePosition() {
        Decoded d = decode(after(Endpoint.Kind.CHAT_COMPLETIONS, sse(CHAT_ROLE)), null, CHAT_TEXT);
        assertThat(wire(d.encode(List.of(d.text(0), added(0, "lo")))))
                .isEqualTo("data: " + CHAT_TEXT.replace("Hel", "Hello") + "\n\n");
    }

    @Test
    void addedChatTextBeforeTheFramesOwnDeltaIsAFrameOfItsOwnAndTheFrameKeepsItsBytes() {
        Decoded d = decode(after(Endpoint.Kind.CHAT_COMPLETIONS, sse(CHAT_ROLE)), null, CHAT_TEXT);
        List<StreamChunk> out = d.encode(List.of(added(0, "Oh, "), d.text(0)));
        assertThat(out).hasSize(2);
        assertThat(wire(out.subList(0, 1))).isEqualTo("data: " + CHAT_ENVELOPE
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Oh, \"},\"finish_reason\":null}]}\n\n");
        assertThat(out.get(1)).isSameAs(d.chunk());
        // another choice's text does not join this one's
        List<StreamChunk> other = d.encode(List.of(d.text(0), added(1, "x")));
        assertThat(wire(other)).isEqualTo("data: " + CHAT_TEXT + "\n\n" + "data: " + CHAT_ENVELOPE
                + "\"choices\":[{\"index\":1,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n");
    }

    @Test
    void textReleasedAtTheFinishOrTheDoneComesBeforeOrAfterItAsTheChainOrdered() {
        AnswerCodec codec = after(Endpoint.Kind.CHAT_COMPLETIONS, sse(CHAT_ROLE), sse(CHAT_TEXT));
        String released = "data: " + CHAT_ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n";
        Decoded finish = decode(codec, null, CHAT_FINISH);
        assertThat(wire(finish.encode(List.of(added(0, "lo"), finish.in().get(0))))).isEqualTo(released + "data: " + CHAT_FINISH + "\n\n");
        assertThat(wire(finish.encode(List.of(finish.in().get(0), added(0, "lo"))))).isEqualTo("data: " + CHAT_FINISH + "\n\n" + released);

        Decoded done = decode(codec, null, "[DONE]");
        List<StreamChunk> out = done.encode(List.of(added(0, "lo"), done.in().get(0)));
        assertThat(wire(out)).isEqualTo(released + "data: [DONE]\n\n");
        assertThat(out.get(1)).isSameAs(done.chunk());
    }

    @Test
    void addedToolCallArgumentsJoinTheDeltaOrBecomeAToolCallChunk() {
        AnswerCodec codec = after(Endpoint.Kind.CHAT_COMPLETIONS, sse(CHAT_ROLE), sse(CHAT_TOOL_START));
        Decoded args = decode(codec, null, CHAT_TOOL_ARGS);
        assertThat(wire(args.encode(List.of(args.tool(0), addedArgs(0, "\"Paris\"}")))))
                .isEqualTo("data: " + CHAT_TOOL_ARGS.replace("{\\\"city\\\":", "{\\\"city\\\":\\\"Paris\\\"}") + "\n\n");
        Decoded finish = decode(codec, null, CHAT_FINISH);
        assertThat(wire(finish.encode(List.of(addedArgs(0, "\"Paris\"}"), finish.in().get(0))))).isEqualTo("data: " + CHAT_ENVELOPE
                + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},"
                + "\"finish_reason\":null}]}\n\n" + "data: " + CHAT_FINISH + "\n\n");
    }

    @Test
    void addedLegacyTextJoinsOrIsSentAsATextCompletionChunk() {
        AnswerCodec codec = Codecs.of(Endpoint.Kind.COMPLETIONS);
        Decoded text = decode(codec, null, LEGACY_TEXT);
        assertThat(wire(text.encode(List.of(text.in().get(0), text.text(1), added(0, "lo")))))
                .isEqualTo("data: " + LEGACY_TEXT.replace("Hel", "Hello") + "\n\n");
        Decoded done = decode(codec, null, "[DONE]");
        assertThat(wire(done.encode(List.of(added(0, "lo"), done.in().get(0))))).isEqualTo("data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\","
                + "\"created\":7,\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[{\"index\":0,\"text\":\"lo\",\"finish_reason\":null}]}\n\n"
                + "data: [DONE]\n\n");
    }

    @Test
    void addedResponsesTextAndArgumentsAreDeltaEventsOfTheirItem() {
        AnswerCodec codec = after(Endpoint.Kind.RESPONSES, sse("response.created", R_CREATED), sse("response.output_item.added", R_MSG_ADDED),
                sse("response.content_part.added", R_PART_ADDED));
        Decoded delta = decode(codec, "response.output_text.delta", R_TEXT_DELTA);
        assertThat(wire(delta.encode(List.of(delta.text(0), added(0, "lo")))))
                .isEqualTo("event: response.output_text.delta\ndata: " + R_TEXT_DELTA.replace("Hel", "Hello") + "\n\n");

        Decoded done = decode(codec, "response.output_text.done", R_TEXT_DONE);
        List<StreamChunk> out = done.encode(List.of(added(0, "lo"), done.in().get(0), done.in().get(1)));
        // The added delta takes the next number (4); the upstream's own event moves up to 5.
        assertThat(wire(out)).isEqualTo("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\","
                + "\"output_index\":0,\"content_index\":0,\"delta\":\"lo\",\"sequence_number\":4}\n\n"
                + "event: response.output_text.done\ndata: " + R_TEXT_DONE.replace("\"sequence_number\":4", "\"sequence_number\":5") + "\n\n");

        decode(codec, "response.output_item.added", R_FC_ADDED);
        Decoded args = decode(codec, "response.function_call_arguments.delta", R_ARGS_DELTA);
        assertThat(wire(args.encode(List.of(args.tool(0), addedArgs(1, "\"Paris\"}")))))
                .isEqualTo("event: response.function_call_arguments.delta\ndata: "
                        + R_ARGS_DELTA.replace("{\\\"city\\\":", "{\\\"city\\\":\\\"Paris\\\"}").replace("\"sequence_number\":6", "\"sequence_number\":7") + "\n\n");
        Decoded argsDone = decode(codec, "response.function_call_arguments.done", R_ARGS_DONE);
        assertThat(wire(argsDone.encode(List.of(addedArgs(1, "\"Paris\"}"), argsDone.in().get(0), argsDone.in().get(1)))))
                .isEqualTo("event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\","
                        + "\"item_id\":\"fc_1\",\"output_index\":1,\"delta\":\"\\\"Paris\\\"}\",\"sequence_number\":8}\n\n"
                        + "event: response.function_call_arguments.done\ndata: " + R_ARGS_DONE.replace("\"sequence_number\":7", "\"sequence_number\":9") + "\n\n");
    }

    @Test
    void wholeAnswersTakeAddedTextIntoTheChoice() {
        AnswerCodec chat = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        Frame f = Frame.whole(Buffer.buffer(CHAT_WHOLE));
        List<AnswerEvent> in = chat.decode(f, Interest.EVENTS);
        List<AnswerEvent> out = new ArrayList<>(in);
        out.add(out.size() - 1, added(0, " there"));
        assertThat(chat.encodeWhole(f, in, out).toString()).isEqualTo(CHAT_WHOLE.replace("Hello", "Hello there"));

        AnswerCodec legacy = Codecs.of(Endpoint.Kind.COMPLETIONS);
        Frame l = Frame.whole(Buffer.buffer(LEGACY_WHOLE));
        List<AnswerEvent> lin = legacy.decode(l, Interest.EVENTS);
        List<AnswerEvent> lout = new ArrayList<>(lin);
        lout.add(lout.size() - 1, added(0, " there"));
        assertThat(legacy.encodeWhole(l, lin, lout).toString()).isEqualTo(LEGACY_WHOLE.replace("Hello", "Hello there"));
    }
}
