package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KeyEditTest extends KeyModeTest {

    @Test
    void aKeysLimitsBudgetAndModelsChangeInPlaceAndItsSecretStays() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(1000, 1000)));
        startKeyMode(Map.of());
        JsonNode created = createKey("{\"name\":\"app\",\"allowed_models\":[\"gpt-4o\"],\"limits\":{\"rpm\":1}}");
        String id = created.get("id").asText();
        String secret = created.get("key").asText();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(403); // gpt-4o-mini is not allowed yet

        HttpResponse<String> r = admin("PATCH", "/admin/v1/keys/" + id,
                "{\"name\":\"renamed\",\"allowed_models\":[\"gpt-4o-mini\"],\"limits\":{\"rpm\":5},\"labels\":{\"env\":\"prod\"}}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode k = Json.parse(r.body());
        assertThat(k.get("name").asText()).isEqualTo("renamed");
        assertThat(k.get("allowed_models").toString()).isEqualTo("[\"gpt-4o-mini\"]");
        assertThat(k.get("limits").toString()).isEqualTo("{\"rpm\":5}");
        assertThat(k.get("labels").toString()).isEqualTo("{\"env\":\"prod\"}");
        assertThat(k.get("prefix").asText()).isEqualTo(created.get("prefix").asText());
        assertThat(r.body()).doesNotContain(secret);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200); // rpm 5 now, not 1
        awaitLedgerQuiet();

        // A budget set now starts from this month's spend: 2 × $0.00075 is over $0.001 already.
        HttpResponse<String> budget = admin("PATCH", "/admin/v1/keys/" + id, "{\"budget\":{\"amount_usd\":0.001,\"period\":\"monthly\"}}");
        assertThat(budget.statusCode()).isEqualTo(200);
        assertThat(Json.parse(budget.body()).get("name").asText()).isEqualTo("renamed");
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(429);
        // Read back from the database by a fresh gateway.
        startKeyMode(Map.of());
        assertThat(Json.parse(admin("GET", "/admin/v1/keys/" + id, null).body()).get("budget").toString())
                .isEqualTo("{\"amount_usd\":0.001,\"period\":\"monthly\"}");

        HttpResponse<String> typo = admin("PATCH", "/admin/v1/keys/" + id, "{\"budjet\":{}}");
        assertThat(typo.statusCode()).isEqualTo(400);
        admin("POST", "/admin/v1/keys/" + id + "/revoke", null);
        HttpResponse<String> revoked = admin("PATCH", "/admin/v1/keys/" + id, "{\"name\":\"x\"}");
        assertThat(revoked.statusCode()).isEqualTo(409);
        assertThat(revoked.body()).isEqualTo("{\"error\":{\"message\":\"Key '" + id + "' is revoked and cannot be changed.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"key_not_active\"}}");
    }
}
