package dev.tollgate.secret;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks anything shaped like a credential: Bearer and Basic credentials, {@code sk-}/{@code tg-}/... keys, Google
 * API keys, {@code key=value} pairs, and the password (or token) in a URL's user part. The net for
 * secrets nobody configured; {@link SecretScrubber} adds the exact values of those that were.
 */
public final class Redaction {

    public static final String MARKER = "[REDACTED]";

    private Redaction() {}

    private static final Pattern SECRETS = Pattern.compile(
            "(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{11,}[A-Za-z0-9_~+/=-]" // a sentence's full stop is not the token's
                    + "|\\b(sk|tg|sess|rk)-[A-Za-z0-9_-]{8,}"
                    + "|(\\b(?:api[-_]?key|authorization|x-api-key|x-goog-api-key|key)\"?\\s*[=:]\\s*\"?)[^\\s\"',;&]{6,}"
                    + "|(?-i:\\bAIza[0-9A-Za-z_-]{35})"
                    // scheme://user:password@ or scheme://token@ (group 4: "scheme://", group 5: "user:" or null)
                    + "|([a-z][a-z0-9+.-]*://)([^/?#@\\s:\"]*:)?[^/?#@\\s\"]+@"
                    // Basic credentials (group 6): base64 with a digit or symbol, so "basic configuration" is prose
                    + "|(basic\\s+)(?=[A-Za-z0-9+/]*[0-9+/])[A-Za-z0-9+/]{11,}={0,2}");

    public static String scrub(String text) {
        if (text == null || text.isEmpty() || !mayHoldSecret(text)) return text;
        Matcher m = SECRETS.matcher(text);
        if (!m.find()) return text;
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        do {
            out.append(text, last, m.start());
            if (m.group(1) != null) out.append(m.group(1)).append(MARKER);
            else if (m.group(3) != null) out.append(m.group(3)).append(MARKER);
            else if (m.group(6) != null) out.append(m.group(6)).append(MARKER);
            else if (m.group(4) != null) out.append(m.group(4)).append(m.group(5) == null ? "***" : m.group(5) + "***").append('@');
            else out.append(MARKER);
            last = m.end();
        } while (m.find());
        return out.append(text, last, text.length()).toString();
    }

    /**
     * A one-pass test that rules most text out before the regular expression runs (log fields are
     * scrubbed on every request): each pattern needs whitespace after "bearer"/"basic", a '-' after
     * sk/tg/rk/sess, a '=' or ':', "AIza", or an '@'.
     */
    static boolean mayHoldSecret(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '=', ':', '@', ' ', '\t', '\n', '\r', '\f', '\u000B' -> { return true; }
                case '-' -> {
                    if (i >= 2 && isPrefix(s, i)) return true;
                }
                case 'A' -> {
                    if (s.startsWith("AIza", i)) return true;
                }
                default -> { }
            }
        }
        return false;
    }

    private static boolean isPrefix(String s, int dash) {
        return s.regionMatches(true, dash - 2, "sk", 0, 2) || s.regionMatches(true, dash - 2, "tg", 0, 2)
                || s.regionMatches(true, dash - 2, "rk", 0, 2) || (dash >= 4 && s.regionMatches(true, dash - 4, "sess", 0, 4));
    }
}
