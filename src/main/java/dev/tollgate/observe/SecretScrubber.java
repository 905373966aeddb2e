package dev.tollgate.observe;

import dev.tollgate.secret.Redaction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Masks secrets in text that came from outside: upstream error bodies and error events, and every
 * log field. Two nets: the exact values of the secrets this gateway was configured with (provider
 * keys, the admin token; also as JSON-escaped and URL-encoded text), which catch keys of any shape
 * (an Azure key is 32 hex digits), and {@link Redaction}'s credential shapes (Bearer tokens,
 * {@code sk-}/{@code tg-} keys, URL passwords), which catch keys it was never told about. Built once
 * at start-up; immutable, so every event loop shares it.
 */
public final class SecretScrubber {

    public static final String MARKER = Redaction.MARKER;

    /** Shorter values are placeholders ("unused", "x") that also occur as words: masking them would garble text. */
    static final int MIN_SECRET_LENGTH = 8;

    /** The secrets and their encoded spellings, longest first (so a longer form is masked whole). */
    private final String[] needles;

    private SecretScrubber(String[] needles) {
        this.needles = needles;
    }

    public static SecretScrubber of(Collection<String> secrets) {
        Set<String> forms = new LinkedHashSet<>();
        for (String s : secrets) {
            if (s == null || s.length() < MIN_SECRET_LENGTH) continue;
            forms.add(s);
            String json = jsonEscaped(s);
            forms.add(json);
            forms.add(json.replace("/", "\\/")); // JSON may also escape '/'
            forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
            forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
            // A text body is read byte for byte (ISO-8859-1), so a non-ASCII secret appears as its UTF-8 bytes.
            forms.add(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        }
        List<String> sorted = new ArrayList<>(forms);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        return new SecretScrubber(sorted.toArray(String[]::new));
    }

    // ---- the process-wide scrubber of log lines ----------------------------------------------

    /**
     * Log lines are written by process-wide writers (the request log, Logback's layout), so they use
     * the union of the secrets of every gateway started in this process (one in production).
     */
    private static volatile SecretScrubber forLogs = of(List.of());
    private static final Set<String> LOGGED_SECRETS = new LinkedHashSet<>();

    /** Adds a gateway's secrets to what log lines are scrubbed of. */
    public static synchronized void registerForLogs(Collection<String> secrets) {
        LOGGED_SECRETS.addAll(secrets);
        forLogs = of(LOGGED_SECRETS);
    }

    public static SecretScrubber forLogs() {
        return forLogs;
    }

    /** Credential headers a caller may send (a provider key in pass-through mode, a Tollgate key). */
    private static final String[] CREDENTIAL_HEADERS = {"authorization", "api-key", "x-api-key", "x-goog-api-key", "x-tollgate-api-key"};

    /** The credentials a caller presented in its request headers, without their scheme ("Bearer"). */
    public static List<String> presented(MultiMap requestHeaders) {
        List<String> out = new ArrayList<>(2);
        for (String name : CREDENTIAL_HEADERS) {
            for (String v : requestHeaders.getAll(name)) {
                String t = v.strip();
                int space = t.indexOf(' ');
                out.add(space < 0 ? t : t.substring(space + 1).strip());
            }
        }
        return out;
    }

    // ---- text ---------------------------------------------------------------------------------

    /** The text with every known secret and credential shape masked; the same instance when there is none. */
    public String scrub(String text) {
        String out = scrubKnown(text);
        String shaped = Redaction.scrub(out);
        return shaped == text ? text : shaped;
    }

    /** Only the configured secrets masked (no shapes): cheap enough for every answer's headers. */
    String scrubKnown(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = text;
        for (String n : needles) {
            if (out.length() >= n.length() && out.contains(n)) out = out.replace(n, MARKER);
        }
        return out;
    }

    /**
     * The upstream's response headers, as relayed to the caller: configured secrets are masked in
     * every answer's headers (an upstream that echoes request headers back), credential shapes too
     * in an error answer's ({@code WWW-Authenticate}, debug headers).
     */
    public void scrubHeaders(MultiMap headers, boolean error) {
        Set<String> changed = null;
        for (Map.Entry<String, String> h : headers) {
            String v = h.getValue();
            if ((error ? scrub(v) : scrubKnown(v)) != v) {
                if (changed == null) changed = new LinkedHashSet<>();
                changed.add(h.getKey());
            }
        }
        if (changed == null) return;
        for (String name : changed) {
            List<String> values = new ArrayList<>();
            for (String v : headers.getAll(name)) values.add(error ? scrub(v) : scrubKnown(v));
            headers.set(name, values);
        }
    }

    // ---- JSON ---------------------------------------------------------------------------------

    /** The tree with every string (values and field names) scrubbed; the same instance when nothing changed. */
    public JsonNode scrub(JsonNode node) {
        if (node == null) return null;
        if (node.isTextual()) {
            String t = node.textValue();
            String s = scrub(t);
            return s == t ? node : TextNode.valueOf(s);
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = null;
            for (int i = 0; i < array.size(); i++) {
                JsonNode child = array.get(i);
                JsonNode s = scrub(child);
                if (s != child && copy == null) {
                    copy = JsonNodeFactory.instance.arrayNode(array.size());
                    for (int j = 0; j < i; j++) copy.add(array.get(j));
                }
                if (copy != null) copy.add(s);
            }
            return copy == null ? node : copy;
        }
        if (node instanceof ObjectNode object) {
            ObjectNode copy = null;
            int i = 0;
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                String name = scrub(e.getKey());
                JsonNode value = scrub(e.getValue());
                if ((name != e.getKey() || value != e.getValue()) && copy == null) {
                    copy = JsonNodeFactory.instance.objectNode();
                    int j = 0;
                    for (Map.Entry<String, JsonNode> before : object.properties()) {
                        if (j++ == i) break;
                        copy.set(before.getKey(), before.getValue());
                    }
                }
                if (copy != null) copy.set(name, value);
                i++;
            }
            return copy == null ? node : copy;
        }
        return node;
    }

    public ObjectNode scrub(ObjectNode node) {
        return (ObjectNode) scrub((JsonNode) node);
    }

    // ---- bodies and events ----------------------------------------------------------------

    /**
     * An upstream error body, scrubbed: JSON value by value (so escapes cannot hide a key and the
     * result stays valid JSON), anything else as text byte for byte. The same buffer, byte-exact,
     * when there is nothing to mask.
     */
    public Buffer scrubBody(Buffer body) {
        if (body == null || body.length() == 0) return body;
        JsonNode parsed = Json.parseOrNull(body);
        if (parsed != null) {
            JsonNode s = scrub(parsed);
            return s == parsed ? body : Json.toBuffer(s);
        }
        String text = body.toString(StandardCharsets.ISO_8859_1); // every byte kept, whatever the encoding
        String s = scrub(text);
        return s == text ? body : Buffer.buffer(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * A stream event, scrubbed when it is an error event (an {@code error} event, a Responses
     * {@code response.failed}, or data carrying a top-level {@code error}); any other event is the
     * answer itself and is returned as it is, to be relayed byte-exact.
     */
    public StreamChunk scrubEvent(StreamChunk chunk) {
        if (!isErrorEvent(chunk)) return chunk;
        JsonNode json = chunk.json();
        if (json != null) {
            JsonNode s = scrub(json);
            return s == json ? chunk : StreamChunk.of(chunk.event(), s);
        }
        String data = chunk.data();
        String s = scrub(data);
        return s == data ? chunk : new StreamChunk(chunk.event(), s, null);
    }

    /** Whether this upstream event reports an error rather than carrying the answer. */
    public static boolean isErrorEvent(StreamChunk chunk) {
        String event = chunk.event();
        if ("error".equals(event) || "response.failed".equals(event)) return true;
        String data = chunk.data();
        // Cheap test first: an error's JSON names the field; answer text holds the word only escaped.
        if (data == null || !data.contains("\"error\"")) return false;
        JsonNode json = chunk.json();
        if (json == null || !json.isObject()) return false;
        JsonNode error = json.get("error");
        if (error != null && !error.isNull()) return true;
        String type = json.path("type").asText("");
        return type.equals("error") || type.equals("response.failed");
    }

    /** JSON string escaping of a value, without the quotes (as Jackson writes it). */
    private static String jsonEscaped(String s) {
        String quoted = TextNode.valueOf(s).toString();
        return quoted.substring(1, quoted.length() - 1);
    }
}
