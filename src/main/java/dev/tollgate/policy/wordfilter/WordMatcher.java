package dev.tollgate.policy.wordfilter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds the entries of several named word lists in a text, in one pass over the text for all lists
 * together.
 *
 * <p><b>What matches.</b> Entries and text are both read through {@link TextNormalizer} (invisible chars
 * removed, NFKC, look-alikes and case folded, accents stripped, whitespace runs collapsed to one space),
 * so "FUCK", "ＦＵＣＫ", "f\u200Buck", "fück" and Cyrillic "fuсk" all match the entry "fuck", and the
 * phrase "ignore all previous instructions" matches "Ignore  all\nprevious instructions". Entries match
 * as whole words: where an entry begins with a letter or digit, the normalized char before the match
 * must not be a word char, and likewise at its end ("shit!" and "(shit)" match "shit"; "shitake",
 * "Scunthorpe", "assistant" contain no entry). An entry edge that is punctuation ("&lt;|im_start|&gt;")
 * needs no boundary. Word chars are letters, digits and combining marks, except letters of scripts
 * written without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar): each of
 * those counts as a word of its own, so an entry in those scripts matches inside a sentence and an
 * English entry matches right next to them. An underscore is a boundary ("fuck_you" matches "fuck").
 *
 * <p><b>Which matches are reported.</b> Matches never overlap: among the whole-word candidates the
 * leftmost wins, and at the same start the longest ("son of a bitch" over "son of a"; "motherfucker"
 * is one word so "fucker" cannot match inside it anyway). Offsets are char offsets into the ORIGINAL
 * text, end exclusive; the span covers invisible chars inside the match and combining marks on its
 * last letter.
 *
 * <p><b>Entries present in several lists.</b> Two entries that normalize to the same text are one
 * entry; the first list in the map's iteration order keeps it (and its spelling is reported in
 * {@link Match#entry()}). Build the matcher with lists in order of precedence, e.g. the list whose
 * action is the strictest first. Entries that normalize to nothing are ignored.
 *
 * <p><b>Why not a library.</b> {@code org.ahocorasick:ahocorasick} was considered: its latest release is
 * 0.6.3 (late 2020), with no release and little activity since; its whole-word check looks only at
 * {@link Character#isAlphabetic} (digits are not word chars, combining marks and surrogate pairs are not
 * handled), it lower-cases char by char with no offset mapping (its issue #39: wrong offsets when
 * lower-casing changes the length), and it resolves overlaps with an interval tree after collecting
 * every raw hit, including hits that fail the boundary test. We would have to normalize first, run it
 * on the normalized text, and re-check boundaries ourselves, keeping little of it. The automaton below
 * is about a hundred lines and does exactly what we need: it reports, for every position, the entries
 * ending there, and only looks at them when the char after that position is a word boundary.
 *
 * <p>Immutable and thread-safe once built; build it once and share it.
 */
public final class WordMatcher {

    /**
     * One match: {@code [start, end)} in the ORIGINAL text, the list it came from, and the entry as it
     * was written in that list.
     */
    public record Match(int start, int end, String list, String entry) {
        public Match {
            Objects.requireNonNull(list, "list");
            Objects.requireNonNull(entry, "entry");
            if (start < 0 || end <= start) throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }

        /** The matched chars of the original text this match was found in. */
        public String textIn(CharSequence original) {
            return original.subSequence(start, end).toString();
        }
    }

    /** The bundled list names, in the order {@link #builtIn(List)} gives them precedence. */
    public static final List<String> BUILT_IN_LISTS = List.of("profanity", "adult", "dan");

    /** Name of the list made from {@code POLICY_CUSTOM_WORDLIST}. */
    public static final String CUSTOM_LIST = "custom";

    // Patterns, by id.
    private final String[] patternList;
    private final String[] patternEntry;
    private final int[] patternLength;       // normalized length in chars
    private final boolean[] needLeftBoundary;
    private final boolean[] needRightBoundary;

    // Automaton: state 0 is the root. Transitions of state s are keys[s] (sorted) -> targets[s].
    private final char[][] keys;
    private final int[][] targets;
    private final int[] fail;
    private final int[] output;      // pattern ending exactly at this state, or -1
    private final int[] dictLink;    // nearest state down the fail chain with an output, or -1
    private final int[] depth;       // length of the entry prefix a state stands for
    /**
     * Dense transitions for ASCII input: {@code ascii[state * 128 + c]} is the state after reading
     * {@code c}, fail links already followed. Normalised text is mostly ASCII, so matching costs one
     * array read per character; other characters take the sparse path.
     */
    private final int[] ascii;

    private final int maxEntryLength;
    private final List<String> listNames;

    private WordMatcher(Map<String, ? extends Collection<String>> lists) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> pList = new ArrayList<>();
        List<String> pEntry = new ArrayList<>();
        List<String> pNorm = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, ? extends Collection<String>> list : lists.entrySet()) {
            String name = Objects.requireNonNull(list.getKey(), "list name");
            if (name.isBlank()) throw new IllegalArgumentException("blank list name");
            names.add(name);
            Collection<String> entries = list.getValue();
            if (entries == null) continue;
            for (String entry : entries) {
                if (entry == null) throw new IllegalArgumentException("null entry in list '" + name + "'");
                String norm = TextNormalizer.normalizeEntry(entry);
                if (norm.isEmpty() || seen.containsKey(norm)) continue;
                seen.put(norm, pNorm.size());
                pList.add(name);
                pEntry.add(entry.strip());
                pNorm.add(norm);
            }
        }
        int count = pNorm.size();
        patternList = pList.toArray(new String[0]);
        patternEntry = pEntry.toArray(new String[0]);
        patternLength = new int[count];
        needLeftBoundary = new boolean[count];
        needRightBoundary = new boolean[count];
        int max = 0;
        for (int p = 0; p < count; p++) {
            String norm = pNorm.get(p);
            patternLength[p] = norm.length();
            needLeftBoundary[p] = isWordChar(norm.codePointAt(0));
            needRightBoundary[p] = isWordChar(norm.codePointBefore(norm.length()));
            max = Math.max(max, norm.length());
        }
        maxEntryLength = max;
        listNames = List.copyOf(names);

        // 1. Trie, with growable per-state maps while building.
        List<Map<Character, Integer>> edges = new ArrayList<>();
        List<Integer> out = new ArrayList<>();
        List<Integer> depths = new ArrayList<>();
        edges.add(new HashMap<>());
        out.add(-1);
        depths.add(0);
        for (int p = 0; p < count; p++) {
            String norm = pNorm.get(p);
            int s = 0;
            for (int k = 0; k < norm.length(); k++) {
                Integer t = edges.get(s).get(norm.charAt(k));
                if (t == null) {
                    t = edges.size();
                    edges.get(s).put(norm.charAt(k), t);
                    edges.add(new HashMap<>());
                    out.add(-1);
                    depths.add(k + 1);
                }
                s = t;
            }
            out.set(s, p);
        }
        int states = edges.size();
        keys = new char[states][];
        targets = new int[states][];
        for (int s = 0; s < states; s++) {
            Map<Character, Integer> e = edges.get(s);
            char[] k = new char[e.size()];
            int i = 0;
            for (Character c : e.keySet()) k[i++] = c;
            Arrays.sort(k);
            int[] t = new int[k.length];
            for (i = 0; i < k.length; i++) t[i] = e.get(k[i]);
            keys[s] = k;
            targets[s] = t;
        }
        output = new int[states];
        depth = new int[states];
        for (int s = 0; s < states; s++) {
            output[s] = out.get(s);
            depth[s] = depths.get(s);
        }

        // 2. Failure and dictionary links, breadth first.
        fail = new int[states];
        dictLink = new int[states];
        Arrays.fill(dictLink, -1);
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        List<Integer> breadthFirst = new ArrayList<>(states);
        breadthFirst.add(0);
        for (int t : targets[0]) {
            fail[t] = 0;
            queue.add(t);
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            breadthFirst.add(s);
            for (int i = 0; i < keys[s].length; i++) {
                char c = keys[s][i];
                int t = targets[s][i];
                int f = fail[s];
                int next;
                while ((next = step(f, c)) < 0 && f != 0) f = fail[f];
                fail[t] = next < 0 || next == t ? 0 : next;
                dictLink[t] = output[fail[t]] >= 0 ? fail[t] : dictLink[fail[t]];
                queue.add(t);
            }
        }

        // 3. The dense ASCII table, breadth first so a state's fail target is filled before it.
        ascii = new int[states * 128];
        for (int s : breadthFirst) {
            for (int c = 0; c < 128; c++) {
                int t = step(s, (char) c);
                ascii[s * 128 + c] = t >= 0 ? t : s == 0 ? 0 : ascii[fail[s] * 128 + c];
            }
        }
    }

    /**
     * Builds a matcher from named lists. The map's iteration order is the precedence for an entry that
     * appears in several lists (use a {@link LinkedHashMap} or {@link Map#of} with one list only).
     * A list may be empty.
     */
    public static WordMatcher of(Map<String, ? extends Collection<String>> lists) {
        return new WordMatcher(Objects.requireNonNull(lists, "lists"));
    }

    /**
     * The bundled lists (profanity, adult, dan) plus a {@code custom} list. {@code custom} comes first,
     * so a word an operator lists explicitly is reported as {@code custom} even if a bundled list also
     * has it. {@code custom} may be null or empty.
     */
    public static WordMatcher builtIn(List<String> custom) {
        List<String> names = new ArrayList<>();
        names.add(CUSTOM_LIST);
        names.addAll(BUILT_IN_LISTS);
        return builtIn(names, custom);
    }

    /**
     * The named lists only, in this order of precedence; {@code "custom"} among the names stands for
     * {@code custom}, any other name must be a bundled list. Matching only the lists a policy enables
     * keeps a longer entry of an unused list from hiding a match of a used one.
     *
     * @throws IllegalArgumentException for an unknown list name
     */
    public static WordMatcher builtIn(List<String> listNames, List<String> custom) {
        Map<String, List<String>> lists = new LinkedHashMap<>();
        for (String name : listNames) {
            if (CUSTOM_LIST.equals(name)) {
                lists.put(name, custom == null ? List.of() : custom);
            } else {
                lists.put(name, WordListLoader.builtIn(name));
            }
        }
        return of(lists);
    }

    /** The list names this matcher was built with, in precedence order. */
    public List<String> lists() {
        return listNames;
    }

    /** Number of distinct entries (after normalization) over all lists. */
    public int size() {
        return patternLength.length;
    }

    /** Length in chars of the longest entry after normalization; 0 when there are no entries. */
    public int maxEntryLength() {
        return maxEntryLength;
    }

    /**
     * How many trailing chars a streaming caller should hold back so that matches are not missed or
     * changed by text that has not arrived yet: {@code 4 * (maxEntryLength() + 2)}, or 0 without entries.
     *
     * <p>Contract: for a prefix {@code t} of a longer text {@code T}, let {@code cut = max(0, t.length() -
     * holdbackChars())}. The matches of {@code find(t)} that START before {@code cut} are exactly the
     * matches of {@code find(T)} that start before {@code cut} (same start, end, list, entry): they are
     * final, and nothing that arrives later adds one there. This holds whenever {@code cut <=
     * stableLength(t)}, which is the exact bound; see there for why.
     *
     * <p>Why this number: whether a match is final depends only on the last {@code maxEntryLength() + 1}
     * normalized chars of {@code t} (a match that may still change ends at or after the last normalized
     * char, so it starts within the last {@code maxEntryLength()} of them; one more char in case {@code
     * t} ends in the first half of a surrogate pair). Each normalized char comes from at most 2 original
     * chars (a surrogate pair), plus whatever was removed around it: invisible chars, combining marks,
     * the extra chars of a whitespace run. With factor 4 and one extra normalized char of slack, the
     * contract holds as long as that trailing window holds no more than about two removed chars per
     * visible one (then {@code stableLength(t) >= cut}). Text padded more heavily than that (say, a
     * hundred zero-width spaces inside one word) can outrun a fixed holdback; a caller that must be
     * exact uses {@link #stableLength} instead, which has no such assumption, or treats such padding as
     * suspicious.
     */
    public int holdbackChars() {
        return maxEntryLength == 0 ? 0 : 4 * (maxEntryLength + 2);
    }

    /**
     * The exact version of {@link #holdbackChars()}: an offset {@code k <= text.length()} such that, for
     * ANY text {@code T} beginning with {@code text}, the matches of {@code find(T)} that start before
     * {@code k} are exactly the matches of {@code find(text)} that start before {@code k} (same start,
     * end, list, entry), however the text is padded with invisible chars. A streaming caller may act on
     * those matches and release {@code text[0, k)}; a final match may end after {@code k}.
     *
     * <p>How: run the automaton over the normalized text. Its final state is the longest suffix of the
     * normalized text that is the beginning of an entry, so a match that later text can still create,
     * extend or invalidate (by a letter after it) starts inside that suffix; {@code k} is the original
     * offset where the suffix begins ({@code text.length()} when there is none, e.g. after a space that
     * no entry continues). Two details: a trailing unpaired high surrogate is left out (its pair may come
     * next and be a letter), and a match ending inside the output of the last code point (a ligature
     * or an emoji) also counts as changeable, because a combining mark arriving next widens that code
     * point's original span.
     */
    public int stableLength(CharSequence text) {
        int n = text.length();
        if (maxEntryLength == 0 || n == 0) return n;
        TextNormalizer.Normalized norm = TextNormalizer.normalize(text);
        int len = norm.length();
        if (len == 0) return n;
        String s = norm.text();
        int complete = Character.isHighSurrogate(text.charAt(n - 1)) ? len - 1 : len;
        int lastGroup = complete;
        if (complete > 0) {
            int lastStart = norm.originalStart(complete - 1);
            lastGroup = complete - 1;
            while (lastGroup > 0 && norm.originalStart(lastGroup - 1) == lastStart) lastGroup--;
        }
        int x = complete;
        int state = 0;
        for (int i = 0; i < complete; i++) {
            state = next(state, s.charAt(i));
            if (i >= lastGroup && i < complete - 1) {
                // A hit ending inside the last code point's output: its original end may still move.
                for (int o = output[state] >= 0 ? state : dictLink[state]; o >= 0; o = dictLink[o]) {
                    x = Math.min(x, i + 1 - patternLength[output[o]]);
                }
            }
        }
        x = Math.min(x, complete - depth[state]);
        return x < len ? norm.originalStart(x) : n;
    }

    /**
     * All matches in {@code text}, ordered by start, non-overlapping, with offsets into {@code text}.
     */
    public List<Match> find(CharSequence text) {
        if (patternLength.length == 0 || text.length() == 0) return List.of();
        TextNormalizer.Normalized norm = TextNormalizer.normalize(text);
        String s = norm.text();
        int n = s.length();

        // Candidates: whole-word hits, as (start, pattern) pairs.
        int[] candStart = new int[16];
        int[] candPattern = new int[16];
        int count = 0;
        int state = 0;
        for (int i = 0; i < n; i++) {
            state = next(state, s.charAt(i));
            int o = output[state] >= 0 ? state : dictLink[state];
            if (o < 0) continue;
            boolean rightOk = i + 1 >= n || !isWordChar(s.codePointAt(i + 1));
            for (; o >= 0; o = dictLink[o]) {
                int p = output[o];
                if (needRightBoundary[p] && !rightOk) continue;
                int start = i + 1 - patternLength[p];
                if (needLeftBoundary[p] && start > 0 && isWordChar(s.codePointBefore(start))) continue;
                if (count == candStart.length) {
                    candStart = Arrays.copyOf(candStart, count * 2);
                    candPattern = Arrays.copyOf(candPattern, count * 2);
                }
                candStart[count] = start;
                candPattern[count] = p;
                count++;
            }
        }
        if (count == 0) return List.of();

        // Leftmost, then longest; skip anything overlapping what was taken.
        Integer[] order = new Integer[count];
        for (int k = 0; k < count; k++) order[k] = k;
        final int[] cs = candStart;
        final int[] cp = candPattern;
        Arrays.sort(order, (a, b) -> cs[a] != cs[b]
                ? Integer.compare(cs[a], cs[b])
                : Integer.compare(patternLength[cp[b]], patternLength[cp[a]]));
        List<Match> matches = new ArrayList<>();
        int taken = 0;
        for (int k : order) {
            int start = cs[k];
            if (start < taken) continue;
            int p = cp[k];
            int end = start + patternLength[p];
            matches.add(new Match(norm.originalStart(start), norm.originalEnd(end - 1), patternList[p], patternEntry[p]));
            taken = end;
        }
        return matches;
    }

    /** The automaton's transition: follow failure links until {@code c} can be read. */
    private int next(int state, char c) {
        if (c < 128) return ascii[state * 128 + c];
        int t;
        while ((t = step(state, c)) < 0 && state != 0) state = fail[state];
        return t < 0 ? 0 : t;
    }

    private int step(int state, char c) {
        char[] k = keys[state];
        int i = k.length <= 8 ? linear(k, c) : Arrays.binarySearch(k, c);
        return i >= 0 ? targets[state][i] : -1;
    }

    private static int linear(char[] k, char c) {
        for (int i = 0; i < k.length; i++) if (k[i] == c) return i;
        return -1;
    }

    /**
     * Whether {@code cp} continues a word for the whole-word test: letters, digits and combining marks,
     * but not letters of scripts written without spaces, where each char stands alone.
     */
    static boolean isWordChar(int cp) {
        if (cp < 0x80) {
            return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z');
        }
        int type = Character.getType(cp);
        boolean wordy = Character.isLetterOrDigit(cp) || type == Character.NON_SPACING_MARK
                || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK;
        if (!wordy) return false;
        switch (Character.UnicodeScript.of(cp)) {
            case HAN: case HIRAGANA: case KATAKANA: case THAI: case LAO: case KHMER: case MYANMAR:
                return false;
            default:
                return true;
        }
    }
}
