package dev.tollgate.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them: "30d", "12h", "90m", "45s", or plain seconds. */
final class Durations {

    private static final Pattern FORM = Pattern.compile("(\\d{1,9})([smhdw]?)");

    private Durations() {}

    static long seconds(String text, String option) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) throw new IllegalArgumentException(option + ": expected a duration such as 30d, 12h, 90m or 45s");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> n * 60;
            case "h" -> n * 3600;
            case "d" -> n * 86_400;
            case "w" -> n * 7 * 86_400;
            default -> n;
        };
    }
}
