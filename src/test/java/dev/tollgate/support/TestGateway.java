package dev.tollgate.support;

import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.server.Gateway;
import dev.tollgate.trace.Tracing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway on 127.0.0.1, configured exactly as a user would (keys through the config
 * loader), pointed at a {@link FakeUpstream}. Tests talk to it over HTTP.
 */
public final class TestGateway implements AutoCloseable {

    private final Gateway gateway;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestGateway(Gateway gateway) {
        this.gateway = gateway;
    }

    /** Starts a gateway with these keys (as environment variables), on a free port, one event loop. */
    public static TestGateway start(FakeUpstream upstream, Map<String, String> keys) {
        return start(upstream, keys, System::currentTimeMillis);
    }

    /** As above, with the clock rate-limit windows, budget periods and key expiry read. */
    public static TestGateway start(FakeUpstream upstream, Map<String, String> keys, java.util.function.LongSupplier clock) {
        Map<String, String> env = new HashMap<>();
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("TOLLGATE_EVENT_LOOPS", "1");
        if (upstream != null) env.put("LLM_API_BASE_PATH", upstream.baseUrl());
        env.putAll(keys);
        if (!env.containsKey("TOLLGATE_DATA_DIR")) env.put("TOLLGATE_DATA_DIR", dataDir()); // each gateway its own, as in production
        Settings settings = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        Map<String, String> process = new HashMap<>(System.getenv());
        process.putAll(env); // OTEL_* among the keys switch tracing on, as in a process's environment
        Tracing tracing = Tracing.fromEnvironment(process);
        try {
            return new TestGateway(Gateway.start(settings, dev.tollgate.policy.Policies.standard(), clock,
                            name -> env.containsKey(name) ? env.get(name) : System.getenv(name), tracing)
                    .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("gateway did not start", e);
        }
    }

    private static String dataDir() {
        try {
            java.nio.file.Path parent = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "test-data"));
            return java.nio.file.Files.createTempDirectory(parent, "gateway-").toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TestGateway start(FakeUpstream upstream) {
        return start(upstream, Map.of());
    }

    public int port() {
        return gateway.port();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public Gateway gateway() {
        return gateway;
    }

    public HttpClient http() {
        return http;
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
    }

    /** POSTs a JSON body; extra headers as name, value pairs. */
    public HttpResponse<String> postJson(String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = request(path).GET();
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private boolean closed;

    /** Stops the gateway; closing twice is harmless. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            gateway.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
