package dev.tollgate.hybrid;

import dev.tollgate.access.AccessControl;
import dev.tollgate.access.AccessSettings;
import dev.tollgate.config.Settings;
import dev.tollgate.store.LedgerRow;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A data plane's ledger, sent home. Requests {@link #record} their row into a bounded queue (never
 * waiting, as the standalone ledger does); every {@code TOLLGATE_LEDGER_FLUSH_MS} one worker thread
 * appends the queue to the {@link UsageSpool} (forced to disk) and sends the spool's rows in order,
 * a batch at a time, to the control plane's {@code POST /dataplane/v1/usage}. A batch leaves the
 * spool only once the control plane answered that it stored it; while the control plane is away
 * or refuses, rows stay and are tried again with a growing pause (up to 10 s). Each post says how
 * many rows wait ({@code x-tollgate-rows-waiting}), and so does each snapshot request.
 */
public final class UsageShipper implements AccessControl.RowSink {

    public static final String PATH = "/dataplane/v1/usage";
    static final String WAITING_HEADER = "x-tollgate-rows-waiting";
    static final int BATCH_ROWS = 200;
    static final int BATCH_BYTES = 4 << 20;
    static final long MAX_PAUSE_MS = 10_000;
    private static final long LOG_EVERY_MS = 30_000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    private final HttpClient client;
    private final URI base;
    private final String token;
    private final String planeId;
    private final UsageSpool spool;
    private final ArrayBlockingQueue<LedgerRow> queue;
    private final LongSupplier clock;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-usage-shipper");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    /** Rows in the spool (not acknowledged), kept here so that an event loop reads it without touching the file. */
    private volatile int spooled;
    private volatile boolean closed;
    // Worker thread only:
    private boolean sending;
    private int failures;
    private long nextAttemptAt;
    private long lastFailureLog;
    private long lastDropWarning;

    UsageShipper(Vertx vertx, URI base, String token, String planeId, UsageSpool spool, int queueSize, LongSupplier clock) {
        this.base = base;
        this.token = token;
        this.planeId = planeId;
        this.spool = spool;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.clock = clock;
        this.spooled = spool.size();
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000)
                .setSsl("https".equalsIgnoreCase(base.getScheme())).setForceSni(true));
    }

    /**
     * Opens the data directory's spool (blocking: at start-up) and starts sending; rows left by the
     * last run go first.
     */
    public static UsageShipper start(Vertx vertx, Settings s, LongSupplier clock) {
        Path dir = Path.of(s.get(AccessSettings.DATA_DIR));
        UsageSpool spool;
        try {
            spool = UsageSpool.open(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot use " + AccessSettings.DATA_DIR.key() + ": " + e.getMessage(), e);
        }
        UsageShipper shipper = new UsageShipper(vertx, URI.create(HybridSettings.controlPlaneUrl(s)), HybridSettings.token(s),
                DataPlaneSync.planeId(dir), spool, s.get(AccessSettings.LEDGER_QUEUE_SIZE), clock);
        if (spool.size() > 0) LOG.info("data plane {}: {} usage rows from before the restart wait in {}", shipper.planeId, spool.size(), spool.file());
        shipper.run(s.get(AccessSettings.LEDGER_FLUSH_MS));
        return shipper;
    }

    /** Spools and sends every {@code everyMs}. */
    void run(long everyMs) {
        worker.scheduleWithFixedDelay(this::tick, 0, everyMs, TimeUnit.MILLISECONDS);
    }

    /** Queues a request's row; never blocks. False when the queue was full and the row was dropped (counted, logged). */
    @Override
    public boolean record(LedgerRow row) {
        if (queue.offer(row)) return true;
        long n = dropped.incrementAndGet();
        onWorker(() -> {
            long now = clock.getAsLong();
            if (now - lastDropWarning > 10_000) {
                lastDropWarning = now;
                LOG.warn("usage queue full: {} rows dropped so far (raise TOLLGATE_LEDGER_QUEUE_SIZE or check the disk)", n);
            }
        });
        return false;
    }

    /** Rows not acknowledged by the control plane yet: queued and spooled. */
    public int waiting() {
        return spooled + queue.size();
    }

    /** Rows queued in memory, not yet in the spool. */
    public int queued() {
        return queue.size();
    }

    /** Rows in the spool, not yet acknowledged by the control plane. */
    public int spooled() {
        return spooled;
    }

    public long dropped() {
        return dropped.get();
    }

    /** Rows the control plane acknowledged since start. */
    public long sent() {
        return sent.get();
    }

    /** Worker: the queue to the spool, then the next batch if none is on its way. */
    private void tick() {
        try {
            spoolQueue();
            sendNext();
        } catch (RuntimeException e) {
            LOG.error("usage shipper: {}", e.getClass().getSimpleName());
        }
    }

    private void spoolQueue() {
        if (queue.isEmpty()) return;
        List<LedgerRow> rows = new ArrayList<>(queue.size());
        queue.drainTo(rows);
        try {
            spool.append(rows);
            spooled = spool.size();
        } catch (IOException e) {
            // Back into the queue as far as there is room: the disk may come back.
            for (LedgerRow r : rows) if (!queue.offer(r)) dropped.incrementAndGet();
            LOG.error("usage spool {} not writable ({}); rows stay queued", spool.file(), e.getMessage());
        }
    }

    private void sendNext() {
        if (closed || sending || spool.size() == 0 || clock.getAsLong() < nextAttemptAt) return;
        UsageSpool.Batch batch;
        try {
            batch = spool.peek(BATCH_ROWS, BATCH_BYTES);
        } catch (IOException e) {
            LOG.error("usage spool {} unreadable: {}", spool.file(), e.getMessage());
            return;
        }
        sending = true;
        int waitingNow = waiting();
        Future<Void> posted = batch.rows().isEmpty() ? Future.succeededFuture() : post(batch, waitingNow);
        posted.onComplete(ar -> onWorker(() -> {
            sending = false;
            if (ar.succeeded()) {
                try {
                    spool.acknowledge(batch);
                    spooled = spool.size();
                } catch (IOException e) {
                    // The control plane has the rows; sent again later, they are stored once.
                    LOG.error("usage spool {}: could not note what the control plane stored ({})", spool.file(), e.getMessage());
                }
                sent.addAndGet(batch.rows().size());
                if (failures > 0) LOG.info("data plane {}: the control plane takes usage again", planeId);
                failures = 0;
                nextAttemptAt = 0;
                sendNext(); // more waiting: at once
            } else {
                failures++;
                nextAttemptAt = clock.getAsLong() + Math.min(MAX_PAUSE_MS, 250L << Math.min(failures, 6));
                failed(ar.cause());
            }
        }));
    }

    private void onWorker(Runnable r) {
        try {
            worker.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // closed: what was not acknowledged stays in the spool for the next start
        }
    }

    private Future<Void> post(UsageSpool.Batch batch, int waitingNow) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(base.getHost())
                .setPort(base.getPort() > 0 ? base.getPort() : "https".equalsIgnoreCase(base.getScheme()) ? 443 : 80)
                .setURI(basePath() + PATH)
                .setTimeout(60_000)
                .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(DataPlaneSync.ID_HEADER, planeId)
                .putHeader(DataPlaneSync.VERSION_HEADER, DataPlaneSync.version())
                .putHeader(WAITING_HEADER, Integer.toString(waitingNow));
        Buffer body = Buffer.buffer(UsageBatch.write(batch.rows()));
        return client.request(options).compose(req -> req.send(body)).compose(resp -> resp.body().compose(answer -> {
            if (resp.statusCode() == 200) return Future.succeededFuture();
            String why = switch (resp.statusCode()) {
                case 401 -> "the control plane refused TOLLGATE_DATA_PLANE_TOKEN (401)";
                case 404 -> "the control plane does not take usage (404: not a control plane, or an older version)";
                default -> "the control plane refused a usage batch (" + resp.statusCode() + ": " + errorMessage(answer) + ")";
            };
            return Future.failedFuture(new DataPlaneSync.Refused(why));
        }));
    }

    private static String errorMessage(Buffer answer) {
        try {
            return dev.tollgate.api.ApiError.clip(dev.tollgate.json.Json.parse(answer.toString()).path("error").path("message").asText());
        } catch (IOException | RuntimeException e) {
            return "no error body";
        }
    }

    private void failed(Throwable e) {
        long now = clock.getAsLong();
        if (now - lastFailureLog < LOG_EVERY_MS) return;
        lastFailureLog = now;
        String why = e instanceof DataPlaneSync.Refused ? e.getMessage() : "control plane unreachable (" + e.getClass().getSimpleName() + ")";
        LOG.warn("data plane {}: usage not sent: {}; {} rows wait in {}", planeId, why, waiting(), spool.file());
    }

    private String basePath() {
        String p = base.getRawPath();
        return p == null ? "" : p.replaceAll("/+$", "");
    }

    /** Stops sending and writes what is queued to the spool (SIGTERM): it goes home after the next start. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            worker.submit(this::spoolQueue).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("usage queue not spooled at stop: {}", e.getClass().getSimpleName());
        }
        worker.shutdown();
        client.close();
        spool.close();
    }
}
