package dev.tollgate.hybrid;

import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;

import java.util.List;

/** How long a budget lease lasts before its data plane must renew it (hybrid mode without Redis). */
public final class LeaseSettings {

    private LeaseSettings() {}

    public static final Setting<Integer> LEASE_SECONDS = Setting.global("TOLLGATE_LEASE_SECONDS",
            SettingType.integer(5, 600), 30,
            "Hybrid mode without Redis: how long a budget lease granted by the control plane lasts. A data plane renews "
            + "its leases ahead of need; one it stops renewing returns to the budget when it expires (at what the data "
            + "plane reported spent, or whole if it never reported within as long again). Set on the control plane; "
            + "see [Hybrid mode](hybrid.md#budgets-and-limits-across-data-planes).");

    public static final List<Setting<?>> ALL = List.of(LEASE_SECONDS);
}
