package dev.tollgate.oidc;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * An OpenID Connect provider of the tests' own, on a free loopback port: discovery, a JWKS with an
 * RSA key made per run (more can be added: key rotation), an authorize endpoint that signs in at
 * once and redirects back with a code, and a token endpoint that checks the client's secret, the
 * redirect URI and the PKCE verifier before it issues a signed ID token. Tests change the ID token's
 * claims, or the key that signs it, to see each check refuse.
 */
final class TestOidcProvider implements AutoCloseable {

    static final String CLIENT_ID = "tollgate-dashboard";
    static final String CLIENT_SECRET = "client-secret-for-tests";

    private record Grant(String redirectUri, String nonce, String challenge) {}

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final LongSupplier clock;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    final List<RSAKey> published = new ArrayList<>();
    volatile RSAKey signing;
    volatile Map<String, Object> claims = new HashMap<>();
    volatile UnaryOperator<JWTClaimsSet> tamper = c -> c;
    volatile String lastTokenRequest;

    TestOidcProvider(LongSupplier clock) throws Exception {
        this.clock = clock;
        signing = newKey();
        published.add(signing);
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static RSAKey newKey() throws Exception {
        return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    }

    String issuer() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        switch (path) {
            case "/.well-known/openid-configuration" -> json(req, 200, "{\"issuer\":\"" + issuer() + "\",\"authorization_endpoint\":\"" + issuer()
                    + "/authorize\",\"token_endpoint\":\"" + issuer() + "/token\",\"jwks_uri\":\"" + issuer() + "/jwks\","
                    + "\"response_types_supported\":[\"code\"],\"id_token_signing_alg_values_supported\":[\"RS256\"],"
                    + "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\"],\"code_challenge_methods_supported\":[\"S256\"]}");
            case "/jwks" -> {
                List<com.nimbusds.jose.jwk.JWK> keys = new ArrayList<>();
                synchronized (published) {
                    for (RSAKey k : published) keys.add(k.toPublicJWK());
                }
                json(req, 200, new JWKSet(keys).toString());
            }
            case "/authorize" -> {
                String code = UUID.randomUUID().toString();
                codes.put(code, new Grant(req.getParam("redirect_uri"), req.getParam("nonce"), req.getParam("code_challenge")));
                if (!CLIENT_ID.equals(req.getParam("client_id")) || !"S256".equals(req.getParam("code_challenge_method"))
                        || !"code".equals(req.getParam("response_type"))) {
                    json(req, 400, "{\"error\":\"invalid_request\"}");
                    return;
                }
                req.response().setStatusCode(302).putHeader("location", req.getParam("redirect_uri") + "?code=" + code + "&state="
                        + java.net.URLEncoder.encode(req.getParam("state"), StandardCharsets.UTF_8)).end();
            }
            case "/token" -> req.body().onSuccess(b -> token(req, b.toString()));
            default -> json(req, 404, "{\"error\":\"not_found\"}");
        }
    }

    private void token(HttpServerRequest req, String body) {
        lastTokenRequest = body;
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) form.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        String expectedAuth = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        Grant g = codes.remove(form.getOrDefault("code", ""));
        if (!expectedAuth.equals(req.getHeader("authorization"))) {
            json(req, 401, "{\"error\":\"invalid_client\"}");
            return;
        }
        if (g == null || !"authorization_code".equals(form.get("grant_type")) || !g.redirectUri().equals(form.get("redirect_uri"))
                || !g.challenge().equals(OidcLogin.challenge(form.getOrDefault("code_verifier", "")))) {
            json(req, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        try {
            long now = clock.getAsLong();
            JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(issuer()).subject("user-1").audience(CLIENT_ID)
                    .issueTime(new Date(now)).expirationTime(new Date(now + 300_000)).claim("nonce", g.nonce());
            for (Map.Entry<String, Object> e : claims.entrySet()) c.claim(e.getKey(), e.getValue());
            RSAKey key = signing;
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                    tamper.apply(c.build()));
            jwt.sign(new RSASSASigner(key));
            json(req, 200, "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"id_token\":\"" + jwt.serialize() + "\"}");
        } catch (Exception e) {
            json(req, 500, "{\"error\":\"server_error\"}");
        }
    }

    private static void json(HttpServerRequest req, int status, String body) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }

    @Override
    public void close() {
        vertx.close();
    }
}
