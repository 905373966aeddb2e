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

    private long remaining(String secret) throws Exception {
        return Json.parse(gateway.get("/ratelimit", "Authorization", "Bearer " + secret).body()).get("limits").get(0).get("remaining").asLong();
    }

    @Test
    void requestSlicesAreSharesOfTheRoomLeftCountedUntilGivenBackAndNoneWhenTheWindowIsFull() throws Exception {
        startControlPlane();
        JsonNode created = createKey("{\"limits\":{\"rpm\":10}}");
        String id = created.get("id").asText();
        String secret = created.get("key").asText();
        HttpResponse<String> first = lease("{\"requests_for\":\"key:" + id + "\",\"lease_id\":null,\"used_requests\":0,\"need_requests\":1,"
                + "\"release\":false}");
        assertThat(first.statusCode()).isEqualTo(200);
        String slice = Json.parse(first.body()).get("lease_id").asText();
        assertThat(slice).matches("rs_[0-9a-f]{16}");
        // Half of the room of one data plane's subject, usable for 5 s (leases last 20 s here; slices at most 5).
        assertThat(first.body()).isEqualTo("{\"lease_id\":\"" + slice + "\",\"granted_requests\":5,\"expires_in_ms\":5000,"
                + "\"retry_after_ms\":0,\"window\":null,\"limit\":0}");
        assertThat(remaining(secret)).isEqualTo(5); // counted on the control plane as granted
        HttpResponse<String> back = lease("{\"requests_for\":\"key:" + id + "\",\"lease_id\":\"" + slice + "\",\"used_requests\":2,"
                + "\"release\":true}");
        assertThat(back.body()).isEqualTo("{\"lease_id\":null,\"granted_requests\":0,\"expires_in_ms\":0,\"retry_after_ms\":0,"
                + "\"window\":null,\"limit\":0}");
        assertThat(remaining(secret)).isEqualTo(8); // the 3 not used came back
        // Down to 1 near the limit, then none: the full window and when it has room again.
        long[] sizes = new long[4];
        for (int i = 0; i < 4; i++) sizes[i] = Json.parse(lease("{\"requests_for\":\"key:" + id + "\"}").body()).get("granted_requests").asLong();
        assertThat(sizes).containsExactly(4, 2, 1, 1);
        HttpResponse<String> full = lease("{\"requests_for\":\"key:" + id + "\"}");
        assertThat(full.body()).isEqualTo("{\"lease_id\":null,\"granted_requests\":0,\"expires_in_ms\":0,\"retry_after_ms\":60000,"
                + "\"window\":\"rpm\",\"limit\":10}");
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(429); // the control plane's own traffic counts against the same window

        // A team's limits (and a user's) likewise; a team without request limits has none to slice.
        assertThat(admin("PUT", "/admin/v1/teams/limited", "{\"limits\":{\"rph\":4}}").statusCode()).isEqualTo(200);
        assertThat(Json.parse(lease("{\"requests_for\":\"team:limited\"}").body()).get("granted_requests").asLong()).isEqualTo(2);
        assertThat(admin("PUT", "/admin/v1/users/alice", "{\"limits\":{\"rpd\":100}}").statusCode()).isEqualTo(200);
        assertThat(Json.parse(lease("{\"requests_for\":\"user:alice\"}").body()).get("granted_requests").asLong()).isEqualTo(50);
        assertThat(lease("{\"requests_for\":\"team:research\"}").statusCode()).isEqualTo(404);

        HttpResponse<String> unknown = lease("{\"requests_for\":\"key:key_nobody\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo(error("The control plane has no request limits for this subject.", "requests_for", "limit_not_found"));
    }

    @Test
    void aRequestSliceRequestIsCheckedStrictly() throws Exception {
        startControlPlane();
        Map<String, String> cases = Map.of(
                "{\"requests_for\":\"key:k1\",\"spent_nano_usd\":0}", error("Unknown field 'spent_nano_usd'.", "spent_nano_usd", "unknown_field"),
                "{\"requests_for\":\"org:k1\"}", error("requests_for: expected key:<id>, user:<id> or team:<id>.", "requests_for", "invalid_requests_for"),
                "{\"requests_for\":7}", error("requests_for: expected key:<id>, user:<id> or team:<id>.", "requests_for", "invalid_requests_for"),
                "{\"requests_for\":\"key:k1\",\"lease_id\":\"ls_0123456789abcdef\"}",
                error("lease_id: expected a request slice id (rs_…) or null.", "lease_id", "invalid_lease_id"),
                "{\"requests_for\":\"key:k1\",\"used_requests\":-1}",
                error("used_requests: expected a whole number, 0 or more.", "used_requests", "invalid_used_requests"),
                "{\"requests_for\":\"key:k1\",\"need_requests\":1.5}",
                error("need_requests: expected a whole number, 0 or more.", "need_requests", "invalid_need_requests"),
                "{\"requests_for\":\"key:k1\",\"release\":1}", error("release: expected true or false.", "release", "invalid_release"),
                "{\"budget\":\"team:research\",\"requests_for\":\"key:k1\"}", error("Unknown field 'budget'.", "budget", "unknown_field"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = lease(c.getKey());
            assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(r.body()).as(c.getKey()).isEqualTo(c.getValue());
        }
    }
}
