package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * How the CLI reaches a running gateway's admin API. The token comes from the environment
 * ({@code TOLLGATE_ADMIN_TOKEN}), never from a command-line argument, which other users could see
 * in the process list.
 */
public final class AdminClient {

    /** Options every admin command shares. */
    public static final class Options {
        @Option(names = "--url", description = "Gateway base URL (default: $TOLLGATE_URL or http://127.0.0.1:9000)")
        String url;

        @Option(names = "--json", description = "Print the API's JSON instead of a table")
        boolean json;
    }

    /** The API answered with an error; its message is for the user. */
    public static final class ApiFailure extends Exception {
        public ApiFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** Dollar amounts stay exact decimals ("10", not "10.0"). */
    private static final com.fasterxml.jackson.databind.ObjectReader EXACT =
            Json.MAPPER.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String token;

    public AdminClient(Options o, Map<String, String> env) throws ApiFailure {
        String u = o.url != null ? o.url : env.getOrDefault("TOLLGATE_URL", "http://127.0.0.1:9000");
        this.base = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        this.token = env.get("TOLLGATE_ADMIN_TOKEN");
        if (token == null || token.isEmpty()) throw new ApiFailure("set TOLLGATE_ADMIN_TOKEN to the gateway's admin token");
    }

    public JsonNode get(String path) throws ApiFailure {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public JsonNode post(String path, JsonNode body) throws ApiFailure {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.toString(body))));
    }

    private JsonNode send(HttpRequest.Builder b) throws ApiFailure {
        HttpResponse<String> r;
        try {
            r = http.send(b.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new ApiFailure("cannot reach the gateway at " + base + " (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiFailure("interrupted");
        }
        JsonNode body;
        try {
            body = EXACT.readTree(r.body());
        } catch (Exception e) {
            throw new ApiFailure("the gateway answered " + r.statusCode() + " with a body that is not JSON");
        }
        if (r.statusCode() >= 400) {
            String message = body.path("error").path("message").asText("HTTP " + r.statusCode());
            throw new ApiFailure(message + " (HTTP " + r.statusCode() + ")");
        }
        return body;
    }

    private URI uri(String path) throws ApiFailure {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new ApiFailure("--url: not a valid URL");
        }
    }

    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
