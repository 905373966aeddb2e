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
 * (SIGTERM) writes everything queued. When the queue is full a row is dropped and counted rather
 * than making a request wait: budgets and limits are held in memory, so they stay exact.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("tollgate.ledger");
    private static final int BATCH = 2_000;

    private final Database db;
    private final ArrayBlockingQueue<LedgerRow> queue;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-ledger-ticker");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private volatile long lastDropWarning;

    public Ledger(Database db, int capacity, long flushIntervalMs) {
        this.db = db;
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
            while (!queue.isEmpty()) writeBatch();
        } catch (RuntimeException e) {
            LOG.error("ledger write failed; rows stay queued for the next flush: {}", e.getMessage());
        }
    }

    private void writeBatch() {
        List<LedgerRow> rows = new ArrayList<>(Math.min(queue.size(), BATCH));
        queue.drainTo(rows, BATCH);
        if (rows.isEmpty()) return;
        try {
            db.writeNow(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger (ts, request_id, key_id, user_id, team_id, model, "
                        + "endpoint, status, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, "
                        + "cost_nanousd, usage_source, priced) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                    for (LedgerRow r : rows) {
                        bind(ps, r);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
            written.addAndGet(rows.size());
        } catch (RuntimeException e) {
            // Put them back (as far as there is room) so a passing failure (disk full, lock) loses nothing.
            for (LedgerRow r : rows) if (!queue.offer(r)) dropped.incrementAndGet();
            throw e;
        }
    }

    private static void bind(PreparedStatement ps, LedgerRow r) throws SQLException {
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
    }

    /** Stops the ticker and writes what is queued (SIGTERM). */
    @Override
    public void close() {
        ticker.shutdown();
        flush();
    }
}
