package dev.tollgate.caller.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the golden files under {@code src/test/resources/providers/messages/}. */
final class Fixtures {

    private Fixtures() {}

    static Path dir(String name) {
        URL url = Fixtures.class.getClassLoader().getResource("providers/messages/" + name);
        if (url == null) throw new IllegalStateException("no fixture " + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The case names in a folder: file names with {@code suffix} cut off, sorted. */
    static List<String> cases(String folder, String suffix) {
        try (Stream<Path> files = Files.list(dir(folder))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String path) {
        try {
            return Files.readString(dir(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * JSON equality as the wire sees it: the same fields and values, numbers compared by value
     * (the tree from a parsed file holds 1024 as an int, a translation may hold it as a long).
     */
    static void assertSameJson(JsonNode actual, JsonNode expected) {
        Comparator<JsonNode> numbers = (a, b) -> a.isNumber() && b.isNumber()
                ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;
        assertThat(actual.equals(numbers, expected))
                .as("expected %s%n but was  %s", Json.toString(expected), Json.toString(actual)).isTrue();
    }

    static JsonNode json(String path) {
        try {
            return Json.parse(text(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
