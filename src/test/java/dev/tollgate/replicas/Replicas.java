package dev.tollgate.replicas;

import dev.tollgate.support.GatewayProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Gateway processes (replicas) started together on one environment, each with its own data
 * directory, as a load balancer's pool would be; with the HTTP calls the proofs make to them.
 */
final class Replicas implements AutoCloseable {

    static final String ADMIN = "admin-token-for-replica-proofs-0123456789";

    private final List<GatewayProcess> processes;
    private final ExecutorService clientThreads = Executors.newFixedThreadPool(8);
    /** The client of the current test: many connections to each replica, as many callers make. */
    private volatile HttpClient http = newClient();

    private Replicas(List<GatewayProcess> processes) {
        this.processes = processes;
    }

    /**
     * Starts one process per entry of {@code perReplica} (each its own extra settings on top of
     * {@code env}), all at once, and waits until every one is ready.
     */
    private HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * A new client for the next test: connections a replica closed while idle between tests are
     * never reused for a POST (the JDK client would fail it rather than retry a non-idempotent call).
     */
    Replicas freshClient() {
        http = newClient();
        return this;
    }

    static Replicas start(Map<String, String> env, List<Map<String, String>> perReplica, Path dir) throws IOException {
        List<CompletableFuture<GatewayProcess>> starting = new ArrayList<>();
        for (int i = 0; i < perReplica.size(); i++) {
            Map<String, String> own = new HashMap<>(env);
            Path data = Files.createDirectories(dir.resolve("replica-" + i));
            own.put("TOLLGATE_DATA_DIR", data.toString());
            own.putAll(perReplica.get(i));
            String name = "replica-" + i;
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return GatewayProcess.start(own, dir, name);
                } catch (IOException e) {
                    throw new CompletionException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CompletionException(e);
                }
            }));
        }
        List<GatewayProcess> started = new ArrayList<>();
        RuntimeException failure = null;
        for (CompletableFuture<GatewayProcess> f : starting) {
            try {
                started.add(f.join());
            } catch (CompletionException e) {
                failure = failure == null ? new IllegalStateException("a replica did not start", e.getCause()) : failure;
            }
        }
        Replicas r = new Replicas(started);
        if (failure != null) {
            r.close();
            throw failure;
        }
        return r;
    }

    /** {@code n} replicas on the same settings. */
    static Replicas start(Map<String, String> env, int n, Path dir) throws IOException {
        List<Map<String, String>> same = new ArrayList<>();
        for (int i = 0; i < n; i++) same.add(Map.of());
        return start(env, same, dir);
    }

    GatewayProcess get(int i) {
        return processes.get(i);
    }

    int size() {
        return processes.size();
    }

    /** The replica a round-robin load balancer sends call number {@code i} to. */
    GatewayProcess roundRobin(int i) {
        return processes.get(i % processes.size());
    }

    /** POST of a chat completion with this key and request id. */
    HttpRequest chat(GatewayProcess g, String secret, String requestId, String body) {
        return HttpRequest.newBuilder(URI.create(g.url("/v1/chat/completions"))).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + secret)
                .header("x-request-id", requestId).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest r) {
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofString());
    }

    /** A call to the admin API of replica {@code g}; {@code json} null for no body. */
    HttpResponse<String> admin(GatewayProcess g, String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.url(path))).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ADMIN);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return send(b.build());
    }

    /** GET with the caller's key (for /ratelimit), or none. */
    HttpResponse<String> get(GatewayProcess g, String path, String secret) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.url(path))).timeout(Duration.ofSeconds(30));
        if (secret != null) b.header("Authorization", "Bearer " + secret);
        return send(b.GET().build());
    }

    /** Every replica's log, for a failing assertion's message. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < processes.size(); i++) {
            try {
                String text = processes.get(i).logText();
                sb.append("--- replica-").append(i).append(" ---\n").append(text.length() > 1500 ? text.substring(text.length() - 1500) : text);
            } catch (IOException e) {
                sb.append("--- replica-").append(i).append(": log unreadable\n");
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (GatewayProcess p : processes) {
            try {
                p.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clientThreads.shutdownNow();
    }
}
