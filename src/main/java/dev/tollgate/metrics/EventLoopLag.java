package dev.tollgate.metrics;

import io.vertx.core.Vertx;

/**
 * Event-loop health: a one-shot timer on the loop, due every {@value #INTERVAL_MS} ms, records how
 * late it ran. A loop busy with long work (or blocked) runs it late, so the lag's maximum shows
 * stalls every request on that loop waited through.
 */
final class EventLoopLag implements AutoCloseable {

    static final long INTERVAL_MS = 200;

    private final Vertx vertx;
    private final GatewayMetrics metrics;
    private long dueNanos;
    private long timerId = -1;
    private volatile boolean stopped;

    private EventLoopLag(Vertx vertx, GatewayMetrics metrics) {
        this.vertx = vertx;
        this.metrics = metrics;
    }

    /** Starts on the calling context (an event loop's verticle). */
    static EventLoopLag start(Vertx vertx, GatewayMetrics metrics) {
        EventLoopLag lag = new EventLoopLag(vertx, metrics);
        lag.schedule();
        return lag;
    }

    private void schedule() {
        dueNanos = System.nanoTime() + INTERVAL_MS * 1_000_000;
        timerId = vertx.setTimer(INTERVAL_MS, id -> {
            if (stopped) return;
            metrics.eventLoopLag(Math.max(0, System.nanoTime() - dueNanos));
            schedule();
        });
    }

    @Override
    public void close() {
        stopped = true;
        vertx.cancelTimer(timerId);
    }
}
