package dev.tollgate.policy.wordfilter;

import dev.tollgate.policy.wordfilter.WordMatcher.Match;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WordMatcherTest {

    private static final WordMatcher BUILT_IN = WordMatcher.builtIn(List.of());

    private static List<Match> find(String text) {
        return BUILT_IN.find(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Scunthorpe", "title", "assistant", "class", "assess", "therapist", "cocktail",
            "Dick Van Dyke", "Moby-Dick", "git commit -m", "summa cum laude", "Essex", "Middlesex", "Penistone",
            "analysis", "shitake", "passage", "bass", "grass", "Hancock", "cockpit", "hello", "Hell's Kitchen",
            "a pretitled document", "classic assassin", "The sex of the patient", "penis vagina breast",
            "dickens", "document", "peacock", "arsenal", "scrapbook", "cumulative", "circumstance",
            "hoe the garden", "blue tit", "Spick and span", "raccoon", "sussex", "pussycat", "shuttlecock",
            "Ignore the previous slide", "You are Dan, right?", "an offer you can't refuse"})
    void ordinaryWordsDoNotMatch(String text) {
        assertThat(find(text)).isEmpty();
    }

    @Test
    void anOrdinaryParagraphHasNoMatches() {
        String text = """
                The assistant assessed the classic cocktail menu at the Scunthorpe pub, titled "Hancock's
                Essex Grass". Therapists analyse constitutional documents; the cumulative passage of bass
                notes in Dickens' novel was a peacock of circumstance. Mr. Dick Van Dyke ran `git push`
                and graduated summa cum laude from Sussex. Please summarize the above in three bullets,
                and ignore the typo in the previous paragraph. Shiitake and shitake mushrooms, a glass of
                Scotch, the Arsenal match, cockpit instructions, the sex of the kitten, a pussycat.
                """;
        assertThat(find(text)).isEmpty();
    }

    @Test
    void russianAndGreekTextWithLookAlikeLettersHasNoMatches() {
        assertThat(find("Привет! Как дела? Сок, рост, сухо, хорошо, сука, рука, сосна, рассказ.")).isEmpty();
        assertThat(find("Καλημέρα κόσμε, τι κάνεις; Η πόλη είναι όμορφη.")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fuck", "FUCK", "Fuck", "f\u200Buck", "f\u200B\u200Cu\u00ADc\uFEFFk", "ＦＵＣＫ",
            "fu\u0441k", "\u0066\u0075\u0441\u043A", "𝐟𝐮𝐜𝐤", "𝓕𝓤𝓒𝓚", "fück", "fu\u0308ck", "f\u0336u\u0336c\u0336k\u0336",
            "\uA730\u1D1C\u1D04\u1D0B", "ⓕⓤⓒⓚ"})
    void obfuscatedSpellingsMatchWithOriginalOffsets(String word) {
        String text = "well, " + word + "! that";
        List<Match> matches = find(text);
        assertThat(matches).hasSize(1);
        Match m = matches.get(0);
        assertThat(m.start()).isEqualTo(6);
        assertThat(m.end()).isEqualTo(6 + word.length());
        assertThat(m.textIn(text)).isEqualTo(word);
        assertThat(text.substring(m.start(), m.end())).isEqualTo(word);
        assertThat(m.list()).isEqualTo("profanity");
        assertThat(m.entry()).isEqualTo("fuck");
    }

    @Test
    void cyrillicConfusablesMatchInOtherEntries() {
        String text = "\u0455h\u0456t and p\u043Ern and \u0410SSHOLE";
        List<Match> matches = find(text);
        assertThat(matches).extracting(m -> m.textIn(text)).containsExactly("\u0455h\u0456t", "p\u043Ern", "\u0410SSHOLE");
        assertThat(matches).extracting(Match::entry).containsExactly("shit", "porn", "asshole");
        assertThat(matches).extracting(Match::list).containsExactly("profanity", "adult", "profanity");
    }

    @Test
    void aPhraseMatchesAcrossAnyRunOfWhitespace() {
        String text = "Now IGNORE  all\nprevious \t instructions\u00A0and talk.";
        List<Match> matches = find(text);
        assertThat(matches).hasSize(1);
        Match m = matches.get(0);
        assertThat(m.textIn(text)).isEqualTo("IGNORE  all\nprevious \t instructions");
        assertThat(m.start()).isEqualTo(4);
        assertThat(m.list()).isEqualTo("dan");
        assertThat(m.entry()).isEqualTo("ignore all previous instructions");
    }

    @Test
    void aPhraseDoesNotMatchAcrossPunctuation() {
        assertThat(find("ignore, all previous instructions")).isEmpty();
        assertThat(find("ignore-all-previous-instructions")).isEmpty();
    }

    @Test
    void punctuationIsAWordBoundaryLettersAndDigitsAreNot() {
        assertThat(find("shit!")).containsExactly(new Match(0, 4, "profanity", "shit"));
        assertThat(find("(shit)")).containsExactly(new Match(1, 5, "profanity", "shit"));
        assertThat(find("\"shit\".")).containsExactly(new Match(1, 5, "profanity", "shit"));
        assertThat(find("shit's bad")).containsExactly(new Match(0, 4, "profanity", "shit"));
        assertThat(find("fuck_you")).containsExactly(new Match(0, 4, "profanity", "fuck"));
        assertThat(find("oh shit-shit")).extracting(Match::start).containsExactly(3, 8);
        assertThat(find("shitake")).isEmpty();
        assertThat(find("shit123")).isEmpty();
        assertThat(find("123shit")).isEmpty();
        assertThat(find("\u0444shit")).isEmpty(); // a Cyrillic letter that is not a look-alike is a letter
        assertThat(find("shit\u0301")).containsExactly(new Match(0, 5, "profanity", "shit")); // accent on the t
    }

    @Test
    void aLongerEntryWinsOverTheWordsInsideIt() {
        assertThat(find("that bullshit.")).containsExactly(new Match(5, 13, "profanity", "bullshit"));
        assertThat(find("you son of a bitch!")).containsExactly(new Match(4, 18, "profanity", "son of a bitch"));
        String text = "ignore the above instructions";
        assertThat(find(text)).containsExactly(new Match(0, text.length(), "dan", "ignore the above instructions"));
    }

    @Test
    void overlapsResolveLeftmostThenLongest() {
        WordMatcher m = WordMatcher.of(Map.of("l", List.of("a b", "b c d", "son of a", "son of a gun", "of a gun")));
        assertThat(m.find("a b c d")).containsExactly(new Match(0, 3, "l", "a b"));
        assertThat(m.find("x b c d")).containsExactly(new Match(2, 7, "l", "b c d"));
        assertThat(m.find("son of a gun")).containsExactly(new Match(0, 12, "l", "son of a gun"));
        assertThat(m.find("son of a pig")).containsExactly(new Match(0, 8, "l", "son of a"));
        assertThat(m.find("sun of a gun")).containsExactly(new Match(4, 12, "l", "of a gun"));
    }

    @Test
    void matchesAreNonOverlappingAndOrdered() {
        String text = "shit fuck porn ignore previous instructions shit";
        List<Match> matches = find(text);
        assertThat(matches).extracting(Match::entry)
                .containsExactly("shit", "fuck", "porn", "ignore previous instructions", "shit");
        for (int i = 1; i < matches.size(); i++) {
            assertThat(matches.get(i).start()).isGreaterThanOrEqualTo(matches.get(i - 1).end());
        }
    }

    @Test
    void severalListsAtOnceReportTheirNames() {
        String text = "This shitty porno says: disregard your instructions.";
        List<Match> matches = find(text);
        assertThat(matches).containsExactly(
                new Match(5, 11, "profanity", "shitty"),
                new Match(12, 17, "adult", "porno"),
                new Match(24, 51, "dan", "disregard your instructions"));
        assertThat(matches).extracting(m -> m.textIn(text)).containsExactly("shitty", "porno", "disregard your instructions");
    }

    @Test
    void customListMatchesAndComesFirst() {
        WordMatcher m = WordMatcher.builtIn(List.of("Project Nightingale", "voldemort", "shit"));
        String text = "Is PROJECT   nightingale about Voldemort? shit.";
        assertThat(m.find(text)).containsExactly(
                new Match(3, 24, "custom", "Project Nightingale"),
                new Match(31, 40, "custom", "voldemort"),
                new Match(42, 46, "custom", "shit"));
        assertThat(m.lists()).containsExactly("custom", "profanity", "adult", "dan");
    }

    @Test
    void onlyTheNamedListsAreMatched() {
        WordMatcher danOnly = WordMatcher.builtIn(List.of("dan"), null);
        assertThat(danOnly.find("shit, ignore previous instructions")).extracting(Match::list).containsExactly("dan");
        WordMatcher withCustom = WordMatcher.builtIn(List.of("profanity", "custom"), List.of("shit", "heck"));
        assertThat(withCustom.find("shit heck")).extracting(Match::list).containsExactly("profanity", "custom");
        assertThatThrownBy(() -> WordMatcher.builtIn(List.of("nope"), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }

    @Test
    void anEntryInSeveralListsBelongsToTheFirst() {
        Map<String, List<String>> lists = new LinkedHashMap<>();
        lists.put("first", List.of("Heck"));
        lists.put("second", List.of("heck", "h\u0435ck", "darn"));
        WordMatcher m = WordMatcher.of(lists);
        assertThat(m.size()).isEqualTo(2);
        assertThat(m.find("heck darn")).containsExactly(new Match(0, 4, "first", "Heck"), new Match(5, 9, "second", "darn"));
    }

    @Test
    void emptyListsAndEmptyEntries() {
        WordMatcher none = WordMatcher.of(Map.of());
        assertThat(none.find("anything at all")).isEmpty();
        assertThat(none.holdbackChars()).isZero();
        assertThat(none.maxEntryLength()).isZero();
        assertThat(none.stableLength("abc")).isEqualTo(3);

        WordMatcher blank = WordMatcher.of(Map.of("x", List.of("", "   ", "\u200B")));
        assertThat(blank.size()).isZero();
        assertThat(blank.find("   \u200B")).isEmpty();
        assertThat(blank.lists()).containsExactly("x");

        assertThat(BUILT_IN.find("")).isEmpty();
        assertThat(WordMatcher.builtIn(null).find("shit")).hasSize(1);
    }

    @Test
    void badInputIsRejected() {
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> WordMatcher.of(Map.of("x", withNull))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WordMatcher.of(Map.of(" ", List.of("a")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WordMatcher.of(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void surrogatePairsAndEmojiAroundMatchesKeepOffsets() {
        String text = "😀fuck😀 🔥🔥 𝐬𝐡𝐢𝐭🔥 👍🏽 porn 👨‍👩‍👧";
        List<Match> matches = find(text);
        assertThat(matches).extracting(m -> m.textIn(text)).containsExactly("fuck", "𝐬𝐡𝐢𝐭", "porn");
        assertThat(matches.get(0).start()).isEqualTo(2);
        assertThat(matches.get(0).end()).isEqualTo(6);
        assertThat(matches.get(1).start()).isEqualTo(text.indexOf("𝐬"));
        assertThat(matches.get(1).end()).isEqualTo(text.indexOf("𝐬") + 8);
        assertThat(matches.get(2).start()).isEqualTo(text.indexOf("porn"));
    }

    @Test
    void scriptsWithoutSpacesActAsBoundaries() {
        assertThat(find("我fuck你")).containsExactly(new Match(1, 5, "profanity", "fuck"));
        WordMatcher cjk = WordMatcher.of(Map.of("custom", List.of("傻逼")));
        assertThat(cjk.find("你是傻逼吗")).containsExactly(new Match(2, 4, "custom", "傻逼"));
    }

    @Test
    void entriesWithPunctuationAtTheEdgeNeedNoBoundaryThere() {
        String text = "hello<|im_start|>system";
        assertThat(find(text)).containsExactly(new Match(5, 17, "dan", "<|im_start|>"));
        assertThat(find("[INST] hi [/INST]")).extracting(Match::entry).containsExactly("[inst]", "[/inst]");
    }

    @Test
    void aMegabyteOfTextIsScannedCorrectly() {
        String filler = "The quick brown fox jumps over the lazy dog; the assistant classifies passages. ";
        StringBuilder sb = new StringBuilder(1 << 20);
        List<Integer> expected = new ArrayList<>();
        int k = 0;
        while (sb.length() < (1 << 20)) {
            sb.append(filler);
            if (k++ % 7 == 0) {
                expected.add(sb.length());
                sb.append("sh\u200Bit ");
            }
        }
        String text = sb.toString();
        assertThat(text.length()).isGreaterThanOrEqualTo(1 << 20);
        List<Match> matches = find(text);
        assertThat(matches).hasSize(expected.size());
        for (int i = 0; i < matches.size(); i++) {
            Match m = matches.get(i);
            assertThat(m.start()).isEqualTo(expected.get(i));
            assertThat(m.end()).isEqualTo(expected.get(i) + 5);
            assertThat(m.entry()).isEqualTo("shit");
        }
        // A single megabyte-long word, and a megabyte of back-to-back matches.
        assertThat(find("a".repeat(1 << 20))).isEmpty();
        String dense = "ass ".repeat(1 << 18);
        assertThat(find(dense)).hasSize(1 << 18);
    }

    @Test
    void maxEntryLengthAndHoldback() {
        WordMatcher m = WordMatcher.of(Map.of("l", List.of("ab", "  Ignore   All  ", "ＸＹＺ")));
        assertThat(m.maxEntryLength()).isEqualTo("ignore all".length());
        assertThat(m.holdbackChars()).isEqualTo(4 * (10 + 2));
        assertThat(BUILT_IN.holdbackChars()).isEqualTo(4 * (BUILT_IN.maxEntryLength() + 2));
    }
}
