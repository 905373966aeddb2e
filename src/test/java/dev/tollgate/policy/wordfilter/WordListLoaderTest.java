package dev.tollgate.policy.wordfilter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WordListLoaderTest {

    @Test
    void parsesEntriesSkippingCommentsAndBlankLines() {
        String text = "\uFEFF# header\n\nfoo\n   bar baz  \n  # indented comment\n\\#hashtag\nC# is fine\r\nlast";
        assertThat(WordListLoader.parse(text)).containsExactly("foo", "bar baz", "#hashtag", "C# is fine", "last");
        assertThat(WordListLoader.parse("")).isEmpty();
        assertThat(WordListLoader.parse("# only a comment\n\n")).isEmpty();
    }

    @Test
    void loadsAFileAsAnExtraNamedList(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("brands.txt");
        Files.writeString(file, "# competitor names\nAcme Corp\nGlobex\nÜbercorp\n", StandardCharsets.UTF_8);
        List<String> entries = WordListLoader.load(file);
        assertThat(entries).containsExactly("Acme Corp", "Globex", "Übercorp");

        WordMatcher m = WordMatcher.of(Map.of("brands", entries));
        String text = "Compare ACME  corp with ubercorp.";
        assertThat(m.find(text)).containsExactly(
                new WordMatcher.Match(8, 18, "brands", "Acme Corp"),
                new WordMatcher.Match(24, 32, "brands", "Übercorp"));
    }

    @Test
    void aMissingFileFails(@TempDir Path dir) {
        assertThatThrownBy(() -> WordListLoader.load(dir.resolve("nope.txt"))).isInstanceOf(IOException.class);
    }

    @Test
    void unknownBundledListIsRejected() {
        assertThatThrownBy(() -> WordListLoader.builtIn("custom")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WordListLoader.builtIn("../profanity")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bundledListsAreCachedAndImmutable() {
        List<String> a = WordListLoader.builtIn("dan");
        assertThat(WordListLoader.builtIn("dan")).isSameAs(a);
        assertThatThrownBy(() -> a.add("x")).isInstanceOf(UnsupportedOperationException.class);
    }
}
