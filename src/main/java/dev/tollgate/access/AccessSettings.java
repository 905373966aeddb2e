package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Settings;

import java.util.List;

/** Settings of key mode: who may call, how much, and where usage is recorded. */
public final class AccessSettings {

    private AccessSettings() {}

    public static final Setting<String> ADMIN_TOKEN = Setting.secret("TOLLGATE_ADMIN_TOKEN",
            "Guards the admin API (`/admin/v1/`), sent as `Authorization: Bearer <token>` and compared in "
            + "constant time; without it the admin API answers 404. Setting it turns key mode on. The CLI's `keys` "
            + "and `usage` commands read it from the environment.");

    public static final Setting<Boolean> KEY_MODE = Setting.global("TOLLGATE_KEY_MODE",
            SettingType.bool(), false,
            "Require a Tollgate key on every API call (also on when `TOLLGATE_ADMIN_TOKEN` is set). See "
            + "[Keys](keys-and-budgets.md).");

    public static final Setting<Boolean> KEY_IN_PATH = Setting.global("TOLLGATE_KEY_IN_PATH",
            SettingType.bool(), false,
            "Also accept the key as the first path segment, `/tg-…/v1/...`, for clients that can only change the "
            + "base URL; the key is cut from the path before logging and never reaches the upstream.");

    public static final Setting<String> DATABASE = Setting.global("TOLLGATE_DATABASE",
            SettingType.nonEmptyString(), "tollgate.db",
            "Where keys, users' and teams' limits and budgets, and the usage ledger live (key mode): a SQLite file "
            + "(created if missing), or the JDBC URL of a server that replicas share: `jdbc:postgresql://host:5432/db`, "
            + "`jdbc:mariadb://host:3306/db` or `jdbc:mysql://…` (served by the MariaDB driver). Migrated at start-up. "
            + "Never put a password in the URL: see `TOLLGATE_DATABASE_PASSWORD_ENV`.");

    public static final Setting<String> DATABASE_USER = Setting.global("TOLLGATE_DATABASE_USER",
            SettingType.string(), null,
            "User for a database server (`TOLLGATE_DATABASE` is a JDBC URL).");

    public static final Setting<String> DATABASE_PASSWORD_ENV = Setting.global("TOLLGATE_DATABASE_PASSWORD_ENV",
            SettingType.string(), null,
            "Name of the environment variable that holds the database server's password (never in a file, a URL or a log).");

    public static final Setting<Integer> DATABASE_POOL_SIZE = Setting.global("TOLLGATE_DATABASE_POOL_SIZE",
            SettingType.integer(2, 64), 4,
            "Connections to a database server, at most (ledger batches, admin changes, reports and key lookups).");

    public static final Setting<Integer> LEDGER_FLUSH_MS = Setting.global("TOLLGATE_LEDGER_FLUSH_MS",
            SettingType.integer(10, 60_000), 200,
            "The ledger is written, in one transaction, this often; a `kill -9` loses at most this much.");

    public static final Setting<Integer> LEDGER_QUEUE_SIZE = Setting.global("TOLLGATE_LEDGER_QUEUE_SIZE",
            SettingType.integer(100, 10_000_000), 100_000,
            "Ledger rows waiting to be written; beyond this, rows are dropped and counted (with a warning at most "
            + "every 10 s): requests never wait.");

    public static final Setting<Integer> REQUEST_RECORDS_RETENTION_DAYS = Setting.global("TOLLGATE_REQUEST_RECORDS_RETENTION_DAYS",
            SettingType.integer(0, 36_500), 30,
            "Days the request records' prompt and answer texts (stored only while request or response logging is on) are "
            + "kept; older ones are deleted in the background, in small batches. The records' ledger rows (time, key, model, "
            + "status, tokens, cost, latency, findings) are the accounting and are kept. 0: texts are never deleted.");

    public static final Setting<String> DATA_DIR = Setting.global("TOLLGATE_DATA_DIR",
            SettingType.nonEmptyString(), ".",
            "This replica's own directory for local state (key mode): the ledger spool, where usage rows wait while the "
            + "database is unreachable, written in order when it is back. One directory per running gateway.");

    public static final Setting<Boolean> LIMITS_COUNT_FAILED = Setting.global("TOLLGATE_LIMITS_COUNT_FAILED",
            SettingType.bool(), true,
            "Whether calls that end in an error (4xx/5xx, blocked, cut off) still count against request limits "
            + "(ProxyGPT's behaviour: they do).");

    public static final Setting<JsonNode> MODEL_LIMITS = Setting.global("TOLLGATE_MODEL_LIMITS",
            SettingType.jsonObject(), null,
            "Rate limits per model, shared by all callers: `{gpt-4o: {rpm: 500, tpm: 200000}}`; windows `rpm`, "
            + "`tpm`, `rph`, `rpd`, `concurrent`. Works without key mode too. See [Rate "
            + "limits](keys-and-budgets.md).");

    public static final Setting<JsonNode> IP_LIMITS = Setting.global("TOLLGATE_IP_LIMITS",
            SettingType.jsonObject(), null,
            "Rate limits applied to each client IP address separately: `{rpm: 120}`; same windows as "
            + "`TOLLGATE_MODEL_LIMITS`. Works without key mode too; behind a load balancer see "
            + "`TOLLGATE_TRUSTED_PROXIES`.");

    public static final Setting<JsonNode> PRICES = Setting.global("TOLLGATE_PRICES",
            SettingType.jsonObject(), null,
            "Price overrides and additions to the bundled price table, USD per million tokens: `{my-model: "
            + "{input: 0.2, output: 0.6}}`; a partial entry changes only the fields it gives. See "
            + "[Cost](keys-and-budgets.md).");

    public static final Setting<String> UNPRICED_MODELS = Setting.global("TOLLGATE_UNPRICED_MODELS",
            SettingType.oneOf("zero", "block"), "zero",
            "A model missing from the price table costs 0 and is flagged `unpriced_model` (`zero`), or is refused "
            + "with 403 `model_not_priced` (`block`).");

    public static final Setting<List<String>> TRUSTED_PROXIES = Setting.global("TOLLGATE_TRUSTED_PROXIES",
            SettingType.stringList(), List.of(),
            "Load balancers (IPs or CIDR networks) whose `X-Forwarded-For` names the client for per-IP limits: "
            + "the rightmost address that is not a trusted proxy is used. Anyone else's `X-Forwarded-For` is "
            + "ignored.");

    public static final List<Setting<?>> ALL = java.util.stream.Stream.concat(java.util.stream.Stream.of(ADMIN_TOKEN, KEY_MODE,
            KEY_IN_PATH, DATABASE, DATABASE_USER, DATABASE_PASSWORD_ENV, DATABASE_POOL_SIZE, LEDGER_FLUSH_MS, LEDGER_QUEUE_SIZE, REQUEST_RECORDS_RETENTION_DAYS, DATA_DIR, LIMITS_COUNT_FAILED, MODEL_LIMITS, IP_LIMITS, TRUSTED_PROXIES,
            PRICES, UNPRICED_MODELS), dev.tollgate.sharedstate.SharedStateSettings.ALL.stream()).toList();

    /** Key mode: callers need a Tollgate key, and the provider key comes from config only. */
    public static boolean keyMode(Settings s) {
        return s.get(KEY_MODE) || (s.get(ADMIN_TOKEN) != null && !s.get(ADMIN_TOKEN).isEmpty());
    }
}
