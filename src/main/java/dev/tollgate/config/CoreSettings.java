package dev.tollgate.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gateway-wide settings. The seeds' keys keep their names and meaning; keys Tollgate adds carry
 * the {@code TOLLGATE_} prefix so they cannot collide with other programs' environment variables.
 */
public final class CoreSettings {

    private CoreSettings() {}

    public static final Setting<Integer> PORT = Setting.global("PORT",
            SettingType.integer(0, 65535), 9000,
            "TCP port the gateway listens on. `--port` on the command line overrides it; `0` picks a free port.");

    public static final Setting<String> HOST = Setting.global("HOST",
            SettingType.nonEmptyString(), "0.0.0.0",
            "Interface to bind. `127.0.0.1` keeps the gateway local; `0.0.0.0` listens on every interface.");

    public static final Setting<String> OPENAI_API_KEY = Setting.secret("OPENAI_API_KEY",
            "Upstream key injected into every request as `Authorization: Bearer <key>`; the caller's "
            + "`Authorization` (or `api-key`) is then never forwarded. When unset, the caller's `Authorization` is "
            + "forwarded. Better set in the environment than in a file.");

    public static final Setting<String> OPENAI_ORGANIZATION = Setting.global("OPENAI_ORGANIZATION",
            SettingType.string(), null, "Sent upstream as `OpenAI-Organization` when the caller sends none.");

    public static final Setting<String> OPENAI_PROJECT = Setting.global("OPENAI_PROJECT",
            SettingType.string(), null, "Sent upstream as `OpenAI-Project` when the caller sends none.");

    public static final Setting<String> LLM_API_BASE_PATH = Setting.global("LLM_API_BASE_PATH",
            SettingType.httpUrl(), "https://api.openai.com/v1",
            "Upstream base URL (OpenAI or any OpenAI-compatible server); the request's path below `/v1` is "
            + "appended and its query passed as sent. Also the default `base_url` of models-list deployments with "
            + "provider `openai`.");

    public static final Setting<Boolean> LOCAL_MODE = Setting.global("LOCAL_MODE",
            SettingType.bool(), true,
            "Accepted for compatibility with Usage Panda: Tollgate never calls home, it is always \"local\"; the "
            + "value changes nothing.");

    private static Map<String, String> defaultCors() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Access-Control-Allow-Headers", "*");
        m.put("Access-Control-Allow-Origin", "*");
        m.put("Access-Control-Allow-Methods", "OPTIONS,POST,GET,DELETE");
        return Map.copyOf(m);
    }

    public static final Setting<Map<String, String>> CORS_HEADERS = Setting.global("CORS_HEADERS",
            SettingType.stringMap(), defaultCors(),
            "CORS response headers, in the seeds' map format. `Access-Control-Allow-Origin` may be a "
            + "comma-separated list (the caller's origin is echoed when listed); a wildcard "
            + "`Access-Control-Allow-Headers` echoes the headers the browser asked for; `Access-Control-Max-Age` "
            + "defaults to 600; a `Content-Type` entry is accepted and ignored. See "
            + "[CORS](operations.md#cors-health-and-shutdown).");

    public static final Setting<Long> MAX_BODY_BYTES = Setting.global("TOLLGATE_MAX_BODY_BYTES",
            SettingType.longInt(1024, 1L << 31), 32L << 20,
            "Largest JSON request body, in bytes; a larger one is refused with 413 (by `Content-Length` at once, "
            + "or while it streams). A multipart form's `model` field must also come within this many bytes.");

    public static final Setting<Long> MAX_UPLOAD_BYTES = Setting.global("TOLLGATE_MAX_UPLOAD_BYTES",
            SettingType.longInt(1024, 1L << 40), 512L << 20,
            "Largest streamed request body (multipart upload or binary), in bytes; a larger one is refused with "
            + "413.");

    public static final Setting<Long> MAX_RESPONSE_BYTES = Setting.global("TOLLGATE_MAX_RESPONSE_BYTES",
            SettingType.longInt(1024, 1L << 31), 64L << 20,
            "Largest JSON response the chain reads whole, in bytes: a larger successful answer passes through "
            + "unread; a larger error answer (which must be read to be scrubbed) becomes 502 `upstream_incomplete`.");

    public static final Setting<Integer> CLIENT_HEADER_TIMEOUT_MS = Setting.global("TOLLGATE_CLIENT_HEADER_TIMEOUT_MS",
            SettingType.integer(50, 3_600_000), 30_000,
            "A connection that sends nothing this long while no request is in flight (stalled request headers, an "
            + "idle keep-alive connection) is closed.");

    public static final Setting<Integer> CLIENT_BODY_TIMEOUT_MS = Setting.global("TOLLGATE_CLIENT_BODY_TIMEOUT_MS",
            SettingType.integer(50, 3_600_000), 30_000,
            "A JSON request body must arrive whole within this time, and an upload may pause at most this long; "
            + "otherwise 408 `request_timeout`.");

    public static final Setting<Integer> UPSTREAM_CONNECT_TIMEOUT_MS = Setting.global("TOLLGATE_UPSTREAM_CONNECT_TIMEOUT_MS",
            SettingType.integer(10, 600_000), 10_000, "How long connecting to the upstream may take.");

    public static final Setting<Integer> UPSTREAM_FIRST_BYTE_TIMEOUT_MS = Setting.global("TOLLGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS",
            SettingType.integer(10, 3_600_000), 600_000,
            "From sending the request to the upstream's response headers; past it the caller gets 504 "
            + "`upstream_timeout` (not retried: the upstream may still be working on it).");

    public static final Setting<Integer> UPSTREAM_STREAM_IDLE_TIMEOUT_MS = Setting.global("TOLLGATE_UPSTREAM_STREAM_IDLE_TIMEOUT_MS",
            SettingType.integer(10, 3_600_000), 300_000,
            "Longest silence inside an upstream response body or stream; a stream that stalls longer ends with a "
            + "`stream_timeout` error event.");

    public static final Setting<Integer> UPSTREAM_POOL_SIZE = Setting.global("TOLLGATE_UPSTREAM_POOL_SIZE",
            SettingType.integer(1, 100_000), 1024, "Keep-alive connections to the upstream, per event loop.");

    public static final Setting<Integer> RETRY_COUNT = Setting.restriction("POLICY_RETRY_COUNT", "retry-count",
            SettingType.integer(0, 5), 0, Strictness.atMost(),
            "Retries of a failed upstream call (connection errors and 408, 429, 500, 502, 503, 504), at most 5, "
            + "with exponential back-off honouring the upstream's `Retry-After`; never once anything has reached "
            + "the caller. A key's own settings may set it; the header may only lower it (each retry is one more "
            + "upstream call). See [Retries](operations.md#retries-and-timeouts).");

    public static final Setting<Integer> RETRY_BASE_DELAY_MS = Setting.global("TOLLGATE_RETRY_BASE_DELAY_MS",
            SettingType.integer(0, 60_000), 250, "First retry back-off; doubles each attempt, plus up to 50% jitter.");

    public static final Setting<Integer> RETRY_MAX_WAIT_MS = Setting.global("TOLLGATE_RETRY_MAX_WAIT_MS",
            SettingType.integer(0, 600_000), 30_000,
            "Longest wait before a retry; when the upstream's `Retry-After` asks for longer, its answer goes to "
            + "the caller instead.");

    public static final Setting<Boolean> ALLOW_HEADER_LOOSENING = Setting.global("TOLLGATE_ALLOW_HEADER_LOOSENING",
            SettingType.bool(), false,
            "Let `x-tollgate-*` headers loosen settings, not only tighten them. When off, a loosening header is "
            + "refused with 403 `setting_override_forbidden`.");

    public static final Setting<Boolean> HTTP2_CLEARTEXT = Setting.global("TOLLGATE_HTTP2_CLEARTEXT",
            SettingType.bool(), false,
            "Accept HTTP/2 without TLS (h2c: prior knowledge and `Upgrade: h2c`). Off by default: a front proxy "
            + "that forwards `Upgrade: h2c` would otherwise let a client tunnel past the proxy's own rules (h2c "
            + "smuggling). See [What the gateway does](providers.md#what-the-gateway-does).");

    public static final Setting<Integer> SHUTDOWN_GRACE_MS = Setting.global("TOLLGATE_SHUTDOWN_GRACE_MS",
            SettingType.integer(0, 3_600_000), 30_000, "On SIGTERM, how long in-flight requests and streams may finish before the gateway exits.");

    public static final Setting<Integer> EVENT_LOOPS = Setting.global("TOLLGATE_EVENT_LOOPS",
            SettingType.integer(0, 1024), 0, "Event-loop threads (`0` = one per CPU core); each has its own upstream connection pool.");

    public static final List<Setting<?>> ALL = List.of(PORT, HOST, OPENAI_API_KEY, OPENAI_ORGANIZATION, OPENAI_PROJECT,
            LLM_API_BASE_PATH, LOCAL_MODE, CORS_HEADERS, MAX_BODY_BYTES, MAX_UPLOAD_BYTES, MAX_RESPONSE_BYTES,
            CLIENT_HEADER_TIMEOUT_MS, CLIENT_BODY_TIMEOUT_MS, UPSTREAM_CONNECT_TIMEOUT_MS, UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
            UPSTREAM_STREAM_IDLE_TIMEOUT_MS, UPSTREAM_POOL_SIZE, RETRY_COUNT, RETRY_BASE_DELAY_MS, RETRY_MAX_WAIT_MS,
            ALLOW_HEADER_LOOSENING, HTTP2_CLEARTEXT, SHUTDOWN_GRACE_MS, EVENT_LOOPS);
}
