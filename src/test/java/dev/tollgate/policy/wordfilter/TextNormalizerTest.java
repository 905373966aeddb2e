package dev.tollgate.policy.wordfilter;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TextNormalizerTest {

    private static TextNormalizer.Normalized norm(String s) {
        return TextNormalizer.normalize(s);
    }

    /** The original chars behind normalized chars [from, to). */
    private static String original(String text, TextNormalizer.Normalized n, int from, int to) {
        return text.substring(n.originalStart(from), n.originalEnd(to - 1));
    }

    @Test
    void asciiIsLowercasedAndMapsOneToOne() {
        TextNormalizer.Normalized n = norm("Hello, World!");
        assertThat(n.text()).isEqualTo("hello, world!");
        assertThat(n.originalLength()).isEqualTo(13);
        for (int i = 0; i < n.length(); i++) {
            assertThat(n.originalStart(i)).isEqualTo(i);
            assertThat(n.originalEnd(i)).isEqualTo(i + 1);
        }
    }

    @Test
    void zeroWidthAndFormatCharsAreRemoved() {
        String text = "f\u200Bu\u200Cc\u200D\u2060\uFEFF\u00ADk\u2066\u202E";
        TextNormalizer.Normalized n = norm(text);
        assertThat(n.text()).isEqualTo("fuck");
        assertThat(n.originalStart(0)).isEqualTo(0);
        assertThat(n.originalStart(1)).isEqualTo(2);
        assertThat(n.originalStart(2)).isEqualTo(4);
        assertThat(n.originalStart(3)).isEqualTo(9);
        assertThat(n.originalEnd(3)).isEqualTo(10);
        assertThat(original(text, n, 0, 4)).isEqualTo("f\u200Bu\u200Cc\u200D\u2060\uFEFF\u00ADk");
    }

    @Test
    void hangulFillersAreRemovedToo() {
        assertThat(norm("f\u3164u\u115Fck").text()).isEqualTo("fuck");
    }

    @Test
    void fullwidthFormsFoldThroughNfkc() {
        TextNormalizer.Normalized n = norm("ＦＵＣＫ");
        assertThat(n.text()).isEqualTo("fuck");
        assertThat(n.originalStart(2)).isEqualTo(2);
    }

    @Test
    void mathematicalAlphanumericsAreSurrogatePairsMappedAsOneChar() {
        String text = "𝐟𝐮𝐜𝐤"; // U+1D41F..., two chars each
        TextNormalizer.Normalized n = norm(text);
        assertThat(text).hasSize(8);
        assertThat(n.text()).isEqualTo("fuck");
        assertThat(n.originalStart(1)).isEqualTo(2);
        assertThat(n.originalEnd(1)).isEqualTo(4);
        assertThat(n.originalEnd(3)).isEqualTo(8);
    }

    @Test
    void cyrillicGreekAndSmallCapitalLookAlikesFoldToAscii() {
        assertThat(norm("fu\u0441k").text()).isEqualTo("fuck");            // Cyrillic es
        assertThat(norm("\u0405\u041D\u0406\u0422").text()).isEqualTo("shit"); // Cyrillic capitals ЅНІТ
        assertThat(norm("\u0430\u0435\u043E\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u0261").text())
                .isEqualTo("aeopcyxijsdg");
        assertThat(norm("\u03BF\u03B1\u03BD\u03B9\u03BA\u03C4").text()).isEqualTo("oavikt"); // ο α ν ι κ τ
        assertThat(norm("\u0391\u0392\u0395\u039A\u039C\u039D\u03A4\u03A7").text()).isEqualTo("abekmntx");
        assertThat(norm("\uA730\u1D1C\u1D04\u1D0B").text()).isEqualTo("fuck");   // ꜰᴜᴄᴋ
        assertThat(norm("p\u043Ern").text()).isEqualTo("porn");
        assertThat(norm("\u03A1\u039FR\u039D").text()).isEqualTo("porn");                // Greek ΡΟ R Ν
    }

    @Test
    void confusableTableOnlyProducesAsciiLowercaseLettersApostropheOrHyphen() {
        int mapped = 0;
        for (int c = 0; c < 0x10000; c++) {
            char to = TextNormalizer.confusable(c);
            if (to == 0) continue;
            mapped++;
            assertThat(to == '\'' || to == '-' || (to >= 'a' && to <= 'z')).as("U+%04X", c).isTrue();
            assertThat(c).as("ASCII is never remapped").isGreaterThanOrEqualTo(0x80);
        }
        assertThat(mapped).isGreaterThan(80);
    }

    @Test
    void diacriticsAreStripped() {
        assertThat(norm("fück").text()).isEqualTo("fuck");
        assertThat(norm("SHÌT").text()).isEqualTo("shit");
        assertThat(norm("pörñ").text()).isEqualTo("porn");
        assertThat(norm("\u0130stanbul").text()).isEqualTo("istanbul"); // dotted capital I
    }

    @Test
    void aCombiningMarkBelongsToTheCharBeforeIt() {
        String text = "fu\u0308ck";
        TextNormalizer.Normalized n = norm(text);
        assertThat(n.text()).isEqualTo("fuck");
        assertThat(n.originalStart(1)).isEqualTo(1);
        assertThat(n.originalEnd(1)).isEqualTo(3);
        assertThat(n.originalStart(2)).isEqualTo(3);

        String struck = "f\u0336u\u0336c\u0336k\u0336";
        TextNormalizer.Normalized s = norm(struck);
        assertThat(s.text()).isEqualTo("fuck");
        assertThat(original(struck, s, 0, 4)).isEqualTo(struck);
    }

    @Test
    void aMarkAfterAnInvisibleCharOrAtTheStartBelongsToNothing() {
        TextNormalizer.Normalized n = norm("\u0301ab\u200B\u0301c");
        assertThat(n.text()).isEqualTo("abc");
        assertThat(n.originalStart(0)).isEqualTo(1);
        assertThat(n.originalEnd(1)).isEqualTo(3);
        assertThat(n.originalStart(2)).isEqualTo(5);
    }

    @Test
    void whitespaceRunsCollapseIntoOneSpaceCoveringTheRun() {
        String text = "a \t\n\u00A0\u3000 b";
        TextNormalizer.Normalized n = norm(text);
        assertThat(n.text()).isEqualTo("a b");
        assertThat(n.originalStart(1)).isEqualTo(1);
        assertThat(n.originalEnd(1)).isEqualTo(7);
        assertThat(n.originalStart(2)).isEqualTo(7);
    }

    @Test
    void invisibleCharsInsideAWhitespaceRunDoNotBreakIt() {
        assertThat(norm("a \u200B b").text()).isEqualTo("a b");
    }

    @Test
    void expansionsShareTheOriginalSpan() {
        TextNormalizer.Normalized n = norm("\uFB01x"); // ﬁx
        assertThat(n.text()).isEqualTo("fix");
        assertThat(n.originalStart(0)).isEqualTo(0);
        assertThat(n.originalEnd(0)).isEqualTo(1);
        assertThat(n.originalStart(1)).isEqualTo(0);
        assertThat(n.originalEnd(1)).isEqualTo(1);
        assertThat(n.originalStart(2)).isEqualTo(1);

        assertThat(norm("Straße").text()).isEqualTo("strasse");
        assertThat(norm("\u1E9E").text()).isEqualTo("ss");
        assertThat(norm("\u03A3\u03C2").text()).isEqualTo("\u03C3\u03C3");
    }

    @Test
    void typographicApostrophesAndDashesFoldToAscii() {
        assertThat(norm("don\u2019t fuckin\u2019 \u2014 x\u2010y").text()).isEqualTo("don't fuckin' - x-y");
    }

    @Test
    void emojiAndUnpairedSurrogatesPassThrough() {
        String text = "😀a\uD83D";
        TextNormalizer.Normalized n = norm(text);
        assertThat(n.text()).isEqualTo("😀a\uD83D");
        assertThat(n.originalStart(0)).isEqualTo(0);
        assertThat(n.originalEnd(0)).isEqualTo(2);
        assertThat(n.originalStart(1)).isEqualTo(0);
        assertThat(n.originalEnd(1)).isEqualTo(2);
        assertThat(n.originalStart(3)).isEqualTo(3);
        assertThat(norm("\uDC00x").text()).isEqualTo("\uDC00x");
    }

    @Test
    void normalizeEntryTrimsAndCollapses() {
        assertThat(TextNormalizer.normalizeEntry("  Ignore   ALL\tprevious  ")).isEqualTo("ignore all previous");
        assertThat(TextNormalizer.normalizeEntry("\u200B \u200B")).isEmpty();
        assertThat(TextNormalizer.normalizeEntry("")).isEmpty();
    }

    @Test
    void emptyTextAndBadIndexes() {
        TextNormalizer.Normalized n = norm("");
        assertThat(n.text()).isEmpty();
        assertThat(n.originalLength()).isZero();
        assertThatThrownBy(() -> n.originalStart(0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> norm("a").originalEnd(1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void mappingInvariantsHoldOnRandomText() {
        String[] pool = {"a", "B", "z", " ", "  ", "\n", "\u00A0", "\u200B", "\u00AD", "\u0301", "\u0336", "ü", "ß",
                "\uFB01", "Ｆ", "с", "Σ", "😀", "𝐟", "\uD83D", "\uDE00", "我", "ـ", "!", "'", "\u2019", "\u3000", "\uFDFA"};
        Random rnd = new Random(42);
        for (int round = 0; round < 2000; round++) {
            StringBuilder sb = new StringBuilder();
            int parts = rnd.nextInt(30);
            for (int i = 0; i < parts; i++) sb.append(pool[rnd.nextInt(pool.length)]);
            String text = sb.toString();
            TextNormalizer.Normalized n = norm(text);
            for (int i = 0; i < n.length(); i++) {
                int s = n.originalStart(i);
                int e = n.originalEnd(i);
                assertThat(s).as(text).isGreaterThanOrEqualTo(0).isLessThan(e);
                assertThat(e).as(text).isLessThanOrEqualTo(text.length());
                if (i > 0) {
                    int ps = n.originalStart(i - 1);
                    int pe = n.originalEnd(i - 1);
                    // Either the same original span (an expansion) or a later, disjoint one.
                    assertThat(ps == s && pe == e || s >= pe).as("%s at %d", text, i).isTrue();
                }
            }
            // Normalizing is idempotent on the normalized text (up to whitespace collapsing, already done).
            assertThat(norm(n.text()).text()).as(text).isEqualTo(n.text());
        }
    }
}
