package dev.tollgate.usage;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reduces the model name a client or provider reports to the family name prices are listed under:
 * providers version their models by suffixes ({@code gpt-4o-2024-08-06},
 * {@code claude-3-5-haiku-20241022}, {@code gemini-2.0-flash-001}, {@code -latest},
 * {@code gemini-2.5-flash-preview-05-20}) and routers add prefixes ({@code openai/gpt-4o},
 * {@code models/gemini-2.5-pro}, Vertex's {@code claude-3-5-haiku@20241022}).
 */
final class ModelNames {

    /**
     * Version suffixes, possibly stacked: a date (2024-08-06 or 20241022), -latest, -preview with an
     * optional MM-DD or MM-YYYY, or a three-digit revision (-001).
     */
    private static final Pattern VERSION_SUFFIX = Pattern.compile(
            "(?:-(?:\\d{4}-\\d{2}-\\d{2}|\\d{8}|latest|preview(?:-\\d{2}-\\d{2}(?:\\d{2})?)?|\\d{3}))+$");

    private ModelNames() {}

    /** Lower case, trimmed: what every lookup starts from. */
    static String normalize(String model) {
        return model.trim().toLowerCase(Locale.ROOT);
    }

    /** The name without a router's provider prefix ({@code openai/}, {@code models/}) or Vertex's {@code @version}. */
    static String withoutProvider(String model) {
        String m = model;
        int slash = m.lastIndexOf('/');
        if (slash >= 0) m = m.substring(slash + 1);
        int at = m.indexOf('@');
        if (at >= 0) m = m.substring(0, at);
        return m;
    }

    /** The name without version suffixes (a name that is nothing but a suffix is kept). */
    static String withoutVersion(String model) {
        Matcher suffix = VERSION_SUFFIX.matcher(model);
        return suffix.find() && suffix.start() > 0 ? model.substring(0, suffix.start()) : model;
    }
}
