package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A control plane's budget calls for data planes, in one process: leases and a period's spent figure, strictly checked. */
class LeaseEndpointTest extends KeyModeTest {

    static final String PLANE = "dp_0123456789abcdef";

    private String token;

    private void startControlPlane() throws Exception {
        startKeyMode(Map.of("TOLLGATE_ROLE", "control-plane", "TOLLGATE_LEASE_SECONDS", "20"));
        HttpResponse<String> t = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"eu-west\"}");
        token = Json.parse(t.body()).get("secret").asText();
        assertThat(admin("PUT", "/admin/v1/teams/research", "{\"budget\":{\"amount_usd\":1,\"period\":\"total\"}}").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> lease(String body) throws Exception {
        return gateway.postJson(LeaseEndpoint.LEASES, body, "Authorization", "Bearer " + token, "x-tollgate-dataplane-id", PLANE);
    }

    private static String error(String message, String param, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\",\"param\":"
                + (param == null ? "null" : "\"" + param + "\"") + ",\"code\":\"" + code + "\"}}";
    }

    @Test
    void aLeaseIsGrantedRenewedAndReleasedAndReservedMeanwhile() throws Exception {
        startControlPlane();
        HttpResponse<String> granted = lease("{\"budget\":\"team:research\",\"lease_id\":null,\"spent_nano_usd\":0,\"need_nano_usd\":0,"
                + "\"min_nano_usd\":0,\"release\":false}");
        assertThat(granted.statusCode()).isEqualTo(200);
        JsonNode g = Json.parse(granted.body());
        String id = g.get("lease_id").asText();
        assertThat(id).matches("ls_[0-9a-f]{16}");
        assertThat(granted.body()).isEqualTo("{\"lease_id\":\"" + id + "\",\"granted_nano_usd\":500000000,\"expires_in_ms\":20000,"
                + "\"period_start\":0,\"remaining_nano_usd\":500000000}");
        // The control plane's own view of the team budget counts the lease as reserved.
        String key = createKey("{\"team\":\"research\"}").get("key").asText();
        JsonNode budget = Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + key).body()).get("budgets").get(0);
        assertThat(budget.get("remaining_usd").asDouble()).isEqualTo(0.5);

        HttpResponse<String> renewed = lease("{\"budget\":\"team:research\",\"lease_id\":\"" + id + "\",\"spent_nano_usd\":100}");
        assertThat(renewed.body()).isEqualTo("{\"lease_id\":\"" + id + "\",\"granted_nano_usd\":750000000,\"expires_in_ms\":20000,"
                + "\"period_start\":0,\"remaining_nano_usd\":250000000}");
        HttpResponse<String> released = lease("{\"budget\":\"team:research\",\"lease_id\":\"" + id + "\",\"spent_nano_usd\":2000000,\"release\":true}");
        assertThat(released.body()).isEqualTo("{\"lease_id\":null,\"granted_nano_usd\":0,\"expires_in_ms\":0,\"period_start\":0,"
                + "\"remaining_nano_usd\":998000000}");
        budget = Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + key).body()).get("budgets").get(0);
        assertThat(budget.get("spent_usd").asDouble()).isEqualTo(0.002);
        assertThat(budget.get("remaining_usd").asDouble()).isEqualTo(0.998);

        HttpResponse<String> unknown = lease("{\"budget\":\"team:nobody\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo(error("The control plane has no such budget.", "budget", "budget_not_found"));
    }

    @Test
    void onlyAnActiveDataPlaneTokenMayAskNeverAKeyOrTheAdminToken() throws Exception {
        startControlPlane();
        String key = createKey("{}").get("key").asText();
        String expected = error("Budget calls need 'Authorization: Bearer <data-plane token>' with an active token.", null, "invalid_dataplane_token");
        for (String auth : new String[] {"Bearer " + key, "Bearer " + ADMIN, "Bearer " + DataPlaneTokens.newSecret(), "Basic eA=="}) {
            HttpResponse<String> r = gateway.postJson(LeaseEndpoint.LEASES, "{\"budget\":\"team:research\"}", "Authorization", auth,
                    "x-tollgate-dataplane-id", PLANE);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo(expected);
            HttpResponse<String> s = gateway.get(LeaseEndpoint.SPENT + "?budget=team:research&period_start=0", "Authorization", auth);
            assertThat(s.statusCode()).isEqualTo(401);
            assertThat(s.body()).isEqualTo(expected);
        }
        HttpResponse<String> get = gateway.get(LeaseEndpoint.LEASES, "Authorization", "Bearer " + token);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(Json.parse(get.body()).at("/error/code").asText()).isEqualTo("method_not_allowed");
    }

    @Test
    void aLeaseRequestIsCheckedStrictly() throws Exception {
        startControlPlane();
        Map<String, String> cases = Map.of(
                "not json", error("The body is not valid JSON.", null, "invalid_json"),
                "[1]", error("The body must be a JSON object.", null, "invalid_body"),
                "{\"budget\":\"team:research\",\"extra\":1}", error("Unknown field 'extra'.", "extra", "unknown_field"),
                "{\"budget\":\"org:research\"}", error("budget: expected key:<id>, user:<id> or team:<id>.", "budget", "invalid_budget"),
                "{\"lease_id\":\"ls_1\",\"budget\":\"team:research\"}", error("lease_id: expected a lease id (ls_…) or null.", "lease_id", "invalid_lease_id"),
                "{\"budget\":\"team:research\",\"spent_nano_usd\":-1}",
                error("spent_nano_usd: expected a whole number of nano-dollars, 0 or more.", "spent_nano_usd", "invalid_spent_nano_usd"),
                "{\"budget\":\"team:research\",\"min_nano_usd\":1.5}",
                error("min_nano_usd: expected a whole number of nano-dollars, 0 or more.", "min_nano_usd", "invalid_min_nano_usd"),
                "{\"budget\":\"team:research\",\"release\":\"yes\"}", error("release: expected true or false.", "release", "invalid_release"),
                "{\"budget\":\"team:research\",\"budget\":\"team:research\"}", error("The body is not valid JSON.", null, "invalid_json"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = lease(c.getKey());
            assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(r.body()).as(c.getKey()).isEqualTo(c.getValue());
        }
        HttpResponse<String> anonymous = gateway.postJson(LeaseEndpoint.LEASES, "{\"budget\":\"team:research\"}", "Authorization", "Bearer " + token);
        assertThat(anonymous.statusCode()).isEqualTo(400);
        assertThat(anonymous.body()).isEqualTo(error("A lease request needs the header x-tollgate-dataplane-id: the data plane's id "
                + "(1 to 64 letters, digits and . _ : + -).", "x-tollgate-dataplane-id", "invalid_dataplane_id"));
    }

    @Test
    void whatABudgetSpentInAPeriodComesFromTheLedger() throws Exception {
        startControlPlane();
        HttpResponse<String> r = gateway.get(LeaseEndpoint.SPENT + "?budget=team:research&period_start=0", "Authorization", "Bearer " + token);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"budget\":\"team:research\",\"period_start\":0,\"spent_nano_usd\":0}");
        // A call on the control plane itself: 8 prompt tokens at $0.15 and 10 output tokens at $0.60 per million.
        upstream.handle(req -> dev.tollgate.support.FakeUpstream.json(req, 200, answer(8, 10)));
        String key = createKey("{\"team\":\"research\"}").get("key").asText();
        assertThat(chat(key, CHAT).statusCode()).isEqualTo(200);
        awaitLedgerQuiet();
        r = gateway.get(LeaseEndpoint.SPENT + "?budget=team:research&period_start=0", "Authorization", "Bearer " + token);
        assertThat(r.body()).isEqualTo("{\"budget\":\"team:research\",\"period_start\":0,\"spent_nano_usd\":7200}");
        r = gateway.get(LeaseEndpoint.SPENT + "?budget=team:research&period_start=" + (clock.get() + 1), "Authorization", "Bearer " + token);
        assertThat(r.body()).isEqualTo("{\"budget\":\"team:research\",\"period_start\":" + (clock.get() + 1) + ",\"spent_nano_usd\":0}");
        HttpResponse<String> bad = gateway.get(LeaseEndpoint.SPENT + "?budget=team:research&period_start=soon", "Authorization", "Bearer " + token);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo(error("period_start: expected epoch milliseconds, 0 or more.", "period_start", "invalid_period_start"));
    }
}
