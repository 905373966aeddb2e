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
            SettingType.integer(0, 65535), 9000, "TCP port the gateway listens on (0 picks a free port)");

    public static final Setting<String> HOST = Setting.global("HOST",
            SettingType.nonEmptyString(), "0.0.0.0", "Interface to bind; 127.0.0.1 keeps the gateway local");

    public static final Setting<String> OPENAI_API_KEY = Setting.secret("OPENAI_API_KEY",
            "Upstream key injected into every request; when unset, the caller's Authorization is forwarded");

    public static final Setting<String> OPENAI_ORGANIZATION = Setting.global("OPENAI_ORGANIZATION",
            SettingType.string(), null, "OpenAI-Organization sent upstream when the caller sends none");

    public static final Setting<String> OPENAI_PROJECT = Setting.global("OPENAI_PROJECT",
            SettingType.string(), null, "OpenAI-Project sent upstream when the caller sends none");

    public static final Setting<String> LLM_API_BASE_PATH = Setting.global("LLM_API_BASE_PATH",
            SettingType.httpUrl(), "https://api.openai.com/v1", "Upstream base URL; request paths are appended after /v1");

    public static final Setting<Boolean> LOCAL_MODE = Setting.global("LOCAL_MODE",
            SettingType.bool(), true, "Seed compatibility: Tollgate never calls home, so it always runs in local mode");

    private static Map<String, String> defaultCors() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Access-Control-Allow-Headers", "*");
        m.put("Access-Control-Allow-Origin", "*");
        m.put("Access-Control-Allow-Methods", "OPTIONS,POST,GET,DELETE");
        return Map.copyOf(m);
    }

    public static final Setting<Map<String, String>> CORS_HEADERS = Setting.global("CORS_HEADERS",
            SettingType.stringMap(), defaultCors(), "CORS response headers (the seeds' format); an origin list is comma-separated");

    public static final Setting<Long> MAX_BODY_BYTES = Setting.global("TOLLGATE_MAX_BODY_BYTES",
            SettingType.longInt(1024, 1L << 31), 32L << 20, "Largest JSON request body accepted (bytes)");

    public static final Setting<Long> MAX_UPLOAD_BYTES = Setting.global("TOLLGATE_MAX_UPLOAD_BYTES",
            SettingType.longInt(1024, 1L << 40), 512L << 20, "Largest streamed (multipart or binary) request body (bytes)");

    public static final Setting<Long> MAX_RESPONSE_BYTES = Setting.global("TOLLGATE_MAX_RESPONSE_BYTES",
            SettingType.longInt(1024, 1L << 31), 64L << 20, "Largest JSON response body the chain inspects (bytes)");

    public static final Setting<Integer> CLIENT_HEADER_TIMEOUT_MS = Setting.global("TOLLGATE_CLIENT_HEADER_TIMEOUT_MS",
            SettingType.integer(50, 3_600_000), 30_000, "A client must send its request headers within this time; also closes idle keep-alive connections");

    public static final Setting<Integer> CLIENT_BODY_TIMEOUT_MS = Setting.global("TOLLGATE_CLIENT_BODY_TIMEOUT_MS",
            SettingType.integer(50, 3_600_000), 30_000, "A JSON body must arrive whole within this time; an upload may pause at most this long");

    public static final Setting<Integer> UPSTREAM_CONNECT_TIMEOUT_MS = Setting.global("TOLLGATE_UPSTREAM_CONNECT_TIMEOUT_MS",
            SettingType.integer(10, 600_000), 10_000, "Connect timeout to the upstream");

    public static final Setting<Integer> UPSTREAM_FIRST_BYTE_TIMEOUT_MS = Setting.global("TOLLGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS",
            SettingType.integer(10, 3_600_000), 600_000, "Time from sending the request to the upstream's response headers");

    public static final Setting<Integer> UPSTREAM_STREAM_IDLE_TIMEOUT_MS = Setting.global("TOLLGATE_UPSTREAM_STREAM_IDLE_TIMEOUT_MS",
            SettingType.integer(10, 3_600_000), 300_000, "Longest silence allowed inside an upstream response body or stream");

    public static final Setting<Integer> UPSTREAM_POOL_SIZE = Setting.global("TOLLGATE_UPSTREAM_POOL_SIZE",
            SettingType.integer(1, 100_000), 1024, "Keep-alive connections to the upstream, per event loop");

    public static final Setting<Integer> RETRY_COUNT = Setting.restriction("POLICY_RETRY_COUNT", "retry-count",
            SettingType.integer(0, 5), 0, Strictness.atMost(), "Retries of a failed upstream call (connection error, 408, 429, 5xx), at most 5; a header may only lower it");

    public static final Setting<Integer> RETRY_BASE_DELAY_MS = Setting.global("TOLLGATE_RETRY_BASE_DELAY_MS",
            SettingType.integer(0, 60_000), 250, "First retry back-off; doubles each attempt, plus up to 50% jitter");

    public static final Setting<Integer> RETRY_MAX_WAIT_MS = Setting.global("TOLLGATE_RETRY_MAX_WAIT_MS",
            SettingType.integer(0, 600_000), 30_000, "Longest wait before a retry; a longer Retry-After returns the upstream's answer instead");

    public static final Setting<Boolean> ALLOW_HEADER_LOOSENING = Setting.global("TOLLGATE_ALLOW_HEADER_LOOSENING",
            SettingType.bool(), false, "Let x-tollgate-* headers loosen settings, not only tighten them");

    public static final Setting<Boolean> HTTP2_CLEARTEXT = Setting.global("TOLLGATE_HTTP2_CLEARTEXT",
            SettingType.bool(), false, "Accept HTTP/2 without TLS (h2c: prior knowledge and Upgrade: h2c); off by default");

    public static final Setting<Integer> SHUTDOWN_GRACE_MS = Setting.global("TOLLGATE_SHUTDOWN_GRACE_MS",
            SettingType.integer(0, 3_600_000), 30_000, "On SIGTERM, how long in-flight requests and streams may finish");

    public static final Setting<Integer> EVENT_LOOPS = Setting.global("TOLLGATE_EVENT_LOOPS",
            SettingType.integer(0, 1024), 0, "Event-loop threads (0 = one per CPU core)");

    public static final List<Setting<?>> ALL = List.of(PORT, HOST, OPENAI_API_KEY, OPENAI_ORGANIZATION, OPENAI_PROJECT,
            LLM_API_BASE_PATH, LOCAL_MODE, CORS_HEADERS, MAX_BODY_BYTES, MAX_UPLOAD_BYTES, MAX_RESPONSE_BYTES,
            CLIENT_HEADER_TIMEOUT_MS, CLIENT_BODY_TIMEOUT_MS, UPSTREAM_CONNECT_TIMEOUT_MS, UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
            UPSTREAM_STREAM_IDLE_TIMEOUT_MS, UPSTREAM_POOL_SIZE, RETRY_COUNT, RETRY_BASE_DELAY_MS, RETRY_MAX_WAIT_MS,
            ALLOW_HEADER_LOOSENING, HTTP2_CLEARTEXT, SHUTDOWN_GRACE_MS, EVENT_LOOPS);
}
