package dev.tollgate.policy.wordfilter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads word-list files: UTF-8, one entry (a word or a phrase) per line. Blank lines are skipped, and so
 * is a line whose first non-blank char is {@code #} (a comment). To list an entry that starts with
 * {@code #}, write it as {@code \#...}. There are no trailing comments: a {@code #} after other text is
 * part of the entry. Leading and trailing whitespace is trimmed, and a byte-order mark is ignored.
 *
 * <p>The bundled lists live on the classpath as {@code wordlists/NAME.txt}: {@code profanity} (at least
 * 300 entries), {@code adult} (at least 200) and {@code dan} (at least 150), with no entry repeated within
 * or across them after normalization. A list file for an extra named list (a {@code name=path} setting,
 * say) is read with {@link #load(Path)} and passed to {@link WordMatcher#of} under its name.
 */
public final class WordListLoader {

    private WordListLoader() {}

    private static final Map<String, List<String>> BUILT_IN = new ConcurrentHashMap<>();

    /** Parses list text. */
    public static List<String> parse(String text) {
        try {
            return parse(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses list text from a reader (not closed here). */
    public static List<String> parse(Reader reader) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        List<String> entries = new ArrayList<>();
        String line;
        boolean first = true;
        while ((line = in.readLine()) != null) {
            if (first && !line.isEmpty() && line.charAt(0) == '\uFEFF') line = line.substring(1);
            first = false;
            String entry = line.strip();
            if (entry.isEmpty() || entry.startsWith("#")) continue;
            if (entry.startsWith("\\#")) entry = entry.substring(1);
            entries.add(entry);
        }
        return entries;
    }

    /** Reads a list file. */
    public static List<String> load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r);
        }
    }

    /**
     * A bundled list ({@code profanity}, {@code adult} or {@code dan}), read once and cached.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static List<String> builtIn(String name) {
        if (!WordMatcher.BUILT_IN_LISTS.contains(name)) {
            throw new IllegalArgumentException("unknown word list '" + name + "'; bundled lists are "
                    + WordMatcher.BUILT_IN_LISTS);
        }
        return BUILT_IN.computeIfAbsent(name, WordListLoader::readResource);
    }

    private static List<String> readResource(String name) {
        String resource = "wordlists/" + name + ".txt";
        try (InputStream in = WordListLoader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            return List.copyOf(parse(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
