package dev.tollgate.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The usage ledger, written off the request path. Requests {@link #record} a row into a bounded
 * queue (never waiting); every flush interval the store writer takes the whole queue and writes it
 * in one transaction. A kill -9 loses at most the rows of the last interval; {@link #close}
 * (SIGTERM) writes everything queued. When the database cannot be reached, rows go to the local
 * {@link LedgerSpool} instead (forced to disk) and are written, in order, when it is back; rows
 * carry idempotent ids, so a replay stores each once. Without a spool, or when the queue is full,
 * a row is dropped and counted rather than making a request wait.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("tollgate.ledger");
    private static final int BATCH = 2_000;

    private final Database db;
    private final LedgerSpool spool;
    private final ArrayBlockingQueue<LedgerRow> queue;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-ledger-ticker");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private volatile long lastDropWarning;
    /** Set while the database refuses writes: rows go to the spool. */
    private volatile boolean unreachable;
    private final AtomicLong replayed = new AtomicLong();
    /**
     * Set when a write failed (it may have committed all the same) until the queue has been written
     * whole: meanwhile, batches first ask which rows are stored already. Rows never tried cannot be.
     */
    private boolean unsureWhatIsStored;

    public Ledger(Database db, int capacity, long flushIntervalMs) {
        this(db, capacity, flushIntervalMs, null);
    }

    /** With a spool for the rows the database cannot take (null: none). */
    public Ledger(Database db, int capacity, long flushIntervalMs, LedgerSpool spool) {
        this.db = db;
        this.spool = spool;
        this.queue = new ArrayBlockingQueue<>(capacity);
        ticker.scheduleWithFixedDelay(() -> db.writeThread().execute(this::flushQuietly), flushIntervalMs, flushIntervalMs,
                TimeUnit.MILLISECONDS);
    }

    /** Queues a row; never blocks. Returns false when the queue was full and the row was dropped. */
    public boolean record(LedgerRow row) {
        if (queue.offer(row)) return true;
        long n = dropped.incrementAndGet();
        long now = System.currentTimeMillis();
        if (now - lastDropWarning > 10_000) {
            lastDropWarning = now;
            LOG.warn("ledger queue full: {} rows dropped so far (raise TOLLGATE_LEDGER_QUEUE_SIZE or check the disk)", n);
        }
        return false;
    }

    public long dropped() {
        return dropped.get();
    }

    public long written() {
        return written.get();
    }

    public int queued() {
        return queue.size();
    }

    /** Whether the last write failed: the database is unreachable and rows are being spooled. */
    public boolean unreachable() {
        return unreachable;
    }

    /** Rows waiting in the spool for the database. */
    public int spooled() {
        return spool == null ? 0 : spool.size();
    }

    /** Rows written from the spool since start. */
    public long replayed() {
        return replayed.get();
    }

    /** Writes everything queued so far, on the store writer, without waiting (before a report is read). */
    public java.util.concurrent.CompletableFuture<Void> flushAsync() {
        return java.util.concurrent.CompletableFuture.runAsync(this::flushQuietly, db.writeThread());
    }

    /** Writes everything queued now, on the store writer, and waits for it (tests, shutdown). */
    public void flush() {
        try {
            db.writeThread().submit(this::flushQuietly).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("ledger flush did not finish: {}", e.getClass().getSimpleName());
        }
    }

    private void flushQuietly() {
        try {
            // Spooled rows are older than queued ones: they go first, so the ledger keeps its order.
            if (spool != null && spool.size() > 0) replaySpool();
            while (!queue.isEmpty()) writeBatch();
            unsureWhatIsStored = false;
            if (unreachable) {
                unreachable = false;
                LOG.info("ledger database reachable again; {} spooled rows written so far", replayed.get());
            }
        } catch (RuntimeException e) {
            if (spool != null) {
                spoolQueue();
                if (!unreachable) LOG.warn("ledger database unreachable ({}); rows are spooled to {} until it is back", e.getMessage(),
                        spool.file());
                unreachable = true;
            } else {
                LOG.error("ledger write failed; rows stay queued for the next flush: {}", e.getMessage());
            }
        }
    }

    /** Writes the spool's rows in order, then empties it; a failure leaves it whole (replays are idempotent). */
    private void replaySpool() {
        List<LedgerRow> rows;
        try {
            rows = spool.read();
        } catch (java.io.IOException e) {
            LOG.error("ledger spool {} unreadable: {}", spool.file(), e.getMessage());
            return;
        }
        for (int i = 0; i < rows.size(); i += BATCH) insert(rows.subList(i, Math.min(rows.size(), i + BATCH)), true);
        try {
            spool.clear();
        } catch (java.io.IOException e) {
            LOG.error("ledger spool {} written but not emptied (its rows are stored once however often they are replayed): {}",
                    spool.file(), e.getMessage());
        }
        replayed.addAndGet(rows.size());
    }

    /** Moves every queued row to the spool (forced to disk): acknowledged rows survive the outage and a crash. */
    private void spoolQueue() {
        List<LedgerRow> rows = new ArrayList<>(queue.size());
        queue.drainTo(rows);
        if (!rows.isEmpty() && !toSpool(rows)) requeue(rows);
    }

    private void writeBatch() {
        List<LedgerRow> rows = new ArrayList<>(Math.min(queue.size(), BATCH));
        queue.drainTo(rows, BATCH);
        if (rows.isEmpty()) return;
        try {
            insert(rows, unsureWhatIsStored);
        } catch (RuntimeException e) {
            unsureWhatIsStored = true;
            // Into the spool, or back into the queue as far as there is room: a passing failure loses nothing.
            if (spool == null || !toSpool(rows)) requeue(rows);
            throw e;
        }
        written.addAndGet(rows.size());
    }

    private boolean toSpool(List<LedgerRow> rows) {
        try {
            spool.append(rows);
            return true;
        } catch (java.io.IOException e) {
            LOG.error("ledger spool {} not writable ({}); rows stay queued", spool.file(), e.getMessage());
            return false;
        }
    }

    private void requeue(List<LedgerRow> rows) {
        for (LedgerRow r : rows) if (!queue.offer(r)) dropped.incrementAndGet();
    }

    /** Writes rows not stored yet, their texts and their share of the hourly rollups, in one transaction. */
    private void insert(List<LedgerRow> rows, boolean someMayBeStored) {
        db.writeNow(c -> insert(c, rows, someMayBeStored, null));
    }

    /** Work beside received rows, in their transaction: told how many of them were new to the ledger. */
    @FunctionalInterface
    public interface Alongside {
        void run(java.sql.Connection c, int stored) throws SQLException;
    }

    /**
     * Stores rows a data plane sent, on the store writer, and completes once they are committed:
     * rows whose id the ledger holds already (a batch sent again after its answer was lost) are
     * skipped, the rest written with their rollups and texts, attributed to {@code dataPlaneId}, in
     * one transaction that runs {@code first} before and {@code alongside} after them. Completes
     * with how many rows were new. {@code first} should lock what serialises two writes of the same
     * batch (the data plane's record): then which rows are new is exact also between processes.
     */
    public java.util.concurrent.CompletableFuture<Integer> storeReceived(List<LedgerRow> rows, String dataPlaneId, Database.Work<?> first,
                                                                         Alongside alongside) {
        return db.write(c -> {
            first.run(c);
            int stored = insert(c, rows, true, dataPlaneId);
            alongside.run(c, stored);
            return stored;
        });
    }

    private static int insert(java.sql.Connection c, List<LedgerRow> rows, boolean someMayBeStored, String dataPlaneId) throws SQLException {
        SqlDialect d = SqlDialect.of(c);
        List<LedgerRow> fresh = someMayBeStored ? Rollups.notYetStored(c, rows) : Rollups.once(rows);
        if (fresh.isEmpty()) return 0;
        try (PreparedStatement ps = c.prepareStatement(d.insertUnlessPresent("ledger", COLUMNS, "row_id"))) {
            for (LedgerRow r : fresh) {
                bind(ps, r, dataPlaneId);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Rollups.add(c, d, fresh);
        return fresh.size();
    }

    private static final String COLUMNS = "ts, request_id, key_id, user_id, team_id, model, endpoint, status, input_tokens, "
            + "cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, usage_source, priced, row_id, "
            + "latency_ms, ttfb_ms, findings, data_plane_id";

    private static void bind(PreparedStatement ps, LedgerRow r, String dataPlaneId) throws SQLException {
        ps.setLong(1, r.ts());
        ps.setString(2, r.requestId());
        ps.setString(3, r.keyId());
        ps.setString(4, r.user());
        ps.setString(5, r.team());
        ps.setString(6, r.model());
        ps.setString(7, r.endpoint());
        ps.setInt(8, r.status());
        ps.setLong(9, r.inputTokens());
        ps.setLong(10, r.cachedInputTokens());
        ps.setLong(11, r.cacheWriteTokens());
        ps.setLong(12, r.outputTokens());
        ps.setLong(13, r.reasoningTokens());
        ps.setLong(14, r.costNanoUsd());
        ps.setString(15, r.usageSource());
        ps.setInt(16, r.priced() ? 1 : 0);
        ps.setString(17, r.rowId());
        setLong(ps, 18, r.latencyMs());
        setLong(ps, 19, r.ttfbMs());
        ps.setString(20, r.findings());
        ps.setString(21, dataPlaneId); // null: served here
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, java.sql.Types.BIGINT);
        else ps.setLong(i, v);
    }

    /** Stops the ticker and writes what is queued (SIGTERM). */
    @Override
    public void close() {
        ticker.shutdown();
        flush();
    }
}
