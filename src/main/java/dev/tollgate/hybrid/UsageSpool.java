package dev.tollgate.hybrid;

import dev.tollgate.json.Json;
import dev.tollgate.store.LedgerRow;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A data plane's ledger rows on their way to the control plane: an append-only file of one JSON
 * row a line (the ledger spool's format), forced to disk before {@link #append} returns, and a
 * second small file holding how far the control plane has acknowledged it (a byte offset, replaced
 * atomically). Rows are sent from the offset in order and the offset moves only after the control
 * plane said it stored them, so a crash between its answer and the move sends them again, and the
 * control plane, which keeps one ledger row per row id, stores them once. The file is emptied when
 * everything is acknowledged, and rewritten without its acknowledged head when that grows large.
 * Blocking: call from one worker thread, never an event loop.
 */
final class UsageSpool implements AutoCloseable {

    static final String NAME = "tollgate-usage-spool.jsonl";
    static final String SENT = "tollgate-usage-spool.sent";
    static final String LOCK = "tollgate-usage-spool.lock";
    /** An acknowledged head longer than this is cut off the file. */
    static final long COMPACT_BYTES = 8L << 20;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    private final Path file;
    private final Path sent;
    private final FileChannel lockChannel;
    /** {@link #COMPACT_BYTES}; tests make it small. */
    long compactAt = COMPACT_BYTES;
    /** Byte offset of the first row not acknowledged. */
    private long head;
    /** Byte length of the complete rows in the file. */
    private long end;
    /** Rows from head to end. */
    private int rows;

    /** A run of rows from the head: acknowledge it to move the head past it. */
    record Batch(List<LedgerRow> rows, long from, long to, int lines) {}

    private UsageSpool(Path dir, FileChannel lockChannel) {
        this.file = dir.resolve(NAME);
        this.sent = dir.resolve(SENT);
        this.lockChannel = lockChannel;
    }

    /**
     * The spool of a data directory, held by this process (a second data plane on the same directory
     * is refused). A last line cut short by a crash mid-write is cut off: it was never complete.
     */
    static UsageSpool open(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = dev.tollgate.store.DirectoryLock.take(dir.resolve(LOCK), "the data directory " + dir.toAbsolutePath()
                + " is in use by another running data plane (its usage spool is locked): give each data plane its own TOLLGATE_DATA_DIR");
        UsageSpool s = new UsageSpool(dir, ch);
        try {
            s.load();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return s;
    }

    private void load() throws IOException {
        head = 0;
        if (Files.exists(sent)) {
            try {
                head = Long.parseLong(Files.readString(sent, StandardCharsets.UTF_8).trim());
            } catch (NumberFormatException e) {
                head = 0; // unreadable: send everything again (stored once all the same)
            }
        }
        end = 0;
        rows = 0;
        if (!Files.exists(file)) {
            // An offset without its spool is stale: kept, it would skip the head of the next spool.
            Files.deleteIfExists(sent);
            head = 0;
            return;
        }
        long saved = head;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (head < 0 || head > size) head = 0;
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long pos = 0;
            while (pos < size) {
                buf.clear();
                int n = ch.read(buf, pos);
                if (n <= 0) break;
                for (int i = 0; i < n; i++) {
                    if (buf.get(i) == '\n') {
                        end = pos + i + 1;
                        if (end > head) rows++;
                    }
                }
                pos += n;
            }
            if (end < size) {
                LOG.warn("usage spool {}: cut off an incomplete last row (written when the data plane stopped)", file);
                ch.truncate(end);
                ch.force(true);
            }
        }
        if (head > end) head = 0;
        if (head != saved) Files.deleteIfExists(sent); // it did not fit this file: everything is sent again (stored once)
    }

    Path file() {
        return file;
    }

    /** Rows not acknowledged yet. */
    synchronized int size() {
        return rows;
    }

    /** Appends rows after the others and forces them to disk. */
    synchronized void append(List<LedgerRow> batch) throws IOException {
        if (batch.isEmpty()) return;
        StringBuilder text = new StringBuilder(batch.size() * 320);
        for (LedgerRow r : batch) text.append(Json.MAPPER.writeValueAsString(r)).append('\n');
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long pos = end;
            while (b.hasRemaining()) pos += ch.write(b, pos);
            ch.force(false);
        }
        end += bytes.length;
        rows += batch.size();
    }

    /** The first rows not acknowledged, in order: at most {@code maxRows}, and about {@code maxBytes} (at least one row). */
    synchronized Batch peek(int maxRows, int maxBytes) throws IOException {
        List<LedgerRow> out = new ArrayList<>();
        if (rows == 0) return new Batch(out, head, head, 0);
        int lines = 0;
        long pos = head;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int want = (int) Math.min(end - head, maxBytes);
            while (true) {
                ByteBuffer buf = ByteBuffer.allocate(want);
                while (buf.hasRemaining() && ch.read(buf, head + buf.position()) > 0) {
                    // fill
                }
                byte[] bytes = buf.array();
                int start = 0;
                for (int i = 0; i < bytes.length && out.size() < maxRows; i++) {
                    if (bytes[i] != '\n') continue;
                    String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                    start = i + 1;
                    pos = head + start;
                    if (line.isBlank()) continue;
                    lines++;
                    try {
                        out.add(Json.MAPPER.readValue(line, LedgerRow.class));
                    } catch (IOException bad) {
                        // Not a row (the disk damaged it): it can never be sent; skipped with the batch rather than stopping all.
                        LOG.error("usage spool {}: skipped a damaged row at byte {}", file, pos - (i - start + 1));
                    }
                }
                if (pos > head || want >= end - head) break;
                want = (int) Math.min(end - head, (long) want * 4); // one row longer than maxBytes
            }
        }
        return new Batch(out, head, pos, lines);
    }

    /**
     * The control plane stored this batch: moves the head past it (a batch not at the head, which
     * cannot happen with one sender, is ignored). Empties the files once everything is acknowledged.
     */
    synchronized void acknowledge(Batch b) throws IOException {
        if (b.from() != head || b.to() <= head) return;
        if (b.to() >= end) {
            // Everything is home. The offset goes first: a crash between the two deletes sends the rows again, never skips any.
            Files.deleteIfExists(sent);
            Files.deleteIfExists(file);
            head = 0;
            end = 0;
            rows = 0;
            return;
        }
        rows -= b.lines();
        head = b.to();
        if (head >= compactAt) compact();
        else writeSent(head);
    }

    /** Rewrites the file without its acknowledged head. The offset is reset first: a crash in between sends the head again. */
    private void compact() throws IOException {
        Path tmp = file.resolveSibling(NAME + ".tmp");
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = head;
            while (pos < end) pos += in.transferTo(pos, end - pos, out);
            out.force(true);
        }
        writeSent(0);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        end -= head;
        head = 0;
    }

    private void writeSent(long offset) throws IOException {
        Path tmp = sent.resolveSibling(SENT + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((offset + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, sent, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public synchronized void close() {
        try {
            lockChannel.close();
        } catch (IOException ignored) {
            // closing: the lock goes with the process anyway
        }
    }
}
