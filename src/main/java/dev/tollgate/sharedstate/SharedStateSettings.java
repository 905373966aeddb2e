package dev.tollgate.sharedstate;

import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;

import java.util.List;

/** Settings of the counter store that replicas share (Redis). */
public final class SharedStateSettings {

    private SharedStateSettings() {}

    public static final Setting<String> REDIS_URL = Setting.secret("TOLLGATE_REDIS_URL",
            "Redis shared by all replicas for rate-limit windows, concurrency slots and budgets: `redis://host:6379[/db]` "
            + "(or `rediss://` for TLS). Unset: limits and budgets are counted in this process's memory. See [Shared "
            + "limits and budgets with Redis](keys-and-budgets.md#shared-limits-and-budgets-with-redis).");

    public static final Setting<String> REDIS_PASSWORD_ENV = Setting.global("TOLLGATE_REDIS_PASSWORD_ENV",
            SettingType.string(), null,
            "Name of the environment variable holding the Redis password (never in a file or a log).");

    public static final Setting<String> REDIS_PREFIX = Setting.global("TOLLGATE_REDIS_PREFIX",
            SettingType.nonEmptyString(), "tollgate:",
            "Prefix of every Redis key Tollgate writes; it is used as the keys' hash tag (`{tollgate:}…`), so all of them "
            + "live in one cluster slot and one admission is one atomic script.");

    public static final Setting<Long> RESERVATION_TTL_SECONDS = Setting.global("TOLLGATE_RESERVATION_TTL_SECONDS",
            SettingType.longInt(0, 7 * 86_400), 0L,
            "How long a request's reservation (its concurrency slots and budget worst cases) lives in Redis unsettled. "
            + "One whose replica died before settling is counted as spent at its worst case when this passes, and its "
            + "concurrency slots come back. 0: `TOLLGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS` + "
            + "`TOLLGATE_UPSTREAM_STREAM_IDLE_TIMEOUT_MS` + 60 s.");

    public static final Setting<String> ON_ERROR = Setting.global("TOLLGATE_SHARED_STATE_ON_ERROR",
            SettingType.oneOf("closed", "local"), "closed",
            "While Redis is unreachable: `closed` answers requests that need counting with 503 `limits_unavailable` "
            + "(nothing admitted that could overspend); `local` counts them in this replica's memory, with one warning "
            + "per outage and `\"limits\":\"local\"` on each request log line. Shared counting resumes by itself.");

    public static final Setting<Integer> REDIS_TIMEOUT_MS = Setting.global("TOLLGATE_REDIS_TIMEOUT_MS",
            SettingType.integer(10, 60_000), 1_000,
            "Longest wait for one Redis call (connecting included); past it Redis counts as unreachable.");

    public static final Setting<Integer> KEY_CACHE_SECONDS = Setting.global("TOLLGATE_KEY_CACHE_SECONDS",
            SettingType.integer(1, 3_600), 5,
            "How often a replica reads the keys, users and teams that changed from the database (key mode). With Redis, "
            + "changes made on any replica also reach every other within a second; this is the bound without Redis, or "
            + "while its change feed is down.");

    public static final Setting<String> LIMITS_SCOPE = Setting.global("TOLLGATE_LIMITS_SCOPE",
            SettingType.oneOf("shared", "replica"), "shared",
            "`shared`: a replica that finds another one running on the same database without `TOLLGATE_REDIS_URL` refuses "
            + "to start, so nobody gets every limit and budget N times over. `replica`: start anyway, with a warning and "
            + "`\"limits\":\"replica\"` on each request log line: every limit and budget is then per replica.");

    public static final List<Setting<?>> ALL = List.of(REDIS_URL, REDIS_PASSWORD_ENV, REDIS_PREFIX, RESERVATION_TTL_SECONDS, ON_ERROR,
            REDIS_TIMEOUT_MS, KEY_CACHE_SECONDS, LIMITS_SCOPE);
}
