package dev.tollgate.api;

/**
 * The one spelling of a request path that the gateway both judges and forwards. Normalises as
 * RFC 3986 §6.2.2 does (percent-encoded unreserved characters decoded, hex digits upper-cased)
 * and collapses empty segments ({@code //}, a trailing {@code /}); refuses what an upstream could
 * read as another path: dot segments, encoded {@code / \ ; % ? #} or control bytes, matrix
 * parameters ({@code ;}), and characters a URI may not carry raw. Classification and the upstream
 * request then use the same string, so no spelling reaches the upstream unjudged.
 */
public final class CanonicalPath {

    private CanonicalPath() {}

    /** A canonical path, or why the raw one was refused. */
    public record Result(String path, String error) {
        public boolean ok() { return error == null; }
    }

    private static final String HEX = "0123456789ABCDEF";

    /** Normalises a raw path (starting with '/', no query). */
    public static Result of(String raw) {
        if (raw.isEmpty() || raw.charAt(0) != '/') return refused("The request target must be a path.");
        if (alreadyCanonical(raw)) return new Result(raw, null);
        StringBuilder out = new StringBuilder(raw.length());
        StringBuilder segment = new StringBuilder();
        int i = 1;
        int n = raw.length();
        while (i <= n) {
            char c = i < n ? raw.charAt(i) : '/';
            if (c == '/') {
                if (!segment.isEmpty()) {
                    String s = segment.toString();
                    if (s.equals(".") || s.equals("..")) return refused("The path may not contain '.' or '..' segments.");
                    out.append('/').append(s);
                    segment.setLength(0);
                }
                i++;
                continue;
            }
            if (c == '%') {
                int hi = hex(raw, i + 1);
                int lo = hex(raw, i + 2);
                if (hi < 0 || lo < 0) return refused("The path has a malformed percent-encoding.");
                char decoded = (char) (hi * 16 + lo);
                if (unreserved(decoded)) {
                    segment.append(decoded);
                } else if (decoded < 0x20 || decoded == 0x7f || "/\\;%?#".indexOf(decoded) >= 0) {
                    return refused("The path may not contain encoded '/', '\\', ';', '%', '?', '#' or control characters.");
                } else {
                    segment.append('%').append(HEX.charAt(hi)).append(HEX.charAt(lo));
                }
                i += 3;
                continue;
            }
            if (c == ';') return refused("The path may not contain ';' parameters.");
            if (!(unreserved(c) || "!$&'()*+,=:@".indexOf(c) >= 0)) {
                return refused("The path contains a character that must be percent-encoded.");
            }
            segment.append(c);
            i++;
        }
        return new Result(out.isEmpty() ? "/" : out.toString(), null);
    }

    /** The common case, checked without building anything: plain characters, no empty or dot segment. */
    private static boolean alreadyCanonical(String p) {
        int n = p.length();
        if (n > 1 && p.charAt(n - 1) == '/') return false;
        for (int i = 0; i < n; i++) {
            char c = p.charAt(i);
            if (c == '/') {
                if (i + 1 < n && (p.charAt(i + 1) == '/' || p.charAt(i + 1) == '.')) return false;
            } else if (!(unreserved(c) || "!$&'()*+,=:@".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static Result refused(String message) {
        return new Result(null, message);
    }

    private static int hex(String s, int at) {
        if (at >= s.length() || s.charAt(at) >= 128) return -1;
        return Character.digit(s.charAt(at), 16);
    }

    static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
