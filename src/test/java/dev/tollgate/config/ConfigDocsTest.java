package dev.tollgate.config;

import dev.tollgate.Main;
import dev.tollgate.server.Gateway;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md is generated from the settings catalogue ({@code tollgate config docs}); it must be
 * exactly what the generator produces now, so it documents every key and per-request header the gateway knows.
 */
class ConfigDocsTest {

    private static final Path DOC = Path.of("docs/configuration.md");

    @Test
    void theConfigurationReferenceIsWhatTheGeneratorProduces() throws Exception {
        String committed = Files.readString(DOC);
        String generated = Main.configurationReference();
        if (!committed.equals(generated)) {
            throw new AssertionError("docs/configuration.md is out of date with the settings catalogue ("
                    + firstDifference(committed, generated) + "); regenerate it with: mvn -q -B package -DskipTests && "
                    + SettingsReference.REGENERATE);
        }
    }

    /** Where two texts first differ, by line, so a drift failure points at the setting that changed. */
    static String firstDifference(String committed, String generated) {
        String[] a = committed.split("\n", -1);
        String[] b = generated.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "<end of file>";
            String y = i < b.length ? b[i] : "<end of file>";
            if (!x.equals(y)) return "line " + (i + 1) + " is '" + x + "', the generator writes '" + y + "'";
        }
        return "they differ";
    }

    @Test
    void everyKeyAndHeaderIsDocumented() throws Exception {
        String doc = Files.readString(DOC);
        for (Setting<?> s : Gateway.catalog().all()) {
            assertThat(doc).as("docs/configuration.md documents %s", s.key()).contains("#### `" + s.key() + "`");
            if (s.header() != null) assertThat(doc).as("docs/configuration.md documents its header").contains("`x-tollgate-" + s.header() + "`");
        }
    }

    @Test
    void everySettingHasAHelpText() {
        for (Setting<?> s : Gateway.catalog().all()) assertThat(s.help()).as("help of %s", s.key()).isNotBlank();
    }

    @Test
    void aDriftNamesTheFirstChangedLine() {
        assertThat(firstDifference("a\nb\nc", "a\nB\nc")).isEqualTo("line 2 is 'b', the generator writes 'B'");
        assertThat(firstDifference("a\n", "a\nmore")).isEqualTo("line 2 is '', the generator writes 'more'");
        assertThat(firstDifference("a", "a\nb")).isEqualTo("line 2 is '<end of file>', the generator writes 'b'");
    }
}
