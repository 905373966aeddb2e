package dev.tollgate.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.http.Cors;
import dev.tollgate.http.SmallBody;
import dev.tollgate.http.Replies;
import dev.tollgate.json.Json;
import dev.tollgate.observe.RequestLog;
import dev.tollgate.oidc.OidcLogin;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The browser dashboard under {@code /ui}: its files (from memory) and its session API
 * ({@code /ui/api/session}: sign in with the admin token, who am I, sign out). Every answer carries a
 * strict Content-Security-Policy and framing, sniffing and referrer protections. The pages call the
 * admin API with the session cookie ({@link SessionAuth}).
 */
public final class Dashboard {

    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    private static final int MAX_BODY = 4096;

    private final AccessControl access;
    private final Cors cors;
    private final Sessions sessions;
    private final SignInLimiter limiter;
    private final UiAssets assets;
    private volatile OidcLogin sso;
    /** The cookie that binds a sign-in's state to the browser that started it (sent back on the provider's redirect: Lax). */
    static final String STATE_COOKIE = "tollgate_oidc_state";

    public Dashboard(AccessControl access, Cors cors) {
        this.access = access;
        this.cors = cors;
        this.sessions = new Sessions(access::now);
        this.limiter = new SignInLimiter(access::now);
        this.assets = UiAssets.load();
    }

    public Sessions sessions() {
        return sessions;
    }

    /** Turns on single sign-on (TOLLGATE_OIDC_ISSUER set): /ui/login/oidc and its callback. */
    public void singleSignOn(OidcLogin login) {
        this.sso = login;
    }

    /** Whether this path belongs to the dashboard. */
    public static boolean owns(String path) {
        return path.equals("/ui") || path.startsWith("/ui/");
    }

    public void handle(HttpServerRequest req, String path, String requestId) {
        Exchange ex = new Exchange(req.method().name(), Endpoint.unrouted(path.length() > 100 ? path.substring(0, 100) : path),
                requestId, false, null, null);
        HttpMethod m = req.method();
        if (path.equals("/ui/api/session")) {
            session(req, ex, m);
            return;
        }
        if (path.equals("/ui/login/oidc") || path.equals("/ui/oidc/callback") || path.equals("/ui/api/sso")) {
            singleSignOn(req, ex, path);
            return;
        }
        if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
            error(req, ex, ApiError.methodNotAllowed(m.name(), ApiError.clip(path)), null);
            return;
        }
        if (path.equals("/ui") || path.equals("/ui/")) {
            file(req, ex, assets.index(), "text/html; charset=utf-8", "no-cache");
            return;
        }
        UiAssets.Asset a = assets.get(path);
        if (a == null) {
            error(req, ex, ApiError.notFound("Unknown dashboard file " + ApiError.clip(path) + "."), null);
            return;
        }
        file(req, ex, a.body(), a.contentType(), "public, max-age=31536000, immutable");
    }

    private void session(HttpServerRequest req, Exchange ex, HttpMethod m) {
        if (!access.adminEnabled()) {
            error(req, ex, ApiError.notFound("The dashboard is off: set TOLLGATE_ADMIN_TOKEN to turn it on."), null);
            return;
        }
        String cookie = Sessions.cookieValue(req.getHeader(HttpHeaders.COOKIE));
        if (m == HttpMethod.GET) {
            Session s = sessions.find(cookie).orElse(null);
            if (s == null) error(req, ex, noSession(), null);
            else json(req, ex, 200, describe(s), null);
            return;
        }
        if (m == HttpMethod.DELETE) {
            Session s = sessions.find(cookie).orElse(null);
            if (s != null) {
                ApiError forged = SessionAuth.forged(req, s);
                if (forged != null) {
                    error(req, ex, forged, null);
                    return;
                }
                sessions.end(cookie);
            }
            ObjectNode o = Json.object();
            o.put("object", "tollgate.session");
            o.put("deleted", true);
            json(req, ex, 200, o, cookieHeader(req, "", 0));
            return;
        }
        if (m != HttpMethod.POST) {
            error(req, ex, ApiError.methodNotAllowed(m.name(), "/ui/api/session"), null);
            return;
        }
        SmallBody.read(req, MAX_BODY, body -> signIn(req, ex, body),
                () -> error(req, ex, new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large", "Sign-in bodies are limited to 4 KiB.", null), null));
    }

    private void signIn(HttpServerRequest req, Exchange ex, Buffer body) {
        String ip = access.clientIp(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(), req.getHeader("x-forwarded-for"));
        long wait = limiter.retryAfterSeconds(ip);
        if (wait > 0) {
            MultiMap extra = MultiMap.caseInsensitiveMultiMap().add("retry-after", Long.toString(wait));
            error(req, ex, new ApiError(429, "rate_limit_error", "too_many_sign_ins",
                    "Too many failed sign-ins from this address; try again in " + wait + " s.", null), extra);
            return;
        }
        // Sign-in forms posted from another site would sign the victim in as someone else.
        if (req.getHeader(HttpHeaders.ORIGIN) != null && !SessionAuth.sameOrigin(req)) {
            error(req, ex, new ApiError(403, "permission_error", "origin_not_allowed", "Sign in from the dashboard's own origin.", null), null);
            return;
        }
        String token;
        try {
            JsonNode n = Json.parse(body);
            JsonNode t = n.isObject() ? n.get("token") : null;
            if (t == null || !t.isTextual() || t.asText().isEmpty()) {
                error(req, ex, ApiError.badRequest("invalid_sign_in", "Expected a JSON body {\"token\": \"<admin token>\"}."), null);
                return;
            }
            token = t.asText();
        } catch (Exception e) {
            error(req, ex, ApiError.badRequest("invalid_sign_in", "Expected a JSON body {\"token\": \"<admin token>\"}."), null);
            return;
        }
        if (!access.isAdmin(token)) {
            limiter.failed(ip);
            error(req, ex, new ApiError(401, ApiError.INVALID_REQUEST, "invalid_admin_token", "That is not the admin token.", null), null);
            return;
        }
        Session s = sessions.create(Role.ADMIN, "admin-token");
        json(req, ex, 200, describe(s), cookieHeader(req, s.cookieValue(), Sessions.ABSOLUTE_MILLIS / 1000));
    }

    /**
     * Single sign-on: {@code /ui/api/sso} says whether it is on (the sign-in page shows its button),
     * {@code /ui/login/oidc} sends the browser to the provider, {@code /ui/oidc/callback} takes it back,
     * checks the state against the browser's cookie, and signs it in with the role its account maps to.
     */
    private void singleSignOn(HttpServerRequest req, Exchange ex, String path) {
        OidcLogin login = sso;
        if (req.method() != HttpMethod.GET) {
            error(req, ex, ApiError.methodNotAllowed(req.method().name(), ApiError.clip(path)), null);
            return;
        }
        if (path.equals("/ui/api/sso")) {
            ObjectNode o = Json.object();
            o.put("object", "tollgate.sso");
            o.put("enabled", login != null && access.adminEnabled());
            json(req, ex, 200, o, null);
            return;
        }
        if (login == null || !access.adminEnabled()) {
            error(req, ex, ApiError.notFound("Single sign-on is not configured on this gateway."), null);
            return;
        }
        boolean tls = overTls(req);
        String redirectUri = login.redirectUri(tls, req.getHeader(HttpHeaders.HOST));
        if (path.equals("/ui/login/oidc")) {
            login.start(redirectUri).onComplete(ar -> {
                if (ar.failed()) {
                    refused(req, ex, ar.cause());
                    return;
                }
                String cookie = STATE_COOKIE + "=" + ar.result().state() + "; Path=/ui/oidc; HttpOnly; SameSite=Lax; Max-Age=600" + (tls ? "; Secure" : "");
                redirect(req, ex, ar.result().url(), cookie);
            });
            return;
        }
        String state = req.getParam("state");
        String bound = Sessions.cookie(req.getHeader(HttpHeaders.COOKIE), STATE_COOKIE);
        if (req.getParam("error") != null) {
            refused(req, ex, new OidcLogin.Refused("provider_refused", "The sign-in provider did not sign you in."));
            return;
        }
        if (state == null || bound == null || !dev.tollgate.access.KeySecrets.constantTimeEquals(bound, state)) {
            refused(req, ex, new OidcLogin.Refused("state_invalid", "This sign-in was not started in this browser; start again."));
            return;
        }
        login.finish(state, req.getParam("code")).onComplete(ar -> {
            if (ar.failed()) {
                refused(req, ex, ar.cause());
                return;
            }
            OidcLogin.SignedIn who = ar.result();
            Session s = sessions.create(who.role() == OidcLogin.Role.ADMIN ? Role.ADMIN : Role.VIEWER, "sso:" + who.subject());
            redirect(req, ex, "/ui/", cookieHeader(req, s.cookieValue(), Sessions.ABSOLUTE_MILLIS / 1000),
                    STATE_COOKIE + "=; Path=/ui/oidc; HttpOnly; SameSite=Lax; Max-Age=0");
        });
    }

    private void refused(HttpServerRequest req, Exchange ex, Throwable e) {
        if (e instanceof OidcLogin.Refused r) {
            int status = r.code.equals("provider_unreachable") ? 502 : 403;
            error(req, ex, new ApiError(status, "permission_error", r.code, "Single sign-on refused: " + r.getMessage(), null), null);
        } else {
            error(req, ex, new ApiError(502, "server_error", "sso_failed", "Single sign-on failed; try again.", null), null);
        }
    }

    private void redirect(HttpServerRequest req, Exchange ex, String location, String... setCookies) {
        HttpServerResponse resp = req.response();
        resp.headers().addAll(securityHeaders());
        resp.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        resp.putHeader(HttpHeaders.LOCATION, location);
        resp.putHeader("x-request-id", ex.requestId());
        for (String c : setCookies) resp.headers().add(HttpHeaders.SET_COOKIE, c);
        logged(ex, 302, null);
        resp.setStatusCode(302).end();
    }

    private static ApiError noSession() {
        return new ApiError(401, ApiError.INVALID_REQUEST, "no_session", "Not signed in.", null);
    }

    private static ObjectNode describe(Session s) {
        ObjectNode o = Json.object();
        o.put("object", "tollgate.session");
        o.put("role", s.role().id());
        o.put("subject", s.subject());
        o.put("csrf_token", s.csrfToken());
        return o;
    }

    /** The session cookie: HttpOnly, SameSite=Strict, Secure when the browser reached us over TLS. */
    static String cookieHeader(HttpServerRequest req, String value, long maxAgeSeconds) {
        return Sessions.COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + maxAgeSeconds + (overTls(req) ? "; Secure" : "");
    }

    /** Whether the browser reached the gateway over TLS, directly or through a proxy that says so. */
    static boolean overTls(HttpServerRequest req) {
        return req.isSSL() || "https".equalsIgnoreCase(req.getHeader("x-forwarded-proto"));
    }

    static MultiMap securityHeaders() {
        return MultiMap.caseInsensitiveMultiMap()
                .add("content-security-policy", CSP)
                .add("x-frame-options", "DENY")
                .add("x-content-type-options", "nosniff")
                .add("referrer-policy", "no-referrer")
                .add("cross-origin-opener-policy", "same-origin");
    }

    private void file(HttpServerRequest req, Exchange ex, Buffer body, String type, String cacheControl) {
        HttpServerResponse resp = req.response();
        resp.headers().addAll(securityHeaders());
        resp.putHeader(HttpHeaders.CONTENT_TYPE, type);
        resp.putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
        resp.putHeader("x-request-id", ex.requestId());
        logged(ex, 200, null);
        resp.setStatusCode(200);
        if (req.method() == HttpMethod.HEAD) {
            resp.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
            resp.end();
        } else {
            resp.end(body);
        }
    }

    private void json(HttpServerRequest req, Exchange ex, int status, JsonNode body, String setCookie) {
        HttpServerResponse resp = req.response();
        resp.headers().addAll(securityHeaders());
        resp.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        resp.putHeader("x-request-id", ex.requestId());
        if (setCookie != null) resp.putHeader(HttpHeaders.SET_COOKIE, setCookie);
        logged(ex, status, null);
        Replies.json(req, status, Json.toString(body));
    }

    private void error(HttpServerRequest req, Exchange ex, ApiError error, MultiMap extra) {
        MultiMap headers = securityHeaders().add(HttpHeaders.CACHE_CONTROL, "no-store");
        if (extra != null) headers.setAll(extra);
        logged(ex, error.status(), error.message());
        Replies.error(req, cors, ex.requestId(), error, false, headers);
    }

    private static void logged(Exchange ex, int status, String message) {
        ex.status(status);
        if (message != null) ex.errorMessage(message);
        RequestLog.write(ex);
    }
}
