package dev.tollgate.stream;

import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Incremental server-sent events parser (WHATWG HTML §9.2.6): bytes in, whole events out, each
 * with its original bytes so an unchanged event is relayed exactly. Lines end in CRLF, LF or CR;
 * a blank line ends an event; {@code data} lines are joined with LF; comments are kept in the raw
 * bytes of the next event but carry no data.
 *
 * <p>Each read is scanned once, in place. An event that lies within one read is a slice of it (no
 * copy); only the bytes of an event cut by a read boundary are kept, and copied once more when it
 * ends. Fields are not decoded here: a {@link StreamChunk} reads them from its bytes when asked.
 */
public final class SseParser {

    /** No legitimate event is this large; an upstream that never ends an event is cut off. */
    public static final int MAX_EVENT_BYTES = 16 << 20;

    /** A carry buffer grown past this is let go once its event ends, not kept for the next. */
    private static final int KEEP_CARRY_BYTES = 16 << 10;

    private byte[] carry;       // bytes of the unfinished event from earlier reads: carry[0, carried)
    private int carried;
    private boolean lineStart = true; // nothing of the current line seen yet: a line ending here is a blank line
    private boolean lastWasCr;  // a CR ended the previous line: a following LF belongs to it
    private boolean deferred;   // an event ended with a CR at the read's end: emitted once we know if an LF follows
    private boolean crlf;       // the last line ending seen was CRLF: a blank line's CR will be followed by an LF

    /** Thrown when an event grows past {@link #MAX_EVENT_BYTES}. */
    public static final class EventTooLarge extends RuntimeException {
        EventTooLarge() {
            super("event too large", null, false, false);
        }
    }

    public void feed(Buffer data, Consumer<StreamChunk> out) {
        Json.Bytes in = Json.bytes(data);
        byte[] a = in.array();
        int base = in.offset();
        int len = in.length();
        int start = 0; // where the current event's bytes in this read begin
        int i = 0;
        while (i < len) {
            byte b = a[base + i];
            if (lastWasCr) {
                lastWasCr = false;
                if (b == '\n') i++; // second half of a CRLF split across reads
                crlf = b == '\n';
                lineStart = true;
                if (deferred) {
                    deferred = false;
                    emit(data, start, i, out);
                    start = i;
                }
                continue;
            }
            if (b != '\n' && b != '\r') {
                lineStart = false;
                i++;
                continue;
            }
            boolean blank = lineStart;
            i++;
            if (b == '\r') {
                if (i < len) {
                    crlf = a[base + i] == '\n';
                    if (crlf) i++;
                } else {
                    lastWasCr = true;
                    // Only a CRLF stream is waited on; a bare-CR stream's event is complete now.
                    if (blank && crlf) {
                        deferred = true;
                        lineStart = true;
                        break;
                    }
                }
            } else {
                crlf = false;
            }
            if (blank) {
                emit(data, start, i, out);
                start = i;
            }
            lineStart = true;
        }
        if (start < len) keep(a, base + start, len - start);
    }

    /** The stream ended: emits an event still waiting to learn whether its final CR had an LF. */
    public void finish(Consumer<StreamChunk> out) {
        if (deferred) {
            deferred = false;
            lastWasCr = false;
            lineStart = true;
            Buffer raw = Buffer.buffer(carried).appendBytes(carry, 0, carried);
            dropCarry();
            out.accept(StreamChunk.fromWire(raw));
        }
    }

    /** Bytes of an event that never ended (the upstream stopped mid-event). */
    public boolean hasPartialEvent() {
        if (deferred) return false;
        for (int i = 0; i < carried; i++) {
            byte b = carry[i];
            if (b != '\n' && b != '\r') return true;
        }
        return false;
    }

    /** The event of bytes carried from earlier reads plus {@code data[from, to)}. */
    private void emit(Buffer data, int from, int to, Consumer<StreamChunk> out) {
        Buffer raw;
        if (carried == 0) {
            raw = data.slice(from, to);
        } else {
            raw = Buffer.buffer(carried + to - from).appendBytes(carry, 0, carried).appendBuffer(data, from, to - from);
            dropCarry();
        }
        out.accept(StreamChunk.fromWire(raw));
    }

    private void keep(byte[] a, int from, int n) {
        if (carried + n > MAX_EVENT_BYTES) throw new EventTooLarge();
        if (carry == null) carry = new byte[Math.max(256, n)];
        else if (carried + n > carry.length) carry = Arrays.copyOf(carry, Math.max(carried + n, carry.length * 2));
        System.arraycopy(a, from, carry, carried, n);
        carried += n;
    }

    private void dropCarry() {
        carried = 0;
        if (carry != null && carry.length > KEEP_CARRY_BYTES) carry = null;
    }
}
