package dev.tollgate.policy.usage;

import dev.tollgate.usage.Saturating;
import dev.tollgate.usage.TokenEstimate;
import dev.tollgate.wire.AnswerCodec;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Frame;
import dev.tollgate.wire.Interest;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a model generated in one answer, so its output tokens can be counted when the answer ends
 * without the upstream's usage (the caller left, the upstream cut or stalled, a policy ended it,
 * or the upstream never reports usage). Fed every event before any other policy changed or held
 * it back: the upstream bills what it generated, not what the caller was shown.
 *
 * <p>Frames nobody decoded are kept as they came and decoded only if their tokens are asked for,
 * so an answer whose usage arrives costs no parsing. Memory and the event loop's time stay
 * bounded however long the answer: past {@value #KEEP_FRAME_CHARS} characters of frames they are
 * reduced to their text, the first {@value #EXACT_TEXT_CHARS} characters of text are tokenized
 * exactly, and text beyond them is counted in characters and priced at the rate of the text
 * before it. Nothing is tokenized while the answer streams.
 */
final class GeneratedOutput {

    static final int KEEP_FRAME_CHARS = 256 << 10;
    static final int EXACT_TEXT_CHARS = 64 << 10;

    private final String model;
    private final AnswerCodec codec;
    private List<Frame> frames = new ArrayList<>();
    private long frameChars;
    private final StringBuilder text = new StringBuilder();
    /** Characters generated past the exactly counted text. */
    private long moreChars;

    /** @param model the model whose tokenizer counts the text; {@code codec} decodes kept frames */
    GeneratedOutput(String model, AnswerCodec codec) {
        this.model = model;
        this.codec = codec;
    }

    /** One event of the answer; events that carry no generated text are ignored. */
    void add(AnswerEvent e) {
        if (e instanceof AnswerEvent.Opaque o) {
            if (frames != null) {
                frameChars += size(o.frame());
                // Kept past its read: a copy of its own bytes, never the read's whole buffer.
                frames.add(o.frame().isWhole() ? o.frame() : Frame.of(o.frame().event().detached()));
                if (frameChars <= KEEP_FRAME_CHARS) return;
                for (Frame f : frames) appendDecoded(f);
                frames = null;
            } else {
                appendDecoded(o.frame());
            }
        } else {
            append(e);
        }
    }

    /** Whether anything was generated. */
    boolean isEmpty() {
        return moreChars == 0 && text.length() == 0 && (frames == null || frames.isEmpty());
    }

    /**
     * Output tokens of everything added: text, refusals, reasoning text, tool-call names and
     * arguments. At most {@value #EXACT_TEXT_CHARS} characters are tokenized, the rest estimated.
     */
    long tokens() {
        String exact = text();
        long tokens = TokenEstimate.completionTokens(model, exact);
        if (moreChars == 0 || exact.isEmpty()) return tokens;
        return Saturating.add(tokens, (long) Math.ceil((double) tokens * moreChars / exact.length()));
    }

    /** The generated text not yet counted, in order. */
    String text() {
        if (frames != null) {
            for (Frame f : frames) appendDecoded(f);
            frames = null;
        }
        return text.toString();
    }

    private void appendDecoded(Frame f) {
        for (AnswerEvent e : codec.decode(f, Interest.EVENTS)) append(e);
    }

    /** Text and tool calls as generated; REPEAT forms say again what their deltas said. */
    private void append(AnswerEvent e) {
        if (e instanceof AnswerEvent.Text t && t.form() != AnswerEvent.Form.REPEAT) {
            keep(t.text());
        } else if (e instanceof AnswerEvent.ToolCall c && c.form() != AnswerEvent.Form.REPEAT) {
            if (c.name() != null) keep(c.name());
            if (c.arguments() != null) keep(c.arguments());
        }
    }

    private void keep(String piece) {
        int room = EXACT_TEXT_CHARS - text.length();
        if (room >= piece.length()) {
            text.append(piece);
            return;
        }
        int cut = Math.max(0, room);
        if (cut > 0 && Character.isHighSurrogate(piece.charAt(cut - 1))) cut--;
        text.append(piece, 0, cut);
        moreChars += piece.length() - cut;
    }

    private static long size(Frame f) {
        if (f.isWhole()) return f.body().length();
        Buffer raw = f.event().raw();
        return raw == null ? 0 : raw.length();
    }
}
