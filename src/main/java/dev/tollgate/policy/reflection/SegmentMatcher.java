package dev.tollgate.policy.reflection;

import dev.tollgate.policy.screen.TextMatcher;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds protected prompt segments in a response, ignoring case and whitespace: "Secret Plan"
 * is found in "the secretplan" and in "SECRET\n  PLAN". Segments shorter than
 * {@link #MIN_CHARS} non-space characters are not searched for: they would match everywhere.
 */
final class SegmentMatcher implements TextMatcher {

    static final int MIN_CHARS = 4;
    static final String LABEL = "prompt_reflection";

    private final List<String> segments = new ArrayList<>();
    private final int holdback;

    SegmentMatcher(List<String> protectedSegments) {
        int longest = 0;
        for (String s : protectedSegments) {
            String n = squeeze(s, null);
            if (n.length() >= MIN_CHARS && !segments.contains(n)) {
                segments.add(n);
                longest = Math.max(longest, n.length());
            }
        }
        // The answer may spread a segment out with whitespace: allow twice its length plus a margin.
        this.holdback = longest == 0 ? 0 : longest * 2 + 16;
    }

    boolean isEmpty() {
        return segments.isEmpty();
    }

    @Override
    public int holdbackChars() {
        return holdback;
    }

    @Override
    public List<Match> find(String text) {
        if (segments.isEmpty()) return List.of();
        List<Integer> map = new ArrayList<>(text.length());
        String squeezed = squeeze(text, map);
        List<Match> found = new ArrayList<>();
        for (String seg : segments) {
            int from = 0;
            while (true) {
                int i = squeezed.indexOf(seg, from);
                if (i < 0) break;
                int end = i + seg.length();
                found.add(new Match(map.get(i), map.get(end - 1) + 1, LABEL));
                from = end;
            }
        }
        found.sort((a, b) -> a.start() != b.start() ? Integer.compare(a.start(), b.start()) : Integer.compare(b.end(), a.end()));
        List<Match> out = new ArrayList<>(found.size());
        int reached = -1;
        for (Match m : found) {
            if (m.start() >= reached) {
                out.add(m);
                reached = m.end();
            }
        }
        return out;
    }

    /** Lower-cased text without whitespace; {@code map} gets each kept char's original index. */
    private static String squeeze(String text, List<Integer> map) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) continue;
            sb.append(Character.toLowerCase(c));
            if (map != null) map.add(i);
        }
        // Character.toLowerCase keeps one char per char, so the index map stays exact.
        return sb.toString();
    }
}
