package dev.tollgate.policy.screen;

import java.util.List;

/** Finds labelled spans in text: word-list entries, protected prompt segments. */
public interface TextMatcher {

    /** A found span of the original text [start, end), with the label that decides its action. */
    record Match(int start, int end, String label) {}

    /** Non-overlapping matches, in order of their start. */
    List<Match> find(String text);

    /**
     * How many trailing characters a stream must hold back so that a match still being written
     * (split across chunks) is found once the rest arrives.
     */
    int holdbackChars();

    /**
     * How much of a growing text is final: no match can start before this index once more text
     * arrives. The default holds back {@link #holdbackChars()}; a matcher may know better.
     */
    default int stableLength(String text) {
        return Math.max(0, text.length() - holdbackChars());
    }
}
