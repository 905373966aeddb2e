package dev.tollgate.policy.screen;

import dev.tollgate.chain.Finding;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Applies a matcher's findings to text: audit (note it), redact (replace the span with the
 * redaction string) or block. Shared by the word-list and prompt-reflection policies.
 */
public final class TextScreen {

    private final TextMatcher matcher;
    private final Function<String, Finding.Action> actionOf;
    private final String redaction;

    public TextScreen(TextMatcher matcher, Function<String, Finding.Action> actionOf, String redaction) {
        this.matcher = matcher;
        this.actionOf = actionOf;
        this.redaction = redaction;
    }

    /** One match and what was done about it. */
    public record Hit(TextMatcher.Match match, Finding.Action action, String matchedText) {}

    /** The text after redaction, every hit, and the first blocking hit (or null). */
    public record Screened(String text, List<Hit> hits, Hit block) {
        public boolean changed(String original) {
            return !text.equals(original);
        }
    }

    public int holdbackChars() {
        return matcher.holdbackChars();
    }

    public Screened screen(String text) {
        List<TextMatcher.Match> matches = matcher.find(text);
        if (matches.isEmpty()) return new Screened(text, List.of(), null);
        return apply(text, matches, 0, text.length());
    }

    /**
     * Screens text[from, limit): applies the matches that lie inside it; the result holds only
     * that range. The stream screen uses it on the part of its buffer it releases, with already
     * released text before {@code from} as context for word boundaries.
     */
    Screened apply(String text, List<TextMatcher.Match> matches, int from, int limit) {
        StringBuilder out = new StringBuilder(limit - from);
        List<Hit> hits = new ArrayList<>();
        Hit block = null;
        int pos = from;
        for (TextMatcher.Match m : matches) {
            if (m.start() < from) continue;
            if (m.end() > limit) break;
            Finding.Action action = actionOf.apply(m.label());
            if (action == null) continue;
            Hit hit = new Hit(m, action, text.substring(m.start(), m.end()));
            hits.add(hit);
            if (action == Finding.Action.BLOCK && block == null) block = hit;
            if (action == Finding.Action.REDACT) {
                out.append(text, pos, m.start()).append(redaction);
                pos = m.end();
            }
        }
        out.append(text, pos, limit);
        return new Screened(out.toString(), hits, block);
    }

    List<TextMatcher.Match> find(String text) {
        return matcher.find(text);
    }

    int stableLength(String text) {
        return matcher.stableLength(text);
    }
}
