package dev.tollgate.observe;

import java.util.regex.Pattern;

/** Last line of defence for log text: masks anything shaped like a credential. */
public final class Redaction {

    private Redaction() {}

    private static final Pattern SECRETS = Pattern.compile(
            "(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{12,}"
                    + "|\\b(sk|tg|sess|rk)-[A-Za-z0-9_-]{8,}"
                    + "|(\\b(?:api[-_]?key|authorization|x-api-key|x-goog-api-key|key)\"?\\s*[=:]\\s*\"?)[^\\s\",;&]{6,}");

    public static String scrub(String text) {
        if (text == null || text.isEmpty()) return text;
        if (!SECRETS.matcher(text).find()) return text;
        return SECRETS.matcher(text).replaceAll(m -> {
            if (m.group(1) != null) return m.group(1) + "[REDACTED]";
            if (m.group(3) != null) return java.util.regex.Matcher.quoteReplacement(m.group(3)) + "[REDACTED]";
            return "[REDACTED]";
        });
    }
}
