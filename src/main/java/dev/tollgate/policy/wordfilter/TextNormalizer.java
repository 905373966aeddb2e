package dev.tollgate.policy.wordfilter;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.Locale;

/**
 * Maps text to the form word lists are matched against, remembering for every normalized char which
 * chars of the original text produced it, so a match found in the normalized form can be reported
 * (and redacted) in the original.
 *
 * <p>Each code point of the original is folded on its own, in this order:
 * <ol>
 *   <li><b>Invisible chars are dropped</b>: general category Cf (U+200B..U+200D, U+2060, U+FEFF, the
 *       soft hyphen U+00AD, bidi controls, tag chars, ...) and the Hangul fillers U+115F, U+1160, U+3164,
 *       U+FFA0, which render as nothing but are letters. "f\u200Buck" reads "fuck".</li>
 *   <li><b>Whitespace</b> (anything {@link Character#isWhitespace} or {@link Character#isSpaceChar},
 *       plus the blank braille pattern U+2800) becomes one ASCII space, and a run of it collapses into a
 *       single space that maps back to the whole run: "ignore&nbsp;&nbsp;all\nprevious" reads
 *       "ignore all previous".</li>
 *   <li><b>Unicode NFKC</b> of the code point alone: fullwidth forms, mathematical alphanumerics,
 *       circled and superscript letters, ligatures become plain letters ("ＦＵＣＫ", "𝐟𝐮𝐜𝐤", "ﬁ").</li>
 *   <li><b>Look-alikes</b> from a small curated table (below) become the ASCII letter they imitate:
 *       Cyrillic "fuсk" (U+0441) or "ѕhіt", Greek capitals "ΡΟRΝ", small capitals "ꜰᴜᴄᴋ".</li>
 *   <li><b>Case</b>: {@code toLowerCase(Locale.ROOT)} plus the cheap parts of full case folding
 *       (ß and ẞ to "ss", final sigma ς to σ, İ to i).</li>
 *   <li><b>Diacritics are stripped</b>: NFD, then every non-spacing or enclosing mark (Mn, Me) is removed,
 *       so "fück", "shìt" and "f̶u̶c̶k̶" (combining strike-through) read as the plain word. Choice: people
 *       spell around filters with accents far more often than a foreign word happens to become an
 *       English list entry once its accents are gone; the lists hold English entries only. A removed
 *       combining mark that follows a visible char belongs to that char: the original span of the char
 *       grows to cover it, so a redaction takes the whole grapheme with it.</li>
 * </ol>
 *
 * <p><b>Per code point, not per string.</b> NFKC is applied to each code point separately instead of to
 * the whole text, which is what makes every normalized char traceable to one original code point. The
 * cost: compositions that span code points are not made (a base letter followed by a combining accent is
 * not composed), and that is harmless here because accents are stripped anyway; Hangul jamo sequences
 * are not composed into syllables, which only matters for Korean entries written with precomposed
 * syllables against text written with conjoining jamo. Case folding likewise has no context (final
 * sigma is folded to σ instead of being context-dependent).
 *
 * <p><b>Look-alike table.</b> This is deliberately not Unicode TR39 skeletons (that needs ICU4J, about
 * 13 MB); it is a short table of the characters actually used to dodge filters: Cyrillic small
 * а е о р с у х і ј ѕ ԁ һ ӏ ү ԛ ԝ ѵ к and capitals А В Е К М Н О Р С Т У Х Ѕ І Ј Ԁ Һ Ӏ Ү Ԛ Ԝ Ѵ (a capital
 * folds to the Latin letter it looks like as a capital: В→b, Н→h, М→m, while small в, н, м are left alone),
 * Greek (capitals Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ; small α ε ι κ ν ο ρ τ υ χ ϲ ϳ), Latin small capitals and
 * IPA letters (ᴀ ʙ ᴄ ᴅ ᴇ ꜰ ɢ ʜ ɪ ᴊ ᴋ ʟ ᴍ ɴ ᴏ ᴘ ʀ ꜱ ᴛ ᴜ ᴠ ᴡ ʏ ᴢ ı ȷ ɑ ɡ ɩ ǀ), Armenian օ ս հ, and
 * typographic apostrophes (’ ‘ ʼ ′) and dashes (‐ ‑ ‒ – — ― −), which fold to ASCII ' and -.
 * Consequence worth knowing: a Russian or Greek word written only with look-alike letters is read in
 * Latin letters too, so it matches if it happens to spell an entry. Cherokee, Coptic and other rarer
 * look-alikes are not folded.
 *
 * <p>Not handled on purpose: leetspeak digits ("sh1t" is a separate list entry where it is common),
 * letters separated by punctuation or spaces ("f.u.c.k"), and look-alikes outside the table.
 *
 * <p>Thread-safe; the per-code-point results for the BMP are cached in a shared table filled lazily.
 */
public final class TextNormalizer {

    private TextNormalizer() {}

    private static final int IGNORED = 0;   // produces nothing, attaches to nothing
    private static final int ATTACHED = 1;  // produces nothing, belongs to the char before it
    private static final int TEXT = 2;      // produces text (which may contain ASCII spaces)

    /** The folding of one code point. */
    private record Fold(int kind, String text) {}

    private static final Fold IGNORED_FOLD = new Fold(IGNORED, "");
    private static final Fold ATTACHED_FOLD = new Fold(ATTACHED, "");
    private static final Fold SPACE_FOLD = new Fold(TEXT, " ");

    /** Lazily filled per-BMP-code-point cache; racy publication is safe because Fold is immutable. */
    private static final Fold[] BMP = new Fold[0x10000];

    private static final char[] CONFUSABLES = new char[0x10000];

    static {
        // Cyrillic small letters that look like Latin small letters.
        map("аa еe оo рp сc уy хx іi јj ѕs ԁd һh ӏl үy ԛq ԝw ѵv кk");
        // Cyrillic capitals that look like Latin capitals (folded to the Latin small letter).
        map("Аa Вb Еe Кk Мm Нh Оo Рp Сc Тt Уy Хx Ѕs Іi Јj Ԁd Һh Ӏl Үy Ԛq Ԝw Ѵv");
        // Greek capitals and small letters.
        map("Αa Βb Εe Ζz Ηh Ιi Κk Μm Νn Οo Ρp Τt Υy Χx");
        map("αa εe ιi κk νv οo ρp τt υu χx ϲc ϳj Ϲc");
        // Latin small capitals, IPA and other Latin look-alikes.
        map("ᴀa ʙb ᴄc ᴅd ᴇe ꜰf ɢg ʜh ɪi ᴊj ᴋk ʟl ᴍm ɴn ᴏo ᴘp ʀr ꜱs ᴛt ᴜu ᴠv ᴡw ʏy ᴢz ıi ȷj ɑa ɡg ɩi ǀl");
        // Armenian.
        map("օo սu հh");
        // Apostrophes and dashes.
        map("’' ‘' ʼ' ′' ‐- ‑- ‒- –- —- ―- −-");
    }

    private static void map(String pairs) {
        for (String pair : pairs.split(" ")) {
            CONFUSABLES[pair.charAt(0)] = pair.charAt(1);
        }
    }

    /** The look-alike table, for tests: the ASCII char a code point folds to, or 0. */
    static char confusable(int cp) {
        return cp < 0x10000 ? CONFUSABLES[cp] : 0;
    }

    /**
     * Normalizes {@code text} for matching. Index {@code i} of the result maps back to the original chars
     * {@code [originalStart(i), originalEnd(i))}.
     */
    public static Normalized normalize(CharSequence text) {
        Normalized simple = simpleAscii(text);
        if (simple != null) return simple;
        int n = text.length();
        StringBuilder out = new StringBuilder(n);
        int[] starts = new int[n + 8];
        int[] ends = new int[n + 8];
        int len = 0;
        boolean canAttach = false;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c < 0x80 && c > ' ' && c != 0x7F) {
                // Printable ASCII (the bulk of most text): lower-cased, one char in, one char out.
                if (len == starts.length) {
                    int cap = Math.max(16, len + (len >> 1) + 1);
                    starts = Arrays.copyOf(starts, cap);
                    ends = Arrays.copyOf(ends, cap);
                }
                out.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
                starts[len] = i;
                ends[len] = i + 1;
                len++;
                canAttach = true;
                i++;
                continue;
            }
            int cp;
            int next;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp = Character.toCodePoint(c, text.charAt(i + 1));
                next = i + 2;
            } else {
                cp = c;
                next = i + 1;
            }
            Fold f = fold(cp);
            if (f.kind == TEXT) {
                String s = f.text;
                for (int k = 0; k < s.length(); k++) {
                    char oc = s.charAt(k);
                    if (oc == ' ' && len > 0 && out.charAt(len - 1) == ' ') {
                        extendLast(starts, ends, len, next); // collapse the whitespace run into the previous space
                        continue;
                    }
                    if (len == starts.length) {
                        int cap = Math.max(16, len + (len >> 1) + s.length());
                        starts = Arrays.copyOf(starts, cap);
                        ends = Arrays.copyOf(ends, cap);
                    }
                    out.append(oc);
                    starts[len] = i;
                    ends[len] = next;
                    len++;
                }
                canAttach = len > 0;
            } else if (f.kind == ATTACHED && canAttach) {
                extendLast(starts, ends, len, next);
            } else {
                canAttach = false;
            }
            i = next;
        }
        return new Normalized(out.toString(), starts, ends, n);
    }

    /**
     * Printable ASCII with single whitespace characters (most English text) normalizes one char to
     * one char: lower-cased, whitespace to a space. Offsets are then the identity and need no
     * tables. Null when the text needs the general path.
     */
    private static Normalized simpleAscii(CharSequence text) {
        int n = text.length();
        char[] out = new char[n];
        boolean prevSpace = false;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c > ' ' && c < 0x7F) {
                out[i] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
                prevSpace = false;
            } else if ((c == ' ' || c == '\n' || c == '\t' || c == '\r') && !prevSpace) {
                out[i] = ' ';
                prevSpace = true;
            } else {
                return null;
            }
        }
        return new Normalized(new String(out), null, null, n);
    }

    /** Widens the original span of the last code point's output (all its chars) to end at {@code end}. */
    private static void extendLast(int[] starts, int[] ends, int len, int end) {
        int start = starts[len - 1];
        for (int j = len - 1; j >= 0 && starts[j] == start; j--) ends[j] = end;
    }

    /**
     * Normalizes a list entry: the same folding as {@link #normalize}, with leading and trailing
     * whitespace removed. Returns "" for an entry with nothing visible in it.
     */
    public static String normalizeEntry(String entry) {
        String s = normalize(entry).text();
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == ' ') from++;
        while (to > from && s.charAt(to - 1) == ' ') to--;
        return s.substring(from, to);
    }

    private static Fold fold(int cp) {
        if (cp < 0x80) {
            if (cp >= 'A' && cp <= 'Z') return asciiFold(cp + 32);
            if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F)) return SPACE_FOLD;
            return asciiFold(cp);
        }
        if (cp < 0x10000) {
            Fold f = BMP[cp];
            if (f == null) {
                f = computeFold(cp);
                BMP[cp] = f;
            }
            return f;
        }
        return computeFold(cp);
    }

    private static final Fold[] ASCII = new Fold[0x80];

    static {
        for (int c = 0; c < 0x80; c++) ASCII[c] = new Fold(TEXT, String.valueOf((char) c));
    }

    private static Fold asciiFold(int c) {
        return ASCII[c];
    }

    private static Fold computeFold(int cp) {
        if (isInvisible(cp)) return IGNORED_FOLD;
        if (Character.isSurrogate((char) cp) && cp < 0x10000) {
            return new Fold(TEXT, String.valueOf((char) cp)); // unpaired: kept as is, never a letter
        }
        if (isSpace(cp)) return SPACE_FOLD;
        StringBuilder sb = new StringBuilder(4);
        String nfkc = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFKC);
        for (int k = 0; k < nfkc.length(); ) {
            int cp2 = nfkc.codePointAt(k);
            k += Character.charCount(cp2);
            char look = confusable(cp2);
            if (look != 0) {
                sb.append(look);
                continue;
            }
            String lower = caseFold(cp2);
            String nfd = Normalizer.normalize(lower, Normalizer.Form.NFD);
            for (int m = 0; m < nfd.length(); ) {
                int cp3 = nfd.codePointAt(m);
                m += Character.charCount(cp3);
                int type = Character.getType(cp3);
                if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || isInvisible(cp3)) {
                    continue;
                }
                if (isSpace(cp3)) {
                    sb.append(' ');
                    continue;
                }
                char look3 = confusable(cp3);
                if (look3 != 0) {
                    sb.append(look3);
                } else {
                    sb.appendCodePoint(cp3);
                }
            }
        }
        if (sb.length() == 0) {
            int type = Character.getType(cp);
            boolean mark = type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                    || type == Character.COMBINING_SPACING_MARK;
            return mark ? ATTACHED_FOLD : IGNORED_FOLD;
        }
        String s = sb.toString();
        return s.equals(" ") ? SPACE_FOLD : new Fold(TEXT, s);
    }

    private static String caseFold(int cp) {
        switch (cp) {
            case 0x00DF: // ß
            case 0x1E9E: // ẞ
                return "ss";
            case 0x03C2: // ς
                return "σ";
            default:
                return new String(Character.toChars(cp)).toLowerCase(Locale.ROOT);
        }
    }

    /** Chars that render as nothing and are removed before matching. */
    static boolean isInvisible(int cp) {
        return Character.getType(cp) == Character.FORMAT
                || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0;
    }

    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x2800;
    }

    /**
     * Text normalized for matching, with the way back to the original. Index {@code i} of {@link #text()}
     * was produced by the original chars {@code [originalStart(i), originalEnd(i))}: one code point (two
     * chars for a surrogate pair), widened to cover the combining marks removed after it, or a whole
     * whitespace run for a collapsed space. Several normalized chars can share one original span ("ﬁ"
     * gives "fi", "ß" gives "ss"). Spans are non-decreasing and never overlap between distinct code points.
     */
    public static final class Normalized {
        private final String text;
        private final int[] starts;
        private final int[] ends;
        private final int originalLength;

        Normalized(String text, int[] starts, int[] ends, int originalLength) {
            this.text = text;
            this.starts = starts;
            this.ends = ends;
            this.originalLength = originalLength;
        }

        /** The normalized text. */
        public String text() {
            return text;
        }

        /** Length of the normalized text, in chars. */
        public int length() {
            return text.length();
        }

        /** Length of the original text, in chars. */
        public int originalLength() {
            return originalLength;
        }

        /** First original char index that produced normalized char {@code index}. */
        public int originalStart(int index) {
            checkIndex(index);
            return starts == null ? index : starts[index];
        }

        /** Original char index just past the chars that produced normalized char {@code index}. */
        public int originalEnd(int index) {
            checkIndex(index);
            return ends == null ? index + 1 : ends[index];
        }

        private void checkIndex(int index) {
            if (index < 0 || index >= text.length()) {
                throw new IndexOutOfBoundsException("index " + index + ", length " + text.length());
            }
        }
    }
}
