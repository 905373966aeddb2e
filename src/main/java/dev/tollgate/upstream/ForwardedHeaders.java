package dev.tollgate.upstream;

import dev.tollgate.config.HeaderOverrides;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Which headers cross the gateway, in each direction. */
public final class ForwardedHeaders {

    private ForwardedHeaders() {}

    /** RFC 9110 §7.6.1 hop-by-hop headers, plus ones the gateway sets itself. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

    /**
     * Not sent upstream: the gateway sets them, they describe the hop to the gateway, or some
     * servers and front ends let them change the method or path served, which would make the
     * upstream serve another operation than the one the gateway judged.
     */
    private static final Set<String> NOT_UPSTREAM = Set.of("host", "content-length", "accept-encoding", "expect",
            "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "cookie",
            "x-http-method-override", "x-http-method", "x-method-override", "x-original-method",
            "x-original-url", "x-original-uri", "x-rewrite-url", "x-forwarded-prefix", "x-forwarded-uri", "x-forwarded-path");

    /** Not returned to the caller: cookies of the upstream's edge and lengths we recompute. */
    private static final Set<String> NOT_DOWNSTREAM = Set.of("set-cookie", "content-length", "alt-svc");

    /**
     * Headers for the upstream request. The caller's Authorization goes upstream only when the
     * gateway has no key of its own; our x-tollgate-* / x-usagepanda-* headers never leave.
     */
    public static MultiMap toUpstream(MultiMap in, String gatewayKey, String organization, String project) {
        return toUpstream(in, gatewayKey, organization, project, false);
    }

    /**
     * As above; with {@code keyMode} the caller's Authorization (its Tollgate key) and api-key
     * never go upstream, whether or not the gateway has a provider key.
     */
    public static MultiMap toUpstream(MultiMap in, String gatewayKey, String organization, String project, boolean keyMode) {
        MultiMap out = HttpHeaders.headers();
        Set<String> named = connectionNamed(in);
        for (Map.Entry<String, String> h : in) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || NOT_UPSTREAM.contains(name) || named.contains(name)) continue;
            if (HeaderOverrides.suffix(name) != null) continue;
            if ((gatewayKey != null || keyMode) && (name.equals("authorization") || name.equals("api-key") || name.equals("x-api-key"))) continue;
            out.add(h.getKey(), h.getValue());
        }
        if (gatewayKey != null) out.set(HttpHeaders.AUTHORIZATION, "Bearer " + gatewayKey);
        if (organization != null && !out.contains("openai-organization")) out.set("OpenAI-Organization", organization);
        if (project != null && !out.contains("openai-project")) out.set("OpenAI-Project", project);
        return out;
    }

    /** The token of an {@code Authorization: Bearer <token>} value, or null for any other value. */
    public static String bearerToken(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : null;
    }

    /** Copies the upstream's response headers a client may use; drops hop-by-hop ones. */
    public static void toClient(MultiMap upstream, MultiMap out) {
        Set<String> named = connectionNamed(upstream);
        for (Map.Entry<String, String> h : upstream) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || NOT_DOWNSTREAM.contains(name) || named.contains(name)) continue;
            out.add(h.getKey(), h.getValue());
        }
    }

    /** Headers a Connection header names are hop-by-hop too (RFC 9110 §7.6.1). */
    private static Set<String> connectionNamed(MultiMap headers) {
        String c = headers.get(HttpHeaders.CONNECTION);
        if (c == null || c.isEmpty()) return Set.of();
        java.util.HashSet<String> out = new java.util.HashSet<>();
        for (String part : c.split(",")) out.add(part.trim().toLowerCase(Locale.ROOT));
        return out;
    }
}
