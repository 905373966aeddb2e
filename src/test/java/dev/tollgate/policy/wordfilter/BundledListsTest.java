package dev.tollgate.policy.wordfilter;

import dev.tollgate.policy.wordfilter.WordMatcher.Match;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BundledListsTest {

    @ParameterizedTest
    @CsvSource({"profanity, 300", "adult, 200", "dan, 150"})
    void eachListLoadsWithItsDocumentedMinimumSize(String name, int minimum) {
        List<String> entries = WordListLoader.builtIn(name);
        assertThat(entries).hasSizeGreaterThanOrEqualTo(minimum);
        assertThat(entries).allSatisfy(e -> assertThat(TextNormalizer.normalizeEntry(e)).isNotEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"profanity", "adult", "dan"})
    void noDuplicatesAfterNormalization(String name) {
        Map<String, String> seen = new HashMap<>();
        for (String entry : WordListLoader.builtIn(name)) {
            String norm = TextNormalizer.normalizeEntry(entry);
            assertThat(seen.put(norm, entry)).as("'%s' duplicates an earlier entry in %s", entry, name).isNull();
        }
    }

    @Test
    void noEntryIsInTwoLists() {
        Map<String, String> owner = new HashMap<>();
        for (String name : WordMatcher.BUILT_IN_LISTS) {
            for (String entry : WordListLoader.builtIn(name)) {
                String previous = owner.put(TextNormalizer.normalizeEntry(entry), name);
                assertThat(previous == null || previous.equals(name))
                        .as("'%s' is in %s and %s", entry, previous, name).isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"profanity", "adult", "dan"})
    void everyEntryMatchesItselfInASentence(String name) {
        WordMatcher matcher = WordMatcher.builtIn(List.of(name), null);
        for (String entry : WordListLoader.builtIn(name)) {
            String text = "Well, " + entry + " . ok";
            List<Match> matches = matcher.find(text);
            assertThat(matches).as(entry).containsExactly(new Match(6, 6 + entry.length(), name, entry));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dick", "cock", "prick", "dyke", "homo", "queer", "gay", "fag", "git", "hell", "bloody",
            "balls", "screw", "knob", "tit", "hoe", "chink", "coon", "cracker", "negro", "retard", "retarded", "cum",
            "cumming", "sex", "sexy", "nude", "naked", "anal", "penis", "vagina", "breast", "orgasm", "threesome",
            "dan", "title", "class", "assistant", "scunthorpe", "therapist", "cocktail", "xxx", "69", "bang", "hooker"})
    void deliberatelyLeftOutWordsMatchNothing(String word) {
        assertThat(WordMatcher.builtIn(List.of()).find(word)).isEmpty();
        assertThat(WordMatcher.builtIn(List.of()).find(word.toUpperCase() + "!")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"profanity", "adult", "dan"})
    void eachFileStartsWithItsHeaderComment(String name) throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("wordlists/" + name + ".txt")) {
            assertThat(in).isNotNull();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text).startsWith("# Tollgate bundled word list: " + name);
            assertThat(text).contains("Deliberately incomplete").contains("POLICY_CUSTOM_WORDLIST");
        }
    }
}
