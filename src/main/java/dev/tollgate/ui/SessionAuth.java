package dev.tollgate.ui;

import dev.tollgate.access.AccessControl;
import dev.tollgate.access.KeySecrets;
import dev.tollgate.api.ApiError;
import dev.tollgate.upstream.ForwardedHeaders;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * Who is calling the admin API: the admin token as a bearer value, or a dashboard session cookie.
 * A cookie rides along on any request the browser makes, so for cookie callers every state-changing
 * method also needs the session's CSRF token in {@code X-CSRF-Token} and an {@code Origin} that is
 * the gateway's own; a viewer session may only read.
 */
public final class SessionAuth {

    public static final String CSRF_HEADER = "X-CSRF-Token";

    /** The caller's role, or the error to answer with. */
    public record Caller(Role role, String subject, ApiError error) {
        static Caller refused(ApiError e) {
            return new Caller(null, null, e);
        }
    }

    private SessionAuth() {}

    public static Caller check(HttpServerRequest req, AccessControl access, Sessions sessions) {
        String auth = req.getHeader(HttpHeaders.AUTHORIZATION);
        String cookie = Sessions.cookieValue(req.getHeader(HttpHeaders.COOKIE));
        if (auth != null || cookie == null || sessions == null) {
            String token = ForwardedHeaders.bearerToken(auth);
            if (token == null || !access.isAdmin(token)) {
                return Caller.refused(new ApiError(401, ApiError.INVALID_REQUEST, "invalid_admin_token",
                        "The admin API needs 'Authorization: Bearer <TOLLGATE_ADMIN_TOKEN>'.", null));
            }
            return new Caller(Role.ADMIN, "admin-token", null);
        }
        Session s = sessions.find(cookie).orElse(null);
        if (s == null) {
            return Caller.refused(new ApiError(401, ApiError.INVALID_REQUEST, "session_expired",
                    "The dashboard session has ended or expired; sign in again.", null));
        }
        if (!changes(req.method())) return new Caller(s.role(), s.subject(), null);
        ApiError forged = forged(req, s);
        if (forged != null) return Caller.refused(forged);
        if (!s.role().mayChange()) {
            return Caller.refused(new ApiError(403, "permission_error", "read_only_session",
                    "A viewer session can only read; ask an admin to make this change.", null));
        }
        return new Caller(s.role(), s.subject(), null);
    }

    static boolean changes(HttpMethod m) {
        return !(m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS);
    }

    /** The 403 for a cookie request without the session's CSRF token or from another origin, or null. */
    static ApiError forged(HttpServerRequest req, Session s) {
        String csrf = req.getHeader(CSRF_HEADER);
        if (csrf == null || !KeySecrets.constantTimeEquals(s.csrfToken(), csrf)) {
            return new ApiError(403, "permission_error", "csrf_token_invalid",
                    "This change needs the session's CSRF token in the X-CSRF-Token header.", null);
        }
        if (!sameOrigin(req)) {
            return new ApiError(403, "permission_error", "origin_not_allowed",
                    "This change must come from the dashboard's own origin.", null);
        }
        return null;
    }

    /** Whether the Origin header names this gateway (the host the browser addressed, over http or https). */
    static boolean sameOrigin(HttpServerRequest req) {
        String origin = req.getHeader(HttpHeaders.ORIGIN);
        String host = req.getHeader(HttpHeaders.HOST);
        if (host == null && req.authority() != null) {
            host = req.authority().host() + (req.authority().port() >= 0 ? ":" + req.authority().port() : "");
        }
        if (origin == null || host == null || host.isEmpty()) return false;
        return origin.equals("http://" + host) || origin.equals("https://" + host);
    }
}
