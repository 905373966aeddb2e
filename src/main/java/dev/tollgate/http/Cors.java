package dev.tollgate.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CORS from the seeds' CORS_HEADERS map. The allowed origin may be "*" or a comma-separated list
 * (the matching origin is echoed, with Vary: Origin). A wildcard Allow-Headers echoes what the
 * browser asked for, because browsers do not let "*" cover Authorization.
 */
public final class Cors {

    private static final String EXPOSE = "x-request-id, x-upstream-request-id, openai-organization, openai-processing-ms, "
            + "openai-version, openai-project, retry-after, x-ratelimit-limit-requests, x-ratelimit-limit-tokens, "
            + "x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens, x-ratelimit-reset-requests, x-ratelimit-reset-tokens";

    private final boolean anyOrigin;
    private final Set<String> origins;
    private final String allowHeaders;
    private final String allowMethods;
    private final String maxAge;
    private final boolean enabled;

    public Cors(Map<String, String> configured) {
        String origin = get(configured, "Access-Control-Allow-Origin");
        this.enabled = origin != null && !origin.isBlank();
        this.anyOrigin = enabled && origin.trim().equals("*");
        this.origins = enabled ? Arrays.stream(origin.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet()) : Set.of();
        this.allowHeaders = get(configured, "Access-Control-Allow-Headers");
        String methods = get(configured, "Access-Control-Allow-Methods");
        this.allowMethods = methods == null ? "OPTIONS,POST,GET,DELETE" : methods;
        String age = get(configured, "Access-Control-Max-Age");
        this.maxAge = age == null ? "600" : age;
    }

    private static String get(Map<String, String> m, String name) {
        for (var e : m.entrySet()) if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        return null;
    }

    /** Answers a preflight (any OPTIONS request): 204, no auth needed. */
    public void preflight(HttpServerRequest req, String requestId) {
        HttpServerResponse resp = req.response();
        resp.setStatusCode(204);
        decorate(req.headers(), resp.headers());
        String origin = req.getHeader("origin");
        if (enabled && origin != null && allowed(origin)) {
            String asked = req.getHeader("access-control-request-headers");
            String headers = allowHeaders == null ? null
                    : allowHeaders.trim().equals("*") && asked != null ? asked : allowHeaders;
            if (headers != null) resp.putHeader("Access-Control-Allow-Headers", headers);
            resp.putHeader("Access-Control-Allow-Methods", allowMethods);
            resp.putHeader("Access-Control-Max-Age", maxAge);
        }
        resp.putHeader("x-request-id", requestId);
        resp.end();
    }

    /** Adds the allow-origin headers to any response for a browser request. */
    public void decorate(MultiMap requestHeaders, MultiMap responseHeaders) {
        if (!enabled) return;
        String origin = requestHeaders.get("origin");
        if (origin == null || !allowed(origin)) return;
        if (anyOrigin) {
            responseHeaders.set("Access-Control-Allow-Origin", "*");
        } else {
            responseHeaders.set("Access-Control-Allow-Origin", origin);
            responseHeaders.add("Vary", "Origin");
        }
        responseHeaders.set("Access-Control-Expose-Headers", EXPOSE);
    }

    private boolean allowed(String origin) {
        return anyOrigin || origins.contains(origin) || origins.contains(origin.toLowerCase(Locale.ROOT));
    }
}
