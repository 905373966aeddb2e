package dev.tollgate.metrics;

import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The meters of round trips to the shared counter store (Redis); see {@link GatewayMetrics#sharedStateCalls()}. */
public final class SharedStateCalls {

    static final SharedStateCalls NONE = new SharedStateCalls(null, null, null);

    private final Timer ok;
    private final Timer failed;
    private final AtomicInteger up;

    SharedStateCalls(Timer ok, Timer failed, AtomicInteger up) {
        this.ok = ok;
        this.failed = failed;
        this.up = up;
    }

    /** One call took {@code nanos} and succeeded or not (failed, or timed out). */
    public void record(long nanos, boolean success) {
        if (up == null) return;
        (success ? ok : failed).record(nanos, TimeUnit.NANOSECONDS);
        up.lazySet(success ? 1 : 0);
    }
}
