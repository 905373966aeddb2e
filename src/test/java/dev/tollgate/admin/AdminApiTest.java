package dev.tollgate.admin;

import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AdminApiTest extends KeyModeTest {

    @Test
    void theAdminApiNeedsTheAdminToken() throws Exception {
        startKeyMode(Map.of());
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> none = gateway.get("/admin/v1/keys");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).isEqualTo("{\"error\":{\"message\":\"The admin API needs 'Authorization: Bearer <TOLLGATE_ADMIN_TOKEN>'.\","
                    + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_admin_token\"}}");
            HttpResponse<String> wrong = gateway.get("/admin/v1/keys", "Authorization", "Bearer " + ADMIN + "x");
            assertThat(wrong.statusCode()).isEqualTo(401);
            String secret = createKey("{}").get("key").asText();
            HttpResponse<String> aKey = gateway.get("/admin/v1/keys", "Authorization", "Bearer " + secret);
            assertThat(aKey.statusCode()).isEqualTo(401);
            logs.awaitRequestLine(4);
            String lines = logs.all();
            assertThat(lines).doesNotContain(ADMIN).doesNotContain(secret).contains("\"endpoint\":\"/admin/v1/keys\"");
        }
    }

    @Test
    void theAdminApiIsOffWithoutAToken() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.get("/admin/v1/keys", "Authorization", "Bearer anything");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The admin API is off: set TOLLGATE_ADMIN_TOKEN to turn it on.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"unknown_route\"}}");
    }

    @Test
    void unknownRoutesAndMethodsAreRefused() throws Exception {
        startKeyMode(Map.of());
        assertThat(admin("GET", "/admin/v1/nothing", null).body())
                .isEqualTo("{\"error\":{\"message\":\"Unknown admin route /admin/v1/nothing.\",\"type\":\"invalid_request_error\","
                        + "\"param\":null,\"code\":\"unknown_route\"}}");
        HttpResponse<String> r = admin("DELETE", "/admin/v1/keys", null);
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Method DELETE is not allowed on /admin/v1/keys.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"method_not_allowed\"}}");
    }

    @Test
    void usersAndTeamsCarryLimitsAndBudgets() throws Exception {
        startKeyMode(Map.of());
        HttpResponse<String> put = admin("PUT", "/admin/v1/users/alice", "{\"limits\":{\"rpm\":2},\"budget\":{\"amount_usd\":5,\"period\":\"daily\"}}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).isEqualTo("{\"object\":\"tollgate.user\",\"id\":\"alice\",\"limits\":{\"rpm\":2},"
                + "\"budget\":{\"amount_usd\":5,\"period\":\"daily\"},\"updated_at\":" + clock.get() / 1000 + "}");
        assertThat(admin("GET", "/admin/v1/users/alice", null).body()).isEqualTo(put.body());
        assertThat(admin("GET", "/admin/v1/users", null).body()).isEqualTo("{\"object\":\"list\",\"data\":[" + put.body() + "]}");
        assertThat(admin("GET", "/admin/v1/teams/alice", null).statusCode()).isEqualTo(404);
        assertThat(admin("PUT", "/admin/v1/teams/t1", "{\"limit\":{}}").body()).contains("unknown field 'limit'");

        String secret = createKey("{\"user\":\"alice\"}").get("key").asText();
        String other = createKey("{\"user\":\"alice\"}").get("key").asText();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        assertThat(chat(other, CHAT).statusCode()).isEqualTo(200);
        HttpResponse<String> third = chat(secret, CHAT);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.body()).contains("Rate limit reached for user:alice: 2 requests per minute.");

        assertThat(admin("DELETE", "/admin/v1/users/alice", null).statusCode()).isEqualTo(200);
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        assertThat(admin("DELETE", "/admin/v1/users/alice", null).statusCode()).isEqualTo(404);
    }
}
