package dev.tollgate.policy.screen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Screens streamed text that arrives in pieces, per stream position (a choice, an output part).
 * Each piece is appended to that position's pending text; everything except the last
 * {@link TextScreen#holdbackChars()} characters is released, screened; the tail waits for the next
 * piece, so a word or segment split across chunks is still caught. A match reaching into the tail
 * holds back from its start. The end of a position releases all that is left.
 */
public final class StreamScreen {

    /** Released characters kept before the pending text, so word boundaries are judged right. */
    private static final int CONTEXT_CHARS = 32;

    /**
     * However padded a stream is (invisible characters inside a word), no more than this many
     * times the matcher's holdback is ever held: the stream must keep flowing.
     */
    private static final int MAX_HOLD_FACTOR = 4;

    private final TextScreen screen;
    private final Map<Object, Pending> pending = new HashMap<>(4);

    private static final class Pending {
        final StringBuilder text = new StringBuilder();
        String context = "";
    }

    public StreamScreen(TextScreen screen) {
        this.screen = screen;
    }

    /** Text to send now for this position (already redacted), with its hits. */
    public TextScreen.Screened release(Object position, String piece, boolean last) {
        Pending p = pending.computeIfAbsent(position, k -> new Pending());
        p.text.append(piece);
        int from = p.context.length();
        String text = p.context + p.text;
        List<TextMatcher.Match> matches = screen.find(text);
        int cut = last ? text.length()
                : Math.max(from, Math.max(screen.stableLength(text), text.length() - MAX_HOLD_FACTOR * screen.holdbackChars()));
        if (!last) {
            // A match that is not wholly before the cut is not final yet: hold back from its start.
            for (TextMatcher.Match m : matches) {
                if (m.end() > cut && m.start() < cut && m.start() >= from) cut = m.start();
            }
            // Never split a surrogate pair.
            if (cut > from && Character.isHighSurrogate(text.charAt(cut - 1))) cut--;
        }
        TextScreen.Screened released = screen.apply(text, matches, from, cut);
        if (last) {
            pending.remove(position);
        } else if (cut > from) {
            p.text.delete(0, cut - from);
            p.context = text.substring(Math.max(0, cut - CONTEXT_CHARS), cut);
        }
        return released;
    }

    /** A whole text (a Responses API *.done event), screened at once. */
    public TextScreen.Screened screenWhole(String text) {
        return screen.screen(text);
    }

    /** Positions that still hold text (the stream ended without closing them). */
    public List<Object> open() {
        List<Object> out = new ArrayList<>();
        for (Map.Entry<Object, Pending> e : pending.entrySet()) if (e.getValue().text.length() > 0) out.add(e.getKey());
        return out;
    }
}
