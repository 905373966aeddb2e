package dev.tollgate.metrics;

import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;

import java.util.List;

/** Settings of the Prometheus endpoint and of what it exports. */
public final class MetricsSettings {

    private MetricsSettings() {}

    public static final Setting<Boolean> ENABLED = Setting.global("TOLLGATE_METRICS_ENABLED",
            SettingType.bool(), true,
            "Serve `GET /metrics` in Prometheus text format and record the metrics it shows. `false`: `/metrics` "
            + "answers 404 and nothing is recorded. See [Metrics](metrics.md).");

    public static final Setting<Integer> PORT = Setting.global("TOLLGATE_METRICS_PORT",
            SettingType.integer(0, 65535), 0,
            "Serve `/metrics` on a listener of its own on this port (on `HOST`), and not on the main port. `0`: on "
            + "the main port, beside `/healthz`.");

    public static final Setting<String> TOKEN = Setting.secret("TOLLGATE_METRICS_TOKEN",
            "When set, `/metrics` requires `Authorization: Bearer <token>` (compared in constant time) and answers "
            + "401 `invalid_metrics_token` without it. Unset: anyone who reaches the port may scrape.");

    public static final Setting<Integer> MAX_LABEL_VALUES = Setting.global("TOLLGATE_METRICS_MAX_LABEL_VALUES",
            SettingType.integer(1, 10_000), 100,
            "Distinct values each label (a model, a team, a policy, a deployment) may take; values first seen after "
            + "that are counted under `other`, so callers naming ever new models cannot grow the scrape without bound.");

    public static final Setting<Boolean> COST_BY_TEAM = Setting.global("TOLLGATE_METRICS_COST_BY_TEAM",
            SettingType.bool(), false,
            "Add a `team` label (the calling key's team; `none` without one) to `tollgate_cost_usd_total`.");

    public static final Setting<Boolean> BUDGET_REMAINING = Setting.global("TOLLGATE_METRICS_BUDGET_REMAINING",
            SettingType.bool(), false,
            "Export `tollgate_budget_remaining_usd` with one series per budget subject (`key:…`, `user:…`, "
            + "`team:…`), that is per budgeted key, user and team: off by default for that reason.");

    public static final List<Setting<?>> ALL = List.of(ENABLED, PORT, TOKEN, MAX_LABEL_VALUES, COST_BY_TEAM, BUDGET_REMAINING);
}
