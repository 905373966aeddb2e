package dev.tollgate.hybrid;

import dev.tollgate.access.AccessControl;
import dev.tollgate.config.Settings;
import dev.tollgate.sharedstate.SharedStateSettings;
import io.vertx.core.Vertx;

import java.util.function.LongSupplier;

/**
 * How a data plane counts budgets shared with other planes. With {@code TOLLGATE_REDIS_URL}: in
 * Redis, exactly as replicas do, a period Redis does not know yet starting from the control
 * plane's ledger. Without: from leases the control plane grants ({@link LeasedCounters}).
 */
public final class BudgetsAcrossPlanes {

    private BudgetsAcrossPlanes() {}

    /** Call after {@link AccessControl#shareCounters}. */
    public static void dataPlane(Vertx vertx, Settings s, AccessControl access, LongSupplier clock) {
        ControlPlaneLeases controlPlane = new ControlPlaneLeases(vertx, s);
        String redis = s.get(SharedStateSettings.REDIS_URL);
        if (redis != null && !redis.isBlank()) {
            access.periodsFrom(controlPlane::spentSince);
            return;
        }
        LeasedCounters leased = new LeasedCounters(clock, controlPlane);
        leased.start(vertx);
        access.useCounters(leased);
    }
}
