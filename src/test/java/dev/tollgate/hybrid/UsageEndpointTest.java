package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.store.LedgerRow;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane's {@code POST /dataplane/v1/usage}: a data-plane token only; a batch stored
 * whole, once however often it is sent, attributed to its data plane in the ledger, the rollups and
 * the reports; a bad batch refused whole, naming the field.
 */
class UsageEndpointTest extends KeyModeTest {

    static final String PLANE = "dp_00112233aabbccdd";

    private TestDatabase db;

    private void startControlPlane(TestDatabase database) {
        db = database;
        Map<String, String> env = new HashMap<>(database == null ? Map.of() : database.env());
        env.put("TOLLGATE_ROLE", "control-plane");
        startKeyMode(env);
    }

    private String token() throws Exception {
        HttpResponse<String> r = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"eu-west\"}");
        assertThat(r.statusCode()).isEqualTo(201);
        return Json.parse(r.body()).get("secret").asText();
    }

    private HttpResponse<String> post(byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = gateway.request(UsageEndpoint.PATH).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return gateway.http().send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String token, List<LedgerRow> rows, int waiting) throws Exception {
        return post(UsageBatch.write(rows), "Authorization", "Bearer " + token, "x-tollgate-dataplane-id", PLANE,
                "x-tollgate-dataplane-version", "0.9.0", "x-tollgate-rows-waiting", String.valueOf(waiting));
    }

    /** Rows served by the data plane an hour before the control plane's clock, so that reports read them from the rollups too. */
    private List<LedgerRow> rows(int from, int to) {
        List<LedgerRow> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(new LedgerRow(String.format("lr_%024x", 0xd0000 + i), clock.get() - 3_600_000L - 60_000 + i, "req_dp_" + i, null, "ann", null,
                    i % 2 == 0 ? "gpt-4o-mini" : "gpt-4o", "/v1/chat/completions", 200, 10, 0, 0, 2, 0, 1_000_000, "upstream", true,
                    25L, null, null, null, null));
        }
        return out;
    }

    private long count(String sql) throws Exception {
        try (Connection c = db == null ? java.sql.DriverManager.getConnection("jdbc:sqlite:" + database()) : db.connect();
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aBatchIsStoredOnceAttributedToItsDataPlane(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase database = TestDatabase.create(kind)) {
            startControlPlane(database);
            String token = token();
            HttpResponse<String> first = post(token, rows(0, 3), 5);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("{\"object\":\"tollgate.usage_receipt\",\"received\":3,\"stored\":3}");
            // The same batch again (its answer lost on the way): received, stored once.
            HttpResponse<String> again = post(token, rows(0, 3), 5);
            assertThat(again.body()).isEqualTo("{\"object\":\"tollgate.usage_receipt\",\"received\":3,\"stored\":0}");
            // Overlapping the first: only the new rows count.
            assertThat(post(token, rows(2, 4), 2).body()).isEqualTo("{\"object\":\"tollgate.usage_receipt\",\"received\":2,\"stored\":1}");

            assertThat(count("SELECT COUNT(*) FROM ledger WHERE data_plane_id = '" + PLANE + "'")).isEqualTo(4);
            assertThat(count("SELECT COUNT(*) FROM ledger")).isEqualTo(4);
            assertThat(count("SELECT SUM(requests) FROM ledger_hourly")).as("rollups count each row once").isEqualTo(4);

            // A row served by the control plane itself: no data plane.
            String key = createKey("{}").get("key").asText();
            upstream.handle(req -> dev.tollgate.support.FakeUpstream.json(req, 200, answer(3, 1)));
            assertThat(chat(key, CHAT).statusCode()).isEqualTo(200);
            awaitLedgerQuiet();

            JsonNode byPlane = Json.parse(admin("GET", "/admin/v1/usage?group_by=data_plane&from=" + (clock.get() / 1000 - 86_400), null).body());
            assertThat(byPlane.path("group_by").asText()).isEqualTo("data_plane");
            assertThat(byPlane.path("data").toString()).isEqualTo("[{\"group\":\"" + PLANE + "\",\"requests\":4,\"input_tokens\":40,"
                    + "\"cached_input_tokens\":0,\"output_tokens\":8,\"reasoning_tokens\":0,\"cost_usd\":0.004},"
                    + "{\"group\":null,\"requests\":1,\"input_tokens\":3,\"cached_input_tokens\":0,\"output_tokens\":1,\"reasoning_tokens\":0,"
                    + "\"cost_usd\":" + byPlane.path("data").get(1).path("cost_usd") + "}]");
            JsonNode onePlane = Json.parse(admin("GET", "/admin/v1/usage?group_by=model&data_plane=" + PLANE + "&from="
                    + (clock.get() / 1000 - 86_400), null).body());
            assertThat(onePlane.path("data").toString()).isEqualTo("[{\"group\":\"gpt-4o\",\"requests\":2,\"input_tokens\":20,"
                    + "\"cached_input_tokens\":0,\"output_tokens\":4,\"reasoning_tokens\":0,\"cost_usd\":0.002},"
                    + "{\"group\":\"gpt-4o-mini\",\"requests\":2,\"input_tokens\":20,\"cached_input_tokens\":0,\"output_tokens\":4,"
                    + "\"reasoning_tokens\":0,\"cost_usd\":0.002}]");

            JsonNode planes = Json.parse(admin("GET", "/admin/v1/dataplanes", null).body());
            JsonNode plane = planes.path("data").get(0);
            assertThat(plane.path("id").asText()).isEqualTo(PLANE);
            assertThat(plane.path("version").asText()).isEqualTo("0.9.0");
            assertThat(plane.path("rows_received").asLong()).isEqualTo(4);
            assertThat(plane.path("rows_waiting").asLong()).as("2 said waiting, 2 of them in this batch").isZero();
        }
    }

    @Test
    void onlyAnActiveDataPlaneTokenSendsUsage() throws Exception {
        startControlPlane(null);
        String key = createKey("{}").get("key").asText();
        String expected = "{\"error\":{\"message\":\"Usage needs 'Authorization: Bearer <data-plane token>' with an active token.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_dataplane_token\"}}";
        byte[] body = UsageBatch.write(rows(0, 1));
        for (String auth : new String[] {null, "Bearer " + key, "Bearer " + ADMIN, "Bearer " + DataPlaneTokens.newSecret()}) {
            HttpResponse<String> r = auth == null ? post(body, "x-tollgate-dataplane-id", PLANE)
                    : post(body, "Authorization", auth, "x-tollgate-dataplane-id", PLANE);
            assertThat(r.statusCode()).as(String.valueOf(auth)).isEqualTo(401);
            assertThat(r.body()).isEqualTo(expected);
        }
        HttpResponse<String> made = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"gone\"}");
        JsonNode t = Json.parse(made.body());
        admin("POST", "/admin/v1/dataplane-tokens/" + t.get("id").asText() + "/revoke", "");
        HttpResponse<String> revoked = post(t.get("secret").asText(), rows(0, 1), 1);
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(revoked.body()).isEqualTo(expected);
        // The data-plane token is no admin token, and reaches only /dataplane/v1/*.
        String token = token();
        HttpResponse<String> adminCall = gateway.get("/admin/v1/usage", "Authorization", "Bearer " + token);
        assertThat(adminCall.statusCode()).isEqualTo(401);
        assertThat(gateway.get(UsageEndpoint.PATH, "Authorization", "Bearer " + token).statusCode()).isEqualTo(405);
        assertThat(count("SELECT COUNT(*) FROM ledger")).isZero();
    }

    @Test
    void aBadBatchIsRefusedWholeNamingTheField() throws Exception {
        startControlPlane(null);
        String token = token();
        String auth = "Bearer " + token;
        String good = new String(UsageBatch.write(rows(0, 3)), StandardCharsets.UTF_8);
        String bad = good.replaceFirst("(\"row_id\":\"lr_0*d0*2\".*?\"status\":)200", "$1\"200\"");
        assertThat(bad).isNotEqualTo(good);
        HttpResponse<String> r = post(bad.getBytes(StandardCharsets.UTF_8), "Authorization", auth, "x-tollgate-dataplane-id", PLANE);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Usage batch refused, nothing stored: rows[2].status: expected a whole number "
                + "from 0 to 599\",\"type\":\"invalid_request_error\",\"param\":\"rows[2].status\",\"code\":\"invalid_usage_batch\"}}");
        assertThat(count("SELECT COUNT(*) FROM ledger")).as("the two good rows before it are not stored either").isZero();

        HttpResponse<String> notJson = post("{\"rows\":[".getBytes(StandardCharsets.UTF_8), "Authorization", auth,
                "x-tollgate-dataplane-id", PLANE);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).isEqualTo("{\"error\":{\"message\":\"Usage batch refused, nothing stored: body: not valid JSON\","
                + "\"type\":\"invalid_request_error\",\"param\":\"body\",\"code\":\"invalid_usage_batch\"}}");

        HttpResponse<String> noId = post(good.getBytes(StandardCharsets.UTF_8), "Authorization", auth);
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(noId.body()).isEqualTo("{\"error\":{\"message\":\"Usage needs the header x-tollgate-dataplane-id: the data plane's id "
                + "(1 to 64 letters, digits and . _ : + -).\",\"type\":\"invalid_request_error\",\"param\":\"x-tollgate-dataplane-id\","
                + "\"code\":\"invalid_dataplane_id\"}}");

        HttpResponse<String> badWaiting = post(good.getBytes(StandardCharsets.UTF_8), "Authorization", auth, "x-tollgate-dataplane-id", PLANE,
                "x-tollgate-rows-waiting", "-1");
        assertThat(badWaiting.statusCode()).isEqualTo(400);
        assertThat(badWaiting.body()).isEqualTo("{\"error\":{\"message\":\"x-tollgate-rows-waiting: expected a whole number of rows.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"x-tollgate-rows-waiting\",\"code\":\"invalid_rows_waiting\"}}");

        byte[] huge = new byte[UsageEndpoint.MAX_BODY + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> tooLarge = post(huge, "Authorization", auth, "x-tollgate-dataplane-id", PLANE);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.body()).isEqualTo("{\"error\":{\"message\":\"Usage batches are limited to 16 MiB.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"request_too_large\"}}");
        assertThat(count("SELECT COUNT(*) FROM ledger")).isZero();

        // The good batch after all that: stored.
        assertThat(post(good.getBytes(StandardCharsets.UTF_8), "Authorization", auth, "x-tollgate-dataplane-id", PLANE).body())
                .isEqualTo("{\"object\":\"tollgate.usage_receipt\",\"received\":3,\"stored\":3}");
    }
}
