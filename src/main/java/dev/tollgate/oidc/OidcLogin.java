package dev.tollgate.oidc;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Sign-in to the dashboard with an OpenID Connect provider: the authorization code flow with PKCE
 * (S256), a single-use {@code state} and a {@code nonce}, the provider found by discovery, and
 * the ID token checked (signature against the provider's JWKS, issuer, audience, authorized party,
 * expiry, not-before, issued-at and nonce) before its e-mail domain or groups are mapped to a role.
 * Nothing here trusts the browser: the state is kept on this side and bound to a cookie by the caller.
 */
public final class OidcLogin {

    /** What a signed-in person may do on the dashboard. */
    public enum Role { ADMIN, VIEWER }

    /** Where to send the browser, and the state to bind to it (a short-lived cookie). */
    public record Redirect(String url, String state) {}

    public record SignedIn(String subject, String email, Role role) {}

    /** A sign-in refused: {@code code} says why, in a word; nothing from the provider's answer is echoed. */
    public static final class Refused extends RuntimeException {
        public final String code;

        public Refused(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** The provider's endpoints, from its discovery document. */
    record Provider(String authorizationEndpoint, String tokenEndpoint, String jwksUri, boolean basicAuth) {}

    private record Pending(String nonce, String verifier, String redirectUri, long expiresAt) {}

    static final long PENDING_MILLIS = 10 * 60_000L;
    static final long CLOCK_SKEW_MILLIS = 60_000L;
    private static final int MAX_PENDING = 10_000;
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private final HttpClient http;
    private final LongSupplier clock;
    private final String issuer;
    private final String clientId;
    private final String clientSecret;
    private final Set<String> adminDomains;
    private final Set<String> viewerDomains;
    private final String groupsClaim;
    private final Set<String> adminGroups;
    private final Set<String> viewerGroups;
    private final String redirectUrl;
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private volatile Future<Provider> provider;
    private volatile JWKSet keys;

    private OidcLogin(Vertx vertx, Settings s, LongSupplier clock) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(10_000).setIdleTimeout(30));
        this.clock = clock;
        this.issuer = s.get(OidcSettings.ISSUER).trim();
        this.clientId = s.get(OidcSettings.CLIENT_ID).trim();
        String secret = s.get(OidcSettings.CLIENT_SECRET);
        this.clientSecret = secret == null || secret.isBlank() ? null : secret;
        this.adminDomains = lower(s.get(OidcSettings.ADMIN_DOMAINS));
        this.viewerDomains = lower(s.get(OidcSettings.VIEWER_DOMAINS));
        this.groupsClaim = s.get(OidcSettings.GROUPS_CLAIM).trim();
        this.adminGroups = Set.copyOf(s.get(OidcSettings.ADMIN_GROUPS));
        this.viewerGroups = Set.copyOf(s.get(OidcSettings.VIEWER_GROUPS));
        String redirect = s.get(OidcSettings.REDIRECT_URL).trim();
        this.redirectUrl = redirect.isEmpty() ? null : redirect;
    }

    /** Single sign-on as the settings ask, or null when it is off. */
    public static OidcLogin of(Vertx vertx, Settings s, LongSupplier clock) {
        return OidcSettings.enabled(s) ? new OidcLogin(vertx, s, clock) : null;
    }

    /** The callback URL: TOLLGATE_OIDC_REDIRECT_URL, or made from the address the browser used. */
    public String redirectUri(boolean tls, String host) {
        if (redirectUrl != null) return redirectUrl;
        return (tls ? "https://" : "http://") + (host == null ? "localhost" : host) + "/ui/oidc/callback";
    }

    /** Starts a sign-in: the provider's authorization URL for the browser, and the state to bind to it. */
    public Future<Redirect> start(String redirectUri) {
        return provider().map(p -> {
            long now = clock.getAsLong();
            sweep(now);
            String state = random();
            String nonce = random();
            String verifier = random() + random();
            pending.put(state, new Pending(nonce, verifier, redirectUri, now + PENDING_MILLIS));
            String url = p.authorizationEndpoint() + (p.authorizationEndpoint().contains("?") ? "&" : "?")
                    + "response_type=code&scope=" + enc("openid email profile") + "&client_id=" + enc(clientId)
                    + "&redirect_uri=" + enc(redirectUri) + "&state=" + enc(state) + "&nonce=" + enc(nonce)
                    + "&code_challenge=" + enc(challenge(verifier)) + "&code_challenge_method=S256";
            return new Redirect(url, state);
        });
    }

    /**
     * Finishes a sign-in the provider sent back with {@code code}: the state must be one this
     * gateway issued, unused and unexpired (the caller has checked it is the browser's own).
     */
    public Future<SignedIn> finish(String state, String code) {
        Pending p = state == null ? null : pending.remove(state); // single use, whatever happens next
        if (p == null) return Future.failedFuture(new Refused("state_invalid", "This sign-in was not started here, or was used already."));
        if (clock.getAsLong() > p.expiresAt()) return Future.failedFuture(new Refused("state_expired", "This sign-in took too long; start again."));
        if (code == null || code.isEmpty() || code.length() > 4096) {
            return Future.failedFuture(new Refused("code_missing", "The provider sent no authorization code."));
        }
        return provider().compose(pr -> exchange(pr, code, p).compose(idToken -> verify(pr, idToken, p.nonce(), true)));
    }

    // ---- the provider --------------------------------------------------------------------------

    private Future<Provider> provider() {
        Future<Provider> f = provider;
        if (f == null || f.failed()) {
            synchronized (this) {
                f = provider;
                if (f == null || f.failed()) provider = f = discover();
            }
        }
        return f;
    }

    private Future<Provider> discover() {
        String url = issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration";
        return get(url).map(body -> {
            JsonNode d = json(body);
            if (!issuer.equals(d.path("issuer").asText())) throw new Refused("issuer_mismatch", "The provider's discovery document names another issuer.");
            String auth = d.path("authorization_endpoint").asText("");
            String token = d.path("token_endpoint").asText("");
            String jwks = d.path("jwks_uri").asText("");
            if (!OidcSettings.secureOrLoopback(auth) || !OidcSettings.secureOrLoopback(token) || !OidcSettings.secureOrLoopback(jwks)) {
                throw new Refused("discovery_invalid", "The provider's discovery document lacks https endpoints.");
            }
            boolean basic = true;
            JsonNode methods = d.path("token_endpoint_auth_methods_supported");
            if (methods.isArray() && !methods.isEmpty()) {
                basic = false;
                for (JsonNode m : methods) if (m.asText().equals("client_secret_basic")) basic = true;
            }
            return new Provider(auth, token, jwks, basic);
        }).recover(e -> Future.failedFuture(e instanceof Refused ? e : new Refused("provider_unreachable", "The sign-in provider could not be reached.")));
    }

    private Future<String> exchange(Provider p, String code, Pending pending) {
        StringBuilder form = new StringBuilder("grant_type=authorization_code&code=").append(enc(code))
                .append("&redirect_uri=").append(enc(pending.redirectUri())).append("&code_verifier=").append(enc(pending.verifier()));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/x-www-form-urlencoded").add("accept", "application/json");
        if (clientSecret != null && p.basicAuth()) {
            String basic = enc(clientId) + ":" + enc(clientSecret);
            headers.add("authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        } else {
            form.append("&client_id=").append(enc(clientId));
            if (clientSecret != null) form.append("&client_secret=").append(enc(clientSecret));
        }
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(p.tokenEndpoint()).setHeaders(headers).setIdleTimeout(10_000);
        return http.request(o).compose(req -> req.send(Buffer.buffer(form.toString())))
                .compose(resp -> resp.body().map(b -> {
                    if (resp.statusCode() != 200) throw new Refused("code_refused", "The provider refused the authorization code.");
                    String idToken = json(b.toString()).path("id_token").asText("");
                    if (idToken.isEmpty()) throw new Refused("id_token_missing", "The provider's answer had no ID token.");
                    return idToken;
                }))
                .recover(e -> Future.failedFuture(e instanceof Refused ? e : new Refused("provider_unreachable", "The sign-in provider could not be reached.")));
    }

    // ---- the ID token ----------------------------------------------------------------------------

    /** Checks the ID token; an unknown key id makes it fetch the JWKS again, once (the provider rotated its keys). */
    Future<SignedIn> verify(Provider p, String idToken, String nonce, boolean mayRefreshKeys) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(idToken);
        } catch (ParseException e) {
            return Future.failedFuture(new Refused("id_token_malformed", "The ID token is not a signed JWT."));
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!ALGORITHMS.contains(alg)) return Future.failedFuture(new Refused("id_token_algorithm", "The ID token is not signed with RSA or ECDSA."));
        JWKSet set = keys;
        JWK key = set == null ? null : key(set, jwt.getHeader().getKeyID(), alg);
        if (key == null) {
            if (!mayRefreshKeys) return Future.failedFuture(new Refused("id_token_key_unknown", "The ID token is signed with a key the provider does not publish."));
            return get(p.jwksUri()).compose(body -> {
                try {
                    keys = JWKSet.parse(body);
                } catch (ParseException e) {
                    return Future.failedFuture(new Refused("jwks_invalid", "The provider's key set could not be read."));
                }
                return verify(p, idToken, nonce, false);
            }, e -> Future.failedFuture(new Refused("provider_unreachable", "The sign-in provider could not be reached.")));
        }
        try {
            JWSVerifier verifier = key instanceof RSAKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECKey) key);
            if (!jwt.verify(verifier)) return Future.failedFuture(new Refused("id_token_signature", "The ID token's signature does not verify."));
            return Future.succeededFuture(claims(jwt.getJWTClaimsSet(), nonce));
        } catch (JOSEException | ParseException e) {
            return Future.failedFuture(new Refused("id_token_signature", "The ID token's signature does not verify."));
        } catch (Refused r) {
            return Future.failedFuture(r);
        }
    }

    private static JWK key(JWKSet set, String kid, JWSAlgorithm alg) {
        boolean ec = JWSAlgorithm.Family.EC.contains(alg);
        for (JWK k : set.getKeys()) {
            if (kid != null && !kid.equals(k.getKeyID())) continue;
            if (k.getKeyUse() != null && !"sig".equals(k.getKeyUse().identifier())) continue;
            if (ec ? k instanceof ECKey : k instanceof RSAKey) return k;
        }
        return null;
    }

    private SignedIn claims(JWTClaimsSet c, String nonce) throws ParseException {
        long now = clock.getAsLong();
        if (!issuer.equals(c.getIssuer())) throw new Refused("id_token_issuer", "The ID token comes from another issuer.");
        List<String> aud = c.getAudience();
        if (aud == null || !aud.contains(clientId)) throw new Refused("id_token_audience", "The ID token is not meant for this gateway.");
        String azp = c.getStringClaim("azp");
        if ((aud.size() > 1 || azp != null) && !clientId.equals(azp)) throw new Refused("id_token_audience", "The ID token is not meant for this gateway.");
        Date exp = c.getExpirationTime();
        if (exp == null || exp.getTime() + CLOCK_SKEW_MILLIS <= now) throw new Refused("id_token_expired", "The ID token has expired.");
        Date iat = c.getIssueTime();
        if (iat == null || iat.getTime() - CLOCK_SKEW_MILLIS > now) throw new Refused("id_token_not_yet_valid", "The ID token is dated in the future.");
        Date nbf = c.getNotBeforeTime();
        if (nbf != null && nbf.getTime() - CLOCK_SKEW_MILLIS > now) throw new Refused("id_token_not_yet_valid", "The ID token is not valid yet.");
        if (!nonce.equals(c.getStringClaim("nonce"))) throw new Refused("id_token_nonce", "The ID token was not issued for this sign-in.");
        String email = c.getStringClaim("email");
        Object verified = c.getClaim("email_verified");
        boolean emailOk = email != null && email.indexOf('@') > 0 && !Boolean.FALSE.equals(verified) && !"false".equals(verified);
        String domain = emailOk ? email.substring(email.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT) : null;
        Set<String> groups = groups(c);
        Role role;
        if ((domain != null && adminDomains.contains(domain)) || intersects(groups, adminGroups)) role = Role.ADMIN;
        else if ((domain != null && viewerDomains.contains(domain)) || intersects(groups, viewerGroups)) role = Role.VIEWER;
        else throw new Refused("not_allowed", "This account is not allowed to use the dashboard.");
        String subject = emailOk ? email : c.getSubject();
        return new SignedIn(subject == null ? "unknown" : subject, emailOk ? email : null, role);
    }

    private Set<String> groups(JWTClaimsSet c) {
        if (groupsClaim.isEmpty()) return Set.of();
        Object v = c.getClaim(groupsClaim);
        Set<String> out = new HashSet<>();
        if (v instanceof String s) out.add(s);
        else if (v instanceof List<?> l) for (Object o : l) if (o instanceof String s) out.add(s);
        return out;
    }

    private static boolean intersects(Set<String> a, Set<String> b) {
        for (String x : a) if (b.contains(x)) return true;
        return false;
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private Future<String> get(String url) {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setIdleTimeout(10_000)
                .addHeader("accept", "application/json");
        return http.request(o).compose(req -> req.send()).compose(resp -> resp.body().map(b -> {
            if (resp.statusCode() != 200) throw new IllegalStateException("HTTP " + resp.statusCode());
            return b.toString();
        }));
    }

    private static JsonNode json(String body) {
        try {
            JsonNode n = Json.parse(body);
            if (n == null || !n.isObject()) throw new Refused("provider_answer_invalid", "The sign-in provider answered with something other than JSON.");
            return n;
        } catch (java.io.IOException e) {
            throw new Refused("provider_answer_invalid", "The sign-in provider answered with something other than JSON.");
        }
    }

    private void sweep(long now) {
        pending.values().removeIf(p -> p.expiresAt() < now);
        if (pending.size() >= MAX_PENDING) pending.clear(); // a flood of unfinished sign-ins: they start again
    }

    private static Set<String> lower(List<String> values) {
        Set<String> out = new HashSet<>();
        for (String v : values) out.add(v.trim().toLowerCase(Locale.ROOT));
        return out;
    }

    private static String random() {
        return dev.tollgate.keys.RandomIds.secret("");
    }

    static String challenge(String verifier) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public void close() {
        http.close();
    }
}
