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

    /** A burst of first requests on a new period makes one call to the control plane per budget, not one each. */
    static java.util.function.BiFunction<dev.tollgate.budget.BudgetAccount, Long, io.vertx.core.Future<Long>> oneCallAtATime(
            ControlPlaneLeases controlPlane) {
        java.util.concurrent.ConcurrentHashMap<String, io.vertx.core.Future<Long>> asking = new java.util.concurrent.ConcurrentHashMap<>();
        return (account, start) -> {
            String what = account.subject() + "@" + start;
            io.vertx.core.Future<Long>[] made = new io.vertx.core.Future[1];
            io.vertx.core.Future<Long> f = asking.computeIfAbsent(what, k -> made[0] = controlPlane.spentSince(account, start));
            if (f == made[0]) f.onComplete(ar -> asking.remove(what, f));
            return f;
        };
    }

    /** Call after {@link AccessControl#shareCounters}. */
    public static void dataPlane(Vertx vertx, Settings s, AccessControl access, LongSupplier clock) {
        ControlPlaneLeases controlPlane = new ControlPlaneLeases(vertx, s);
        String redis = s.get(SharedStateSettings.REDIS_URL);
        if (redis != null && !redis.isBlank()) {
            access.periodsFrom(oneCallAtATime(controlPlane));
            return;
        }
        LeasedCounters leased = new LeasedCounters(clock, controlPlane);
        leased.start(vertx);
        access.useCounters(leased);
    }
}
