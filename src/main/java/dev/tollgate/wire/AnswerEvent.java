package dev.tollgate.wire;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a model's answer says, one typed piece at a time, the same for whole answers and streams
 * and whatever API shape carried it. Codecs decode wire frames into these events and encode the
 * events policies let through back into frames; an event nobody changed keeps its frame's
 * original bytes. A whole answer is a stream of one frame: its events, then {@link End}.
 */
public sealed interface AnswerEvent {

    /** How much of a text an event carries. */
    enum Form {
        /** A piece of a streamed text; the next piece continues it. */
        DELTA,
        /** The whole text at once (a whole answer). */
        WHOLE,
        /** The whole text again, after its deltas were streamed (Responses API {@code *.done} events). */
        REPEAT
    }

    /** Which text of an answer: what the model says, a refusal, or its reasoning. */
    enum Channel { CONTENT, REFUSAL, REASONING }

    /** The answer's identity, from its first frame. */
    record Start(String id, String model) implements AnswerEvent {}

    /**
     * Text of choice {@code choice}, part {@code part} (a Responses API content index; 0 elsewhere).
     * {@code slot} is where the text sits in its frame, so a changed text is written back there.
     */
    record Text(int choice, int part, Channel channel, String text, Form form, Slot slot) implements AnswerEvent {
        public Text withText(String replaced) {
            return new Text(choice, part, channel, replaced, form, slot);
        }

        /** Where in the answer this text streams: choice, part and channel. */
        public Object position() {
            Object at = part == 0 ? (Object) choice : choice + ":" + part;
            return channel == Channel.CONTENT ? at : channel + "/" + at;
        }
    }

    /**
     * A tool (function) call, or a piece of it: {@code index} counts calls within the choice; id
     * and name come with the call's first piece; {@code arguments} is a piece of the JSON arguments
     * (the whole of them when {@code form} is WHOLE or REPEAT). The slot holds the arguments and,
     * beside them, the name.
     */
    record ToolCall(int choice, int index, String id, String name, String arguments, Form form, Slot slot) implements AnswerEvent {
        public ToolCall with(String newName, String newArguments) {
            return new ToolCall(choice, index, id, newName, newArguments, form, slot);
        }

        public Object position() {
            return "tool:" + choice + ":" + index;
        }
    }

    /** The upstream's token usage (an OpenAI usage object, chat or Responses style). */
    record Usage(JsonNode usage, Slot slot) implements AnswerEvent {}

    /** Choice {@code choice}'s text part {@code part} is complete; {@code reason} as the API gives it, or null. */
    record Finish(int choice, int part, String reason) implements AnswerEvent {
        public Object position() {
            return part == 0 ? (Object) choice : choice + ":" + part;
        }
    }

    /** The upstream reported an error in the answer; {@code message} is its own words. */
    record Failure(String message) implements AnswerEvent {}

    /** The answer is complete: {@code frame} is the terminal frame of a stream, or the whole answer. */
    record End(Frame frame) implements AnswerEvent {}

    /**
     * A frame whose content no applying policy asked to read: kept as it is, decoded later only if
     * someone asks (e.g. to count the tokens of a stream that ended without usage).
     */
    record Opaque(Frame frame) implements AnswerEvent {}
}
