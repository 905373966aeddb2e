package dev.tollgate.server;

import dev.tollgate.api.ApiError;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the text fields of a multipart/form-data body as its bytes arrive (RFC 7578), so a policy
 * can see an upload's {@code model} before the upload is forwarded. Parts are found by their
 * boundaries, never by searching for field names, so file content cannot pose as a field. File
 * parts are skipped without being kept; a text field's value is kept up to {@link #MAX_VALUE}.
 */
final class MultipartFields {

    static final int MAX_VALUE = 64 * 1024;

    private final byte[] delimiter;   // CRLF "--" boundary
    private final Map<String, String> fields = new LinkedHashMap<>();
    private Buffer pending = Buffer.buffer();
    private boolean started;          // the first boundary (without its leading CRLF) was seen
    private boolean done;             // the closing boundary was seen
    private String partName;          // current part: a text field's name, or null while skipping a file
    private boolean inHeaders;
    private final Set<String> names = new HashSet<>();
    private String repeated;          // the first field name given twice (a text field or a file part)
    private boolean unreadable;       // the body stopped making sense as a form: later fields unseen

    private MultipartFields(String boundary) {
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A reader for this Content-Type, or null when it is not multipart/form-data with a boundary. */
    static MultipartFields forContentType(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) return null;
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.regionMatches(true, 0, "boundary=", 0, 9)) {
                String b = p.substring(9).trim();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) b = b.substring(1, b.length() - 1);
                return b.isEmpty() || b.length() > 70 ? null : new MultipartFields(b);
            }
        }
        return null;
    }

    /** Text fields read so far, by name. */
    Map<String, String> fields() {
        return fields;
    }

    /**
     * The first part name given twice, or null. A server may take either value of a repeated field
     * (many take the last), so a form that repeats one is refused rather than judged by one of them.
     */
    String repeated() {
        return repeated;
    }

    /** Whether the parts could not all be followed (absurd part headers): later fields would go unseen. */
    boolean unreadable() {
        return unreadable;
    }

    /** Whether the whole body has been read (the closing boundary was seen). */
    boolean done() {
        return done;
    }

    void feed(Buffer chunk) {
        if (done) return;
        pending.appendBuffer(chunk);
        if (!started) {
            // The body may start directly with "--boundary" (no CRLF before it).
            Buffer prefixed = Buffer.buffer("\r\n").appendBuffer(pending);
            if (prefixed.length() < delimiter.length) return;
            int at = indexOf(prefixed, delimiter, 0);
            if (at < 0) {
                pending = pending.getBuffer(Math.max(0, pending.length() - delimiter.length), pending.length());
                return;
            }
            pending = prefixed.getBuffer(at + delimiter.length, prefixed.length());
            started = true;
            inHeaders = true;
        }
        parse();
    }

    private void parse() {
        while (!done) {
            if (inHeaders) {
                // After a boundary: "--" ends the body; else CRLF, then headers up to a blank line.
                if (pending.length() < 2) return;
                if (pending.getByte(0) == '-' && pending.getByte(1) == '-') {
                    done = true;
                    return;
                }
                int end = indexOf(pending, new byte[]{'\r', '\n', '\r', '\n'}, 0);
                if (end < 0) {
                    if (pending.length() > 16 * 1024) { // absurd headers: stop reading fields
                        done = true;
                        unreadable = true;
                    }
                    return;
                }
                String headers = pending.getString(0, end, "ISO-8859-1");
                String name = partFieldName(headers);
                if (name != null && !names.add(name) && repeated == null) repeated = name;
                partName = isFile(headers) ? null : name;
                pending = pending.getBuffer(end + 4, pending.length());
                inHeaders = false;
            }
            int at = indexOf(pending, delimiter, 0);
            if (at < 0) {
                // Keep only what could be the start of the next delimiter (and a text value so far).
                if (partName == null) {
                    pending = pending.getBuffer(Math.max(0, pending.length() - delimiter.length), pending.length());
                } else if (pending.length() > MAX_VALUE + delimiter.length) {
                    partName = null; // too long for a field we read: skip it
                }
                return;
            }
            if (partName != null) fields.putIfAbsent(partName, pending.getString(0, at, "UTF-8"));
            pending = pending.getBuffer(at + delimiter.length, pending.length());
            inHeaders = true;
            partName = null;
        }
    }

    private static boolean isFile(String headers) {
        return textFieldName(headers) == null && partFieldName(headers) != null;
    }

    /** The field name of a part, file or not, or null. */
    private static String partFieldName(String headers) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).trim().equalsIgnoreCase("content-disposition")) continue;
            for (String param : line.substring(colon + 1).split(";")) {
                String p = param.trim();
                int eq = p.indexOf('=');
                if (eq < 0 || !p.substring(0, eq).trim().equalsIgnoreCase("name")) continue;
                String value = p.substring(eq + 1).trim();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
            }
        }
        return null;
    }

    /** The field name of a part without a filename (a text field), or null (a file, or no name). */
    private static String textFieldName(String headers) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).trim().equalsIgnoreCase("content-disposition")) continue;
            String name = null;
            for (String param : line.substring(colon + 1).split(";")) {
                String p = param.trim();
                int eq = p.indexOf('=');
                if (eq < 0) continue;
                String key = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                String value = p.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
                if (key.equals("filename") || key.equals("filename*")) return null;
                if (key.equals("name")) name = value;
            }
            return name;
        }
        return null;
    }

    private static int indexOf(Buffer b, byte[] pattern, int from) {
        int last = b.length() - pattern.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (b.getByte(i) != pattern[0]) continue;
            for (int k = 1; k < pattern.length; k++) if (b.getByte(i + k) != pattern[k]) continue outer;
            return i;
        }
        return -1;
    }

    /** A form that repeats a field, or cannot be followed to its end, is not judged by one reading of it. */
    ApiError refusal() {
        if (repeated() != null) {
            return ApiError.badRequest("invalid_form", "The form gives the field '" + ApiError.clip(repeated())
                    + "' more than once; send each field once.");
        }
        if (unreadable()) return ApiError.badRequest("invalid_form", "The form's part headers are too large to read.");
        return null;
    }
}
