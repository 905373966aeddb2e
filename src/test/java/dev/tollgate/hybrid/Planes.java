package dev.tollgate.hybrid;

import dev.tollgate.support.GatewayProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/** What the hybrid proofs share: a control plane's and a data plane's environment, admin calls, cleaning up. */
final class Planes {

    static final String ADMIN = "admin-token-for-hybrid-proofs-0123456789";
    static final String PROVIDER_KEY = "sk-provider-key-of-the-data-plane";

    private Planes() {}

    /** A control plane on SQLite in {@code dir}, one event loop, forwarding to {@code upstream}; a mutable map for a test's additions. */
    static Map<String, String> controlPlaneEnv(Path dir, String upstream) {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_ROLE", "control-plane");
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        env.put("TOLLGATE_DATABASE", dir.resolve("cp.db").toString());
        env.put("TOLLGATE_DATA_DIR", dir.resolve("cp").toString());
        env.put("LLM_API_BASE_PATH", upstream);
        env.put("TOLLGATE_EVENT_LOOPS", "1");
        return env;
    }

    /** A data plane named {@code name} (its data directory in {@code dir}) of the control plane on {@code cpPort}. */
    static Map<String, String> dataPlaneEnv(Path dir, String name, int cpPort, String token, String upstream) {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_ROLE", "data-plane");
        env.put("TOLLGATE_CONTROL_PLANE_URL", "http://127.0.0.1:" + cpPort);
        env.put("TOLLGATE_DATA_PLANE_TOKEN", token);
        env.put("TOLLGATE_DATA_DIR", dir.resolve(name).toString());
        env.put("LLM_API_BASE_PATH", upstream);
        env.put("OPENAI_API_KEY", PROVIDER_KEY);
        env.put("TOLLGATE_EVENT_LOOPS", "1");
        return env;
    }

    /** An admin API call to the control plane with {@link #ADMIN}. */
    static HttpResponse<String> admin(HttpClient http, GatewayProcess cp, String method, String path, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cp.url(path))).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ADMIN);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
