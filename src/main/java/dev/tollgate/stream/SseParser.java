package dev.tollgate.stream;

import dev.tollgate.chain.StreamChunk;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental server-sent events parser (WHATWG HTML §9.2.6): bytes in, whole events out, each
 * with its original bytes so an unchanged event is relayed exactly. Lines end in CRLF, LF or CR;
 * a blank line ends an event; {@code data} lines are joined with LF; comments are kept in the raw
 * bytes of the next event but carry no data.
 */
public final class SseParser {

    /** No legitimate event is this large; an upstream that never ends an event is cut off. */
    public static final int MAX_EVENT_BYTES = 16 << 20;

    private Buffer pending = Buffer.buffer();
    private int scan;          // next byte to examine in pending (bytes before it are never rescanned)
    private int lineStart;     // start of the current, unfinished line in pending
    private boolean lastWasCr; // a CR ended the previous line: a following LF belongs to it
    private boolean deferred;  // an event ended with a CR at the buffer's end: emitted once we know if an LF follows
    private boolean crlf;      // the last line ending seen was CRLF: a blank line's CR will be followed by an LF

    /** Thrown when an event grows past {@link #MAX_EVENT_BYTES}. */
    public static final class EventTooLarge extends RuntimeException {
        EventTooLarge() {
            super("event too large", null, false, false);
        }
    }

    public void feed(Buffer data, Consumer<StreamChunk> out) {
        pending.appendBuffer(data);
        int len = pending.length();
        int eventStart = 0;
        int i = scan;
        while (i < len) {
            byte b = pending.getByte(i);
            if (lastWasCr) {
                lastWasCr = false;
                if (b == '\n') i++; // second half of a CRLF split across buffers
                crlf = b == '\n';
                lineStart = i;
                if (deferred) {
                    deferred = false;
                    emit(pending.getBuffer(eventStart, i), out);
                    eventStart = i;
                }
                continue;
            }
            if (b == '\n' || b == '\r') {
                boolean blank = i == lineStart;
                i++;
                if (b == '\r') {
                    if (i < len) {
                        crlf = pending.getByte(i) == '\n';
                        if (crlf) i++;
                    } else {
                        lastWasCr = true;
                        // Only a CRLF stream is waited on; a bare-CR stream's event is complete now.
                        if (blank && crlf) {
                            deferred = true;
                            lineStart = i;
                            break;
                        }
                    }
                } else {
                    crlf = false;
                }
                if (blank) {
                    emit(pending.getBuffer(eventStart, i), out);
                    eventStart = i;
                }
                lineStart = i;
            } else {
                i++;
            }
        }
        if (eventStart > 0) {
            pending = pending.getBuffer(eventStart, len);
            lineStart -= eventStart;
            i -= eventStart;
        }
        scan = i;
        if (pending.length() > MAX_EVENT_BYTES) throw new EventTooLarge();
    }

    /** The stream ended: emits an event still waiting to learn whether its final CR had an LF. */
    public void finish(Consumer<StreamChunk> out) {
        if (deferred) {
            deferred = false;
            lastWasCr = false;
            Buffer raw = pending;
            pending = Buffer.buffer();
            scan = 0;
            lineStart = 0;
            emit(raw, out);
        }
    }

    /** Bytes of an event that never ended (the upstream stopped mid-event). */
    public boolean hasPartialEvent() {
        if (deferred) return false;
        for (int i = 0; i < pending.length(); i++) {
            byte b = pending.getByte(i);
            if (b != '\n' && b != '\r') return true;
        }
        return false;
    }

    private static void emit(Buffer raw, Consumer<StreamChunk> out) {
        String text = raw.toString(StandardCharsets.UTF_8);
        String event = null;
        StringBuilder data = null;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int end = pos;
            while (end < n && text.charAt(end) != '\n' && text.charAt(end) != '\r') end++;
            if (end > pos) {
                String line = text.substring(pos, end);
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (!value.isEmpty() && value.charAt(0) == ' ') value = value.substring(1);
                if (colon != 0) {
                    if (field.equals("data")) {
                        if (data == null) data = new StringBuilder(value.length());
                        else data.append('\n');
                        data.append(value);
                    } else if (field.equals("event")) {
                        event = value;
                    }
                }
            }
            pos = end;
            if (pos < n && text.charAt(pos) == '\r') pos++;
            if (pos < n && text.charAt(pos) == '\n') pos++;
        }
        out.accept(new StreamChunk(event, data == null ? null : data.toString(), raw));
    }
}
