package dev.tollgate.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Deletes request records' prompt and answer texts older than the retention period, in the
 * background: batches of {@link #BATCH} rows, each its own short transaction on the store writer,
 * so ledger batches and admin changes go on between them. Every replica may run it: deleting what
 * another already deleted is harmless. Ledger rows are not touched (budgets and reports read them).
 */
public final class TextRetention implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("tollgate.ledger");
    static final int BATCH = 1_000;
    private static final long DAY = 86_400_000L;

    private final Database db;
    private final LongSupplier clock;
    private final int days;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-retention");
        t.setDaemon(true);
        return t;
    });

    /** {@code days} 0: texts are kept until deleted by hand. */
    public TextRetention(Database db, LongSupplier clock, int days) {
        this.db = db;
        this.clock = clock;
        this.days = days;
        if (days > 0) ticker.scheduleWithFixedDelay(this::runQuietly, 60, 3_600, TimeUnit.SECONDS);
    }

    /** Deletes every text past the retention period now, batch by batch; returns how many were deleted. */
    public long runOnce() {
        if (days <= 0) return 0;
        long cutoff = clock.getAsLong() - days * DAY;
        long deleted = 0;
        while (true) {
            int n = db.write(c -> RequestRecords.deleteTextsBefore(c, cutoff, BATCH)).join();
            deleted += n;
            if (n < BATCH) return deleted;
        }
    }

    private void runQuietly() {
        try {
            long n = runOnce();
            if (n > 0) LOG.info("request records: {} prompt and answer texts older than {} days deleted", n, days);
        } catch (RuntimeException e) {
            LOG.warn("request records: deleting old texts failed, tried again in an hour: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
