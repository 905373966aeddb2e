package dev.tollgate.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's session API, its CSRF and origin checks, and its response headers, over plain HTTP. */
class DashboardSessionTest extends KeyModeTest {

    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private String origin() {
        return "http://127.0.0.1:" + gateway.port();
    }

    private HttpResponse<String> send(String method, String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = gateway.request(path);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return gateway.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private record SignedIn(String cookie, String csrf) {}

    private SignedIn signIn() throws Exception {
        HttpResponse<String> r = send("POST", "/ui/api/session", "{\"token\":\"" + ADMIN + "\"}", "Origin", origin());
        assertThat(r.statusCode()).isEqualTo(200);
        String setCookie = r.headers().firstValue("set-cookie").orElseThrow();
        JsonNode body = Json.parse(r.body());
        return new SignedIn(setCookie.substring(0, setCookie.indexOf(';')), body.get("csrf_token").asText());
    }

    @Test
    void signingInGivesAStrictHttpOnlyCookieAndACsrfToken() throws Exception {
        startKeyMode(Map.of());
        HttpResponse<String> r = send("POST", "/ui/api/session", "{\"token\":\"" + ADMIN + "\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        String cookie = r.headers().firstValue("set-cookie").orElseThrow();
        assertThat(cookie).matches("tollgate_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800");
        JsonNode body = Json.parse(r.body());
        assertThat(body.get("role").asText()).isEqualTo("admin");
        assertThat(body.get("subject").asText()).isEqualTo("admin-token");
        assertThat(body.get("csrf_token").asText()).matches("[A-Za-z0-9_-]{43}");
        assertThat(r.body()).doesNotContain(ADMIN);
        assertThat(r.headers().firstValue("content-security-policy")).contains(CSP);
        assertThat(r.headers().firstValue("cache-control")).contains("no-store");

        String c = cookie.substring(0, cookie.indexOf(';'));
        HttpResponse<String> who = send("GET", "/ui/api/session", null, "Cookie", c);
        assertThat(who.statusCode()).isEqualTo(200);
        assertThat(who.body()).isEqualTo("{\"object\":\"tollgate.session\",\"role\":\"admin\",\"subject\":\"admin-token\",\"csrf_token\":\""
                + body.get("csrf_token").asText() + "\"}");
        // Behind a TLS-terminating proxy the cookie is Secure.
        HttpResponse<String> tls = send("POST", "/ui/api/session", "{\"token\":\"" + ADMIN + "\"}", "X-Forwarded-Proto", "https");
        assertThat(tls.headers().firstValue("set-cookie").orElseThrow()).endsWith("; Max-Age=28800; Secure");
    }

    @Test
    void noTokenCookieOrCsrfTokenReachesTheLog() throws Exception {
        startKeyMode(Map.of());
        try (dev.tollgate.support.LogCapture logs = new dev.tollgate.support.LogCapture()) {
            SignedIn s = signIn();
            send("POST", "/ui/api/session", "{\"token\":\"wrong-token-guess\"}");
            send("POST", "/admin/v1/keys", "{}", "Cookie", s.cookie(), "Origin", origin(), "X-CSRF-Token", s.csrf());
            String last = logs.awaitRequestLine(3);
            assertThat(last).contains("\"endpoint\":\"/admin/v1/keys\"");
            assertThat(logs.all()).contains("\"endpoint\":\"/ui/api/session\"").doesNotContain(ADMIN).doesNotContain("wrong-token-guess")
                    .doesNotContain(s.cookie().substring("tollgate_session=".length())).doesNotContain(s.csrf());
        }
    }

    @Test
    void wrongTokensAreRefusedAndRateLimitedPerAddress() throws Exception {
        startKeyMode(Map.of());
        HttpResponse<String> none = send("GET", "/ui/api/session", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).isEqualTo("{\"error\":{\"message\":\"Not signed in.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"no_session\"}}");
        assertThat(send("POST", "/ui/api/session", "{}").body())
                .isEqualTo("{\"error\":{\"message\":\"Expected a JSON body {\\\"token\\\": \\\"<admin token>\\\"}.\",\"type\":\"invalid_request_error\","
                        + "\"param\":null,\"code\":\"invalid_sign_in\"}}");
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send("POST", "/ui/api/session", "{\"token\":\"guess-" + i + "\"}");
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"That is not the admin token.\",\"type\":\"invalid_request_error\","
                    + "\"param\":null,\"code\":\"invalid_admin_token\"}}");
            assertThat(r.headers().firstValue("set-cookie")).isEmpty();
        }
        // Even the right token waits now: guessing cannot go on until the minute is over.
        HttpResponse<String> limited = send("POST", "/ui/api/session", "{\"token\":\"" + ADMIN + "\"}");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).contains("60");
        assertThat(limited.body()).isEqualTo("{\"error\":{\"message\":\"Too many failed sign-ins from this address; try again in 60 s.\","
                + "\"type\":\"rate_limit_error\",\"param\":null,\"code\":\"too_many_sign_ins\"}}");
        clock.addAndGet(60_000);
        assertThat(send("POST", "/ui/api/session", "{\"token\":\"" + ADMIN + "\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void cookieChangesNeedTheCsrfTokenAndTheGatewaysOwnOrigin() throws Exception {
        startKeyMode(Map.of());
        SignedIn s = signIn();
        HttpResponse<String> list = send("GET", "/admin/v1/keys", null, "Cookie", s.cookie());
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).isEqualTo("{\"object\":\"list\",\"data\":[]}");

        HttpResponse<String> noToken = send("POST", "/admin/v1/keys", "{}", "Cookie", s.cookie(), "Origin", origin());
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.body()).isEqualTo("{\"error\":{\"message\":\"This change needs the session's CSRF token in the X-CSRF-Token header.\","
                + "\"type\":\"permission_error\",\"param\":null,\"code\":\"csrf_token_invalid\"}}");
        HttpResponse<String> wrongToken = send("POST", "/admin/v1/keys", "{}", "Cookie", s.cookie(), "Origin", origin(), "X-CSRF-Token", s.csrf() + "x");
        assertThat(wrongToken.statusCode()).isEqualTo(403);
        HttpResponse<String> foreign = send("POST", "/admin/v1/keys", "{}", "Cookie", s.cookie(), "Origin", "http://evil.example", "X-CSRF-Token", s.csrf());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).isEqualTo("{\"error\":{\"message\":\"This change must come from the dashboard's own origin.\","
                + "\"type\":\"permission_error\",\"param\":null,\"code\":\"origin_not_allowed\"}}");
        HttpResponse<String> noOrigin = send("POST", "/admin/v1/keys", "{}", "Cookie", s.cookie(), "X-CSRF-Token", s.csrf());
        assertThat(noOrigin.statusCode()).isEqualTo(403);
        assertThat(send("GET", "/admin/v1/keys", null, "Cookie", s.cookie()).body()).isEqualTo("{\"object\":\"list\",\"data\":[]}");

        HttpResponse<String> ok = send("POST", "/admin/v1/keys", "{\"name\":\"from the dashboard\"}", "Cookie", s.cookie(), "Origin", origin(), "X-CSRF-Token", s.csrf());
        assertThat(ok.statusCode()).isEqualTo(201);
        assertThat(Json.parse(ok.body()).get("name").asText()).isEqualTo("from the dashboard");

        // Signing out ends the session: the cookie no longer opens the admin API.
        HttpResponse<String> out = send("DELETE", "/ui/api/session", null, "Cookie", s.cookie(), "Origin", origin(), "X-CSRF-Token", s.csrf());
        assertThat(out.statusCode()).isEqualTo(200);
        assertThat(out.headers().firstValue("set-cookie")).contains("tollgate_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        HttpResponse<String> after = send("GET", "/admin/v1/keys", null, "Cookie", s.cookie());
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(after.body()).isEqualTo("{\"error\":{\"message\":\"The dashboard session has ended or expired; sign in again.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"session_expired\"}}");
    }

    @Test
    void aViewerSessionReadsButCannotChangeAnything() throws Exception {
        startKeyMode(Map.of());
        Session viewer = gateway.gateway().dashboard().sessions().create(Role.VIEWER, "viewer@example.com");
        String cookie = "tollgate_session=" + viewer.cookieValue();
        assertThat(send("GET", "/ui/api/session", null, "Cookie", cookie).body())
                .isEqualTo("{\"object\":\"tollgate.session\",\"role\":\"viewer\",\"subject\":\"viewer@example.com\",\"csrf_token\":\"" + viewer.csrfToken() + "\"}");
        assertThat(send("GET", "/admin/v1/keys", null, "Cookie", cookie).statusCode()).isEqualTo(200);
        HttpResponse<String> create = send("POST", "/admin/v1/keys", "{}", "Cookie", cookie, "Origin", origin(), "X-CSRF-Token", viewer.csrfToken());
        assertThat(create.statusCode()).isEqualTo(403);
        assertThat(create.body()).isEqualTo("{\"error\":{\"message\":\"A viewer session can only read; ask an admin to make this change.\","
                + "\"type\":\"permission_error\",\"param\":null,\"code\":\"read_only_session\"}}");
        assertThat(send("PUT", "/admin/v1/users/ann", "{\"limits\":{\"rpm\":1}}", "Cookie", cookie, "Origin", origin(), "X-CSRF-Token", viewer.csrfToken())
                .statusCode()).isEqualTo(403);
        assertThat(admin("GET", "/admin/v1/keys", null).body()).isEqualTo("{\"object\":\"list\",\"data\":[]}");
    }

    @Test
    void sessionsExpireWhenIdleAndAfterEightHours() throws Exception {
        startKeyMode(Map.of());
        SignedIn s = signIn();
        clock.addAndGet(Sessions.IDLE_MILLIS - 1);
        assertThat(send("GET", "/ui/api/session", null, "Cookie", s.cookie()).statusCode()).isEqualTo(200);
        clock.addAndGet(Sessions.IDLE_MILLIS - 1);
        assertThat(send("GET", "/ui/api/session", null, "Cookie", s.cookie()).statusCode()).isEqualTo(200);
        clock.addAndGet(Sessions.IDLE_MILLIS - 1);
        assertThat(send("GET", "/ui/api/session", null, "Cookie", s.cookie()).statusCode()).isEqualTo(200);
        clock.addAndGet(Sessions.IDLE_MILLIS - 1);
        // 8 h since sign-in, though used within the last 2 h: over.
        assertThat(send("GET", "/ui/api/session", null, "Cookie", s.cookie()).statusCode()).isEqualTo(200);
        clock.addAndGet(4);
        assertThat(send("GET", "/ui/api/session", null, "Cookie", s.cookie()).statusCode()).isEqualTo(401);

        SignedIn idle = signIn();
        clock.addAndGet(Sessions.IDLE_MILLIS);
        assertThat(send("GET", "/admin/v1/keys", null, "Cookie", idle.cookie()).statusCode()).isEqualTo(401);
    }

    @Test
    void theAppIsServedWithStrictHeadersAndVersionedFiles() throws Exception {
        startKeyMode(Map.of());
        HttpResponse<String> index = send("GET", "/ui/", null);
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("content-security-policy")).contains(CSP);
        assertThat(index.headers().firstValue("x-frame-options")).contains("DENY");
        assertThat(index.headers().firstValue("x-content-type-options")).contains("nosniff");
        assertThat(index.headers().firstValue("referrer-policy")).contains("no-referrer");
        assertThat(index.headers().firstValue("cache-control")).contains("no-cache");
        assertThat(index.body()).doesNotContain("<script>").doesNotContain("{{");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("src=\"(/ui/static/[0-9a-f]{12}/app\\.js)\"").matcher(index.body());
        assertThat(m.find()).isTrue();
        HttpResponse<String> app = send("GET", m.group(1), null);
        assertThat(app.statusCode()).isEqualTo(200);
        assertThat(app.headers().firstValue("content-type")).contains("text/javascript; charset=utf-8");
        assertThat(app.headers().firstValue("cache-control")).contains("public, max-age=31536000, immutable");
        assertThat(app.headers().firstValue("content-security-policy")).contains(CSP);
        HttpResponse<String> uplot = send("GET", "/ui/vendor/uplot/1.6.30/uPlot.esm.js", null);
        assertThat(uplot.statusCode()).isEqualTo(200);
        assertThat(uplot.body()).contains("export");
        assertThat(send("GET", "/ui", null).statusCode()).isEqualTo(200);

        HttpResponse<String> missing = send("GET", "/ui/static/nothing.js", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("content-security-policy")).contains(CSP);
        assertThat(missing.body()).isEqualTo("{\"error\":{\"message\":\"Unknown dashboard file /ui/static/nothing.js.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"unknown_route\"}}");
        HttpResponse<String> sso = send("GET", "/ui/login/oidc", null);
        assertThat(sso.statusCode()).isEqualTo(404);
        assertThat(sso.body()).isEqualTo("{\"error\":{\"message\":\"Single sign-on is not configured on this gateway.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"unknown_route\"}}");
        assertThat(send("GET", "/ui/oidc/callback?code=x&state=y", null).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/ui/", "{}").statusCode()).isEqualTo(405);
    }
}
