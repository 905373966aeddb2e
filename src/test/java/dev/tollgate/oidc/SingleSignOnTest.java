package dev.tollgate.oidc;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tollgate.json.Json;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Single sign-on to the dashboard against the tests' own OpenID Connect provider: the whole flow, then each check refusing. */
class SingleSignOnTest extends KeyModeTest {

    private TestOidcProvider provider;

    @AfterEach
    void stopProvider() {
        if (provider != null) provider.close();
    }

    private void startWithSso(Map<String, String> extra) throws Exception {
        provider = new TestOidcProvider(clock::get);
        Map<String, String> env = new HashMap<>(Map.of(
                "TOLLGATE_OIDC_ISSUER", provider.issuer(),
                "TOLLGATE_OIDC_CLIENT_ID", TestOidcProvider.CLIENT_ID,
                "TOLLGATE_OIDC_CLIENT_SECRET", TestOidcProvider.CLIENT_SECRET,
                "TOLLGATE_OIDC_ADMIN_DOMAINS", "corp.example",
                "TOLLGATE_OIDC_VIEWER_DOMAINS", "Partner.Example"));
        env.putAll(extra);
        startKeyMode(env);
    }

    private record Outcome(HttpResponse<String> callback, String sessionCookie) {}

    /** Walks the browser's part: the gateway's redirect, the provider's, the callback with the state cookie. */
    private Outcome signIn() throws Exception {
        HttpResponse<String> start = gateway.get("/ui/login/oidc");
        assertThat(start.statusCode()).as(start.body()).isEqualTo(302);
        String stateCookie = setCookie(start, Dashboard_STATE);
        assertThat(start.headers().allValues("set-cookie").get(0)).contains("HttpOnly", "SameSite=Lax", "Path=/ui/oidc");
        String authorize = start.headers().firstValue("location").orElseThrow();
        assertThat(authorize).startsWith(provider.issuer() + "/authorize?response_type=code&scope=openid+email+profile&client_id=tollgate-dashboard")
                .contains("&code_challenge_method=S256", "&nonce=", "&state=" + stateCookie);
        HttpResponse<String> atProvider = gateway.http().send(HttpRequest.newBuilder(URI.create(authorize)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(atProvider.statusCode()).isEqualTo(302);
        String back = atProvider.headers().firstValue("location").orElseThrow();
        assertThat(back).startsWith(gateway.url("/ui/oidc/callback?code="));
        HttpResponse<String> callback = gateway.http().send(HttpRequest.newBuilder(URI.create(back))
                .header("Cookie", Dashboard_STATE + "=" + stateCookie).GET().build(), HttpResponse.BodyHandlers.ofString());
        String session = callback.statusCode() == 302 ? setCookie(callback, "tollgate_session") : null;
        return new Outcome(callback, session);
    }

    private static final String Dashboard_STATE = "tollgate_oidc_state";

    private static String setCookie(HttpResponse<String> r, String name) {
        for (String c : r.headers().allValues("set-cookie")) {
            if (c.startsWith(name + "=")) return c.substring(name.length() + 1, c.indexOf(';'));
        }
        throw new AssertionError("no cookie " + name + " in " + r.headers().map());
    }

    private JsonNode session(String cookie) throws Exception {
        HttpResponse<String> r = gateway.get("/ui/api/session", "Cookie", "tollgate_session=" + cookie);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    private static String refusal(String code, String message) {
        return "{\"error\":{\"message\":\"Single sign-on refused: " + message + "\",\"type\":\"permission_error\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    @Test
    void anAdminDomainSignsInAsAdminAndTheSessionWorksOnTheAdminApi() throws Exception {
        startWithSso(Map.of());
        provider.claims = Map.of("email", "alice@Corp.Example", "email_verified", true);
        Outcome o = signIn();
        assertThat(o.callback().statusCode()).isEqualTo(302);
        assertThat(o.callback().headers().firstValue("location")).hasValue("/ui/");
        assertThat(o.callback().headers().allValues("set-cookie")).anySatisfy(c -> assertThat(c).startsWith("tollgate_oidc_state=; ").contains("Max-Age=0"));
        assertThat(o.callback().headers().allValues("set-cookie")).anySatisfy(c -> assertThat(c).startsWith("tollgate_session=")
                .contains("HttpOnly", "SameSite=Strict", "Path=/"));
        JsonNode s = session(o.sessionCookie());
        assertThat(s.get("role").asText()).isEqualTo("admin");
        assertThat(s.get("subject").asText()).isEqualTo("sso:alice@Corp.Example");
        // The client authenticated with its secret (HTTP Basic) and proved the PKCE verifier.
        assertThat(provider.lastTokenRequest).contains("grant_type=authorization_code", "code_verifier=").doesNotContain("client_secret");
        HttpResponse<String> keys = gateway.get("/admin/v1/keys", "Cookie", "tollgate_session=" + o.sessionCookie());
        assertThat(keys.statusCode()).isEqualTo(200);
    }

    @Test
    void aViewerDomainSignsInReadOnlyAndAGroupCanMakeAnAdmin() throws Exception {
        startWithSso(Map.of("TOLLGATE_OIDC_GROUPS_CLAIM", "groups", "TOLLGATE_OIDC_ADMIN_GROUPS", "platform-admins"));
        provider.claims = Map.of("email", "bob@partner.example", "email_verified", true);
        assertThat(session(signIn().sessionCookie()).get("role").asText()).isEqualTo("viewer");
        provider.claims = Map.of("email", "carol@elsewhere.example", "groups", List.of("staff", "platform-admins"));
        assertThat(session(signIn().sessionCookie()).get("role").asText()).isEqualTo("admin");
    }

    @Test
    void anAccountNoRuleAllowsIsRefusedAndSoIsAnUnverifiedAddress() throws Exception {
        startWithSso(Map.of());
        provider.claims = Map.of("email", "mallory@corp.example.evil", "email_verified", true);
        Outcome o = signIn();
        assertThat(o.callback().statusCode()).isEqualTo(403);
        assertThat(o.callback().body()).isEqualTo(refusal("not_allowed", "This account is not allowed to use the dashboard."));
        provider.claims = Map.of("email", "alice@corp.example", "email_verified", false);
        assertThat(signIn().callback().body()).isEqualTo(refusal("not_allowed", "This account is not allowed to use the dashboard."));
    }

    @Test
    void eachIdTokenCheckRefuses() throws Exception {
        startWithSso(Map.of());
        provider.claims = Map.of("email", "alice@corp.example");
        Map<String, java.util.function.UnaryOperator<JWTClaimsSet>> cases = new java.util.LinkedHashMap<>();
        cases.put("id_token_issuer", c -> new JWTClaimsSet.Builder(c).issuer("https://other.example").build());
        cases.put("id_token_audience", c -> new JWTClaimsSet.Builder(c).audience("someone-else").build());
        cases.put("id_token_expired", c -> new JWTClaimsSet.Builder(c).expirationTime(new Date(clock.get() - 120_000)).build());
        cases.put("id_token_not_yet_valid", c -> new JWTClaimsSet.Builder(c).issueTime(new Date(clock.get() + 600_000)).build());
        cases.put("id_token_nonce", c -> new JWTClaimsSet.Builder(c).claim("nonce", "another-sign-in").build());
        for (Map.Entry<String, java.util.function.UnaryOperator<JWTClaimsSet>> e : cases.entrySet()) {
            provider.tamper = e.getValue();
            Outcome o = signIn();
            assertThat(o.callback().statusCode()).as(e.getKey()).isEqualTo(403);
            assertThat(Json.parse(o.callback().body()).at("/error/code").asText()).isEqualTo(e.getKey());
        }
    }

    @Test
    void aTokenSignedWithAKeyTheProviderDoesNotPublishIsRefusedAndARotatedKeyIsFetched() throws Exception {
        startWithSso(Map.of());
        provider.claims = Map.of("email", "alice@corp.example");
        assertThat(signIn().callback().statusCode()).isEqualTo(302); // the JWKS is cached now

        provider.signing = TestOidcProvider.newKey(); // signs with a key it does not publish
        Outcome forged = signIn();
        assertThat(forged.callback().statusCode()).isEqualTo(403);
        assertThat(forged.callback().body()).isEqualTo(refusal("id_token_key_unknown",
                "The ID token is signed with a key the provider does not publish."));

        com.nimbusds.jose.jwk.RSAKey rotated = TestOidcProvider.newKey();
        synchronized (provider.published) {
            provider.published.add(rotated);
        }
        provider.signing = rotated; // a new key: the gateway fetches the JWKS again and accepts it
        assertThat(signIn().callback().statusCode()).isEqualTo(302);

        // A token signed by another key but claiming a published key's id fails its signature.
        com.nimbusds.jose.jwk.RSAKey impostor = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID(rotated.getKeyID()).generate();
        provider.signing = impostor;
        Outcome bad = signIn();
        assertThat(bad.callback().body()).isEqualTo(refusal("id_token_signature", "The ID token's signature does not verify."));
    }

    @Test
    void theStateIsSingleUseAndBoundToTheBrowserThatStartedTheSignIn() throws Exception {
        startWithSso(Map.of());
        provider.claims = Map.of("email", "alice@corp.example");
        HttpResponse<String> startA = gateway.get("/ui/login/oidc");
        String stateA = setCookie(startA, Dashboard_STATE);
        HttpResponse<String> atProvider = gateway.http().send(HttpRequest.newBuilder(URI.create(startA.headers().firstValue("location").orElseThrow()))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        String back = atProvider.headers().firstValue("location").orElseThrow();

        // Another browser (no state cookie, or another sign-in's) cannot finish this sign-in.
        HttpResponse<String> noCookie = gateway.http().send(HttpRequest.newBuilder(URI.create(back)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noCookie.statusCode()).isEqualTo(403);
        assertThat(noCookie.body()).isEqualTo(refusal("state_invalid", "This sign-in was not started in this browser; start again."));

        HttpResponse<String> ok = gateway.http().send(HttpRequest.newBuilder(URI.create(back)).header("Cookie", Dashboard_STATE + "=" + stateA)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(302);
        HttpResponse<String> replay = gateway.http().send(HttpRequest.newBuilder(URI.create(back)).header("Cookie", Dashboard_STATE + "=" + stateA)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).isEqualTo(403);
        assertThat(replay.body()).isEqualTo(refusal("state_invalid", "This sign-in was not started here, or was used already."));
    }

    @Test
    void withoutTheSettingsThereIsNoSingleSignOnAndBadSettingsAreRefusedAtStart() throws Exception {
        startKeyMode(Map.of());
        assertThat(gateway.get("/ui/api/sso").body()).isEqualTo("{\"object\":\"tollgate.sso\",\"enabled\":false}");
        assertThat(gateway.get("/ui/login/oidc").statusCode()).isEqualTo(404);
        gateway.close();

        dev.tollgate.config.Settings s = new dev.tollgate.config.ConfigLoader(dev.tollgate.server.Gateway.catalog()).load(null, Map.of(
                "TOLLGATE_OIDC_ISSUER", "http://idp.example.com", "TOLLGATE_OIDC_GROUPS_CLAIM", "", "TOLLGATE_OIDC_ADMIN_GROUPS", "ops")).settings();
        assertThat(OidcSettings.validate(s)).containsExactly(
                "TOLLGATE_OIDC_ISSUER: expected an https:// URL (http only for a loopback host)",
                "TOLLGATE_OIDC_CLIENT_ID: required when TOLLGATE_OIDC_ISSUER is set",
                "TOLLGATE_OIDC_GROUPS_CLAIM: required with TOLLGATE_OIDC_ADMIN_GROUPS / _VIEWER_GROUPS");
    }
}
