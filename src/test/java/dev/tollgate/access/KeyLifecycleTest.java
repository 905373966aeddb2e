package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KeyLifecycleTest extends KeyModeTest {

    private static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    @Test
    void aCreatedKeyCallsTheUpstreamWithTheProviderKeyNeverItsOwn() throws Exception {
        startKeyMode(Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(10, 2)));
        JsonNode created = createKey("{\"name\":\"ci\",\"user\":\"alice\",\"team\":\"research\",\"labels\":{\"env\":\"dev\"}}");
        String secret = created.get("key").asText();

        assertThat(secret).startsWith("tg-").hasSize(46);
        assertThat(created.get("id").asText()).matches("key_[0-9a-f]{24}");
        assertThat(created.get("prefix").asText()).isEqualTo(secret.substring(0, 11));
        assertThat(created.get("status").asText()).isEqualTo("active");
        assertThat(created.get("user").asText()).isEqualTo("alice");
        assertThat(created.get("labels").toString()).isEqualTo("{\"env\":\"dev\"}");
        assertThat(created.get("created_at").asLong()).isEqualTo(clock.get() / 1000);
        assertThat(created.has("secret_hash")).isFalse();

        HttpResponse<String> r = chat(secret, CHAT);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().headers().get("Authorization")).isEqualTo("Bearer sk-provider-secret-key-000");
        assertThat(upstream.lastReceived().headers().toString()).doesNotContain(secret);
    }

    @Test
    void listAndShowNeverIncludeTheSecretOrItsHash() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{\"name\":\"a\"}").get("key").asText();
        String id = createKey("{\"name\":\"b\",\"user\":\"bob\"}").get("id").asText();

        HttpResponse<String> list = admin("GET", "/admin/v1/keys", null);
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode data = Json.parse(list.body()).get("data");
        assertThat(data).hasSize(2);
        assertThat(list.body()).doesNotContain(secret).doesNotContain(KeySecrets.hash(secret)).doesNotContain("\"key\":");
        assertThat(Json.parse(admin("GET", "/admin/v1/keys?user=bob", null).body()).get("data")).hasSize(1);

        HttpResponse<String> show = admin("GET", "/admin/v1/keys/" + id, null);
        assertThat(show.statusCode()).isEqualTo(200);
        assertThat(Json.parse(show.body()).get("name").asText()).isEqualTo("b");
        HttpResponse<String> missing = admin("GET", "/admin/v1/keys/key_000000000000000000000000", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo(error("No key with id 'key_000000000000000000000000'.", "invalid_request_error", "key_not_found"));
    }

    @Test
    void theDatabaseHoldsNoPlaintextSecret() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{\"name\":\"stored\"}").get("key").asText();
        String id = Json.parse(admin("GET", "/admin/v1/keys", null).body()).get("data").get(0).get("id").asText();
        String rotated = Json.parse(admin("POST", "/admin/v1/keys/" + id + "/rotate", "{}").body()).get("key").asText();
        gateway.close();

        byte[] file = Files.readAllBytes(database());
        String raw = new String(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String s : new String[]{secret, rotated}) {
            assertThat(raw).doesNotContain(s).doesNotContain(s.substring(3));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT prefix, secret_hash, previous_hash FROM api_keys")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(rotated.substring(0, 11));
            assertThat(rs.getString(2)).isEqualTo(KeySecrets.hash(rotated)).hasSize(64);
            assertThat(rs.getString(3)).isEqualTo(KeySecrets.hash(secret));
        }
    }

    @Test
    void keysSurviveARestart() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{\"name\":\"durable\"}").get("key").asText();
        startKeyMode(Map.of());
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownMissingAndForeignKeysAre401() throws Exception {
        startKeyMode(Map.of());
        HttpResponse<String> none = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).isEqualTo(error("You didn't provide an API key. Send your Tollgate key as "
                + "'Authorization: Bearer tg-…' or in the x-tollgate-api-key header.", "invalid_request_error", "missing_api_key"));

        HttpResponse<String> provider = chat("sk-proj-abcdefabcdefabcdefabcdefabcdef", CHAT);
        assertThat(provider.statusCode()).isEqualTo(401);
        assertThat(provider.body()).isEqualTo(error("Incorrect API key provided. This gateway takes Tollgate keys (tg-…), not provider keys.",
                "invalid_request_error", "invalid_api_key"));
        assertThat(provider.body()).doesNotContain("sk-proj");

        HttpResponse<String> unknown = chat(KeySecrets.newSecret(), CHAT);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.body()).isEqualTo(error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aRevokedKeyStopsAtOnce() throws Exception {
        startKeyMode(Map.of());
        JsonNode k = createKey("{}");
        String secret = k.get("key").asText();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = admin("POST", "/admin/v1/keys/" + k.get("id").asText() + "/revoke", null);
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(Json.parse(revoked.body()).get("status").asText()).isEqualTo("revoked");
        HttpResponse<String> r = chat(secret, CHAT);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEqualTo(error("This API key has been revoked.", "invalid_request_error", "invalid_api_key"));

        startKeyMode(Map.of()); // still revoked after a restart
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(401);
        HttpResponse<String> rotate = admin("POST", "/admin/v1/keys/" + k.get("id").asText() + "/rotate", "{}");
        assertThat(rotate.statusCode()).isEqualTo(409);
        assertThat(rotate.body()).isEqualTo(error("Key '" + k.get("id").asText() + "' is revoked and cannot be rotated.",
                "invalid_request_error", "key_not_active"));
    }

    @Test
    void aKeyExpiresAtItsTime() throws Exception {
        startKeyMode(Map.of());
        JsonNode k = createKey("{\"expires_in\": 3600}");
        String secret = k.get("key").asText();
        assertThat(k.get("expires_at").asLong()).isEqualTo(clock.get() / 1000 + 3600);
        clock.addAndGet(3_599_999);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        clock.addAndGet(1);
        HttpResponse<String> r = chat(secret, CHAT);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEqualTo(error("This API key has expired.", "invalid_request_error", "invalid_api_key"));
        assertThat(Json.parse(admin("GET", "/admin/v1/keys/" + k.get("id").asText(), null).body()).get("status").asText())
                .isEqualTo("expired");
    }

    @Test
    void rotationKeepsTheOldSecretForTheGracePeriodOnly() throws Exception {
        startKeyMode(Map.of());
        JsonNode k = createKey("{}");
        String old = k.get("key").asText();
        HttpResponse<String> r = admin("POST", "/admin/v1/keys/" + k.get("id").asText() + "/rotate", "{\"grace_seconds\": 60}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode rotated = Json.parse(r.body());
        String fresh = rotated.get("key").asText();
        assertThat(fresh).isNotEqualTo(old).startsWith("tg-");
        assertThat(rotated.get("id").asText()).isEqualTo(k.get("id").asText());
        assertThat(rotated.get("previous_secret_valid_until").asLong()).isEqualTo(clock.get() / 1000 + 60);

        assertThat(chat(fresh, CHAT).statusCode()).isEqualTo(200);
        assertThat(chat(old, CHAT).statusCode()).isEqualTo(200);
        clock.addAndGet(60_000);
        assertThat(chat(old, CHAT).statusCode()).isEqualTo(401);
        assertThat(chat(fresh, CHAT).statusCode()).isEqualTo(200);
    }

    @Test
    void theKeyTravelsInEitherHeaderOrInThePathWhenEnabled() throws Exception {
        startKeyMode(Map.of("TOLLGATE_KEY_IN_PATH", "true"));
        String secret = createKey("{}").get("key").asText();
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "x-tollgate-api-key", secret).statusCode()).isEqualTo(200);
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "x-usagepanda-api-key", secret).statusCode()).isEqualTo(200);
        // The SDK's own Authorization is ignored when the key comes in our header.
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "x-tollgate-api-key", secret, "Authorization", "Bearer unused")
                .statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().headers().get("Authorization")).isEqualTo("Bearer sk-provider-secret-key-000");

        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/" + secret + "/v1/chat/completions?x=1", CHAT);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(upstream.lastReceived().uri()).isEqualTo("/v1/chat/completions?x=1");
            String line = logs.awaitRequestLine(1);
            assertThat(line).contains("\"endpoint\":\"/v1/chat/completions\"").doesNotContain(secret);
        }
    }

    @Test
    void thePathFormIsOffByDefault() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{}").get("key").asText();
        HttpResponse<String> r = gateway.postJson("/" + secret + "/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).doesNotContain(secret);
    }

    @Test
    void allowedModelsAndEndpointsAreEnforced() throws Exception {
        startKeyMode(Map.of());
        String secret = createKey("{\"allowed_models\":[\"gpt-4o-mini\"],\"allowed_endpoints\":[\"/v1/chat/completions\",\"/v1/files*\"]}")
                .get("key").asText();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        HttpResponse<String> model = chat(secret, CHAT.replace("gpt-4o-mini", "gpt-4o"));
        assertThat(model.statusCode()).isEqualTo(403);
        assertThat(model.body()).isEqualTo("{\"error\":{\"message\":\"This API key may not use model 'gpt-4o'.\",\"type\":\"permission_error\","
                + "\"param\":\"model\",\"code\":\"model_not_allowed\"}}");
        HttpResponse<String> endpoint = gateway.postJson("/v1/embeddings", "{\"model\":\"gpt-4o-mini\",\"input\":\"x\"}",
                "Authorization", "Bearer " + secret);
        assertThat(endpoint.statusCode()).isEqualTo(403);
        assertThat(endpoint.body()).isEqualTo(error("This API key may not call POST /v1/embeddings.", "permission_error", "endpoint_not_allowed"));
        assertThat(gateway.get("/v1/files/file-1", "Authorization", "Bearer " + secret).statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(2);
    }

    @Test
    void perKeySettingsApplyAndHeadersMayOnlyTightenThem() throws Exception {
        startKeyMode(Map.of());
        String strict = createKey("{\"settings\":{\"POLICY_MAX_PROMPT_CHARS\": 5}}").get("key").asText();
        String free = createKey("{}").get("key").asText();
        HttpResponse<String> blocked = chat(strict, CHAT.replace("\"hi\"", "\"hello there\""));
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(blocked.body()).contains("\"code\":\"prompt_too_long\"");
        assertThat(chat(free, CHAT.replace("\"hi\"", "\"hello there\"")).statusCode()).isEqualTo(200);
        HttpResponse<String> loosen = gateway.postJson("/v1/chat/completions", CHAT, "Authorization", "Bearer " + strict,
                "x-tollgate-max-prompt-chars", "100");
        assertThat(loosen.statusCode()).isEqualTo(403);
        assertThat(loosen.body()).contains("\"code\":\"setting_override_forbidden\"");
    }

    @Test
    void badKeySpecsAreRefusedNamingTheField() throws Exception {
        startKeyMode(Map.of());
        String[][] cases = {
                {"{\"budjet\":{}}", "unknown field 'budjet'"},
                {"{\"limits\":{\"rpm\":-1}}", "limits.rpm: expected a whole number ≥ 0 (0 = no limit)"},
                {"{\"limits\":{\"rps\":1}}", "limits: unknown limit 'rps' (known: rpm, tpm, rph, rpd, concurrent)"},
                {"{\"budget\":{\"amount_usd\":\"ten\"}}", "budget.amount_usd: expected a number of dollars ≥ 0"},
                {"{\"budget\":{\"amount_usd\":1,\"period\":\"yearly\"}}", "budget.period: expected one of daily, weekly, monthly, total"},
                {"{\"settings\":{\"PORT\":1}}", "settings.PORT: a gateway-wide setting, not settable per key"},
                {"{\"settings\":{\"POLICY_NOPE\":1}}", "settings.POLICY_NOPE: unknown setting"},
                {"{\"settings\":{\"POLICY_MAX_PROMPT_CHARS\":\"many\"}}", null},
                {"{\"user\":\"a b\"}", "user: letters, digits and . _ @ + - only (at most 128)"},
                {"{\"expires_in\":0}", "expires_in (seconds): expected a positive whole number"},
                {"{\"allowed_endpoints\":[\"v1/chat\"]}", "allowed_endpoints: 'v1/chat' must be a path such as /v1/chat/completions"},
                {"[1]", "the body must be a JSON object"},
                {"{", "the body is not valid JSON"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = admin("POST", "/admin/v1/keys", c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            JsonNode e = Json.parse(r.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("invalid_admin_request");
            if (c[1] != null) assertThat(e.get("message").asText()).as(c[0]).isEqualTo(c[1]);
            else assertThat(e.get("message").asText()).startsWith("settings.POLICY_MAX_PROMPT_CHARS: expected");
        }
        assertThat(Json.parse(admin("GET", "/admin/v1/keys", null).body()).get("data")).isEmpty();
    }

    @Test
    void theModelListShowsOnlyTheKeysModels() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\",\"object\":\"model\"},"
                + "{\"id\":\"gpt-4o-mini\",\"object\":\"model\"}]}"));
        startKeyMode(Map.of());
        String limited = createKey("{\"allowed_models\":[\"gpt-4o-mini\"]}").get("key").asText();
        String open = createKey("{}").get("key").asText();
        assertThat(gateway.get("/v1/models", "Authorization", "Bearer " + limited).body())
                .isEqualTo("{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o-mini\",\"object\":\"model\"}]}");
        assertThat(Json.parse(gateway.get("/v1/models", "Authorization", "Bearer " + open).body()).get("data")).hasSize(2);
    }
}
