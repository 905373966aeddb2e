package dev.tollgate.http;

import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/**
 * Timeouts for one event loop without a timer per request: a deadline is a field write, and one
 * periodic sweep fires the expired ones. Re-arming (say, on every stream chunk) costs nothing more
 * than reading the clock. Not thread-safe: used only from its event loop.
 */
public final class Deadlines {

    private final List<Deadline> watched = new ArrayList<>();
    private final long periodicId;
    private final Vertx vertx;

    public Deadlines(Vertx vertx, long tickMs) {
        this.vertx = vertx;
        this.periodicId = vertx.setPeriodic(tickMs, id -> sweep());
    }

    public Deadline create(Runnable onExpire) {
        return new Deadline(onExpire);
    }

    public void close() {
        vertx.cancelTimer(periodicId);
    }

    private void sweep() {
        if (watched.isEmpty()) return;
        long now = System.nanoTime();
        List<Deadline> expired = null;
        for (int i = watched.size() - 1; i >= 0; i--) {
            Deadline d = watched.get(i);
            if (d.at == 0 || now - d.at >= 0) {
                // Swap-remove: order does not matter.
                int last = watched.size() - 1;
                watched.set(i, watched.get(last));
                watched.remove(last);
                d.listed = false;
                if (d.at != 0) {
                    d.at = 0;
                    if (expired == null) expired = new ArrayList<>();
                    expired.add(d);
                }
            }
        }
        if (expired != null) for (Deadline d : expired) d.onExpire.run();
    }

    /** One timeout: armed, re-armed, disarmed. */
    public final class Deadline {
        private final Runnable onExpire;
        private long at;
        private boolean listed;

        private Deadline(Runnable onExpire) {
            this.onExpire = onExpire;
        }

        /** Fire after this many milliseconds from now, replacing any earlier arming. */
        public void arm(long ms) {
            long t = System.nanoTime() + ms * 1_000_000L;
            at = t == 0 ? 1 : t;
            if (!listed) {
                listed = true;
                watched.add(this);
            }
        }

        public void disarm() {
            at = 0;
        }

        public boolean armed() {
            return at != 0;
        }
    }
}
