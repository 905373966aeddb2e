package dev.tollgate.provider;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A circuit breaker per deployment. After {@code threshold} consecutive failures a deployment is
 * cooled down: requests skip it for {@code cooldownMs}. Then one request is let through as a probe
 * (half-open); its success closes the circuit, its failure starts a new cool-down.
 */
public final class DeploymentHealth {

    private static final class State {
        int failures;
        long openUntil;     // 0: closed
        boolean probing;
    }

    private final int threshold;
    private final long cooldownMs;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

    public DeploymentHealth(int threshold, long cooldownMs, LongSupplier clock) {
        this.threshold = threshold;
        this.cooldownMs = cooldownMs;
        this.clock = clock;
    }

    /**
     * Whether a request may use the deployment now. A cooled-down deployment whose time is up
     * admits exactly one probe until that probe reports.
     */
    public boolean tryUse(Deployment d) {
        State s = states.get(d.id());
        if (s == null) return true;
        synchronized (s) {
            if (s.openUntil == 0) return true;
            if (clock.getAsLong() < s.openUntil || s.probing) return false;
            s.probing = true;
            return true;
        }
    }

    /** Whether it is cooling down (for the log and the model listing). */
    public boolean coolingDown(Deployment d) {
        State s = states.get(d.id());
        if (s == null) return false;
        synchronized (s) {
            return s.openUntil != 0 && (clock.getAsLong() < s.openUntil || s.probing);
        }
    }

    /** For the metrics: 0 closed, 1 open (cooling down), 2 half-open (its time is up, or its one probe is out). */
    public int state(String deploymentId) {
        State s = states.get(deploymentId);
        if (s == null) return 0;
        synchronized (s) {
            if (s.openUntil == 0) return 0;
            return s.probing || clock.getAsLong() >= s.openUntil ? 2 : 1;
        }
    }

    public void success(Deployment d) {
        State s = states.get(d.id());
        if (s == null) return;
        synchronized (s) {
            s.failures = 0;
            s.openUntil = 0;
            s.probing = false;
        }
    }

    public void failure(Deployment d) {
        State s = states.computeIfAbsent(d.id(), k -> new State());
        synchronized (s) {
            s.failures++;
            if (s.probing || s.failures >= threshold) {
                s.openUntil = clock.getAsLong() + cooldownMs;
                s.probing = false;
            }
        }
    }
}
