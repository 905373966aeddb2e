package dev.tollgate.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code finish_reason} values of an answer (chat and completions, OpenAI's format, as the
 * chain sees every provider's answers), found by a text search rather than a parse: only traced
 * requests pay for it. Inside a JSON string a quote is always escaped, so the key's text cannot
 * come from answer text.
 */
final class FinishReasons {

    private static final String KEY = "\"finish_reason\"";
    /** Distinct reasons kept: one per choice is the most an answer has; this bounds a strange one. */
    private static final int MAX = 8;

    private List<String> reasons;

    /** Notes every non-null reason in this JSON text (a stream event's data, or a whole answer). */
    void scan(CharSequence json) {
        if (json == null) return;
        String s = json.toString();
        int from = 0;
        int at;
        while ((at = s.indexOf(KEY, from)) >= 0) {
            from = at + KEY.length();
            int i = skipSpace(s, from);
            if (i >= s.length() || s.charAt(i) != ':') continue;
            i = skipSpace(s, i + 1);
            if (i >= s.length() || s.charAt(i) != '"') continue;
            int end = s.indexOf('"', i + 1);
            if (end < 0) return;
            add(s.substring(i + 1, end));
            from = end + 1;
        }
    }

    private void add(String reason) {
        if (reason.isEmpty() || reason.indexOf('\\') >= 0) return;
        if (reasons == null) reasons = new ArrayList<>(1);
        if (!reasons.contains(reason) && reasons.size() < MAX) reasons.add(reason);
    }

    /** The reasons seen, in order of first appearance; empty when none. */
    List<String> values() {
        return reasons == null ? List.of() : reasons;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\r' || s.charAt(i) == '\t')) i++;
        return i;
    }
}
