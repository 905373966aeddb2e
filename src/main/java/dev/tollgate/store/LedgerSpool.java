package dev.tollgate.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.json.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Ledger rows that could not reach the database, kept in a local append-only file until it is
 * back: one JSON object per line, forced to disk before {@link #append} returns, so a row the
 * gateway acknowledged survives a crash. Rows carry their idempotent id, so replaying a spool
 * whose rows were partly written already (a crash between the write and {@link #clear}) stores
 * each row once. A line cut short by a crash mid-write is the only one that can be incomplete: it
 * is the last, and it is skipped.
 */
public final class LedgerSpool {

    private static final ObjectMapper MAPPER = Json.MAPPER;

    private final Path file;
    private int rows = -1;
    private FileChannel lockChannel;

    public LedgerSpool(Path file) {
        this.file = file;
    }

    /**
     * The spool of the data directory {@code dir}, held for this process: a second gateway given
     * the same directory is refused, since two writers would replay and clear each other's rows.
     */
    public static LedgerSpool open(Path dir) throws IOException {
        Files.createDirectories(dir);
        LedgerSpool spool = new LedgerSpool(dir.resolve("ledger-spool.jsonl"));
        FileChannel ch = DirectoryLock.take(dir.resolve("ledger-spool.lock"), "the data directory " + dir.toAbsolutePath()
                + " is in use by another running gateway (its ledger spool is locked): give each replica its own TOLLGATE_DATA_DIR");
        spool.lockChannel = ch;
        return spool;
    }

    /** Lets another process take the data directory (this one stops). */
    public synchronized void release() {
        try {
            if (lockChannel != null) lockChannel.close();
        } catch (IOException ignored) {
            // closing: the lock goes with the process anyway
        }
        lockChannel = null;
    }

    public Path file() {
        return file;
    }

    /** Appends rows and forces them to disk. Called from one thread (the store writer). */
    public synchronized void append(List<LedgerRow> batch) throws IOException {
        if (batch.isEmpty()) return;
        int before = size();
        StringBuilder text = new StringBuilder(batch.size() * 256);
        for (LedgerRow r : batch) text.append(MAPPER.writeValueAsString(r)).append('\n');
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) ch.write(bytes);
            ch.force(false);
        }
        rows = before + batch.size();
    }

    /** Every complete row in the order it was spooled. */
    public synchronized List<LedgerRow> read() throws IOException {
        List<LedgerRow> out = new ArrayList<>();
        if (!Files.exists(file)) {
            rows = 0;
            return out;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                out.add(MAPPER.readValue(line, LedgerRow.class));
            } catch (IOException torn) {
                if (i < lines.size() - 1) throw new IOException("ledger spool " + file + ": line " + (i + 1) + " is not a ledger row", torn);
                // the last line, cut short by a crash while it was written: never acknowledged
            }
        }
        rows = out.size();
        return out;
    }

    /** Forgets every row: call only after all of them are in the database. */
    public synchronized void clear() throws IOException {
        Files.deleteIfExists(file);
        rows = 0;
    }

    /** How many rows wait in the spool. */
    public synchronized int size() {
        if (rows < 0) {
            try {
                read();
            } catch (IOException e) {
                return 0;
            }
        }
        return rows;
    }
}
