package dev.tollgate.stream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Gathers the events parsed from one upstream read into one write to the caller: one write (one
 * promise, one flush, one syscall) per read instead of one per event. Only what arrived together
 * is gathered, and it leaves at the end of that read: nothing waits for later bytes. Outside a
 * read ({@link #begin()} not called) every write goes straight through.
 */
public final class WriteCoalescer {

    private final HttpServerResponse client;
    private boolean gathering;
    private Buffer first;    // the only buffer gathered so far, not copied
    private Buffer gathered; // two or more, copied together
    private boolean wrote;

    public WriteCoalescer(HttpServerResponse client) {
        this.client = client;
    }

    /** Start of one upstream read: writes are held until {@link #flush()}. */
    public void begin() {
        gathering = true;
    }

    public void write(Buffer bytes) {
        if (!gathering) {
            wrote = true;
            client.write(bytes);
        } else if (gathered != null) {
            gathered.appendBuffer(bytes);
        } else if (first == null) {
            first = bytes;
        } else {
            gathered = Buffer.buffer(Math.max(1024, 2 * (first.length() + bytes.length()))).appendBuffer(first).appendBuffer(bytes);
            first = null;
        }
    }

    /** End of the read (or a write that must follow what was gathered): sends what was gathered, stops gathering. */
    public void flush() {
        gathering = false;
        Buffer out = gathered != null ? gathered : first;
        first = null;
        gathered = null;
        if (out != null) {
            wrote = true;
            client.write(out);
        }
    }

    /** Whether anything has been written to the caller yet. */
    public boolean wrote() {
        return wrote;
    }
}
