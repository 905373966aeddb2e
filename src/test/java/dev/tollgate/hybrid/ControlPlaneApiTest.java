package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.LogCapture;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A control plane in one process: the data-plane admin API and the snapshot endpoint. */
class ControlPlaneApiTest extends KeyModeTest {

    private void startControlPlane() {
        startKeyMode(Map.of("TOLLGATE_ROLE", "control-plane"));
    }

    private String token() throws Exception {
        HttpResponse<String> r = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"eu-west\"}");
        assertThat(r.statusCode()).isEqualTo(201);
        return Json.parse(r.body()).get("secret").asText();
    }

    private HttpResponse<String> snapshot(String query, String... headers) throws Exception {
        return gateway.get(SnapshotEndpoint.PATH + query, headers);
    }

    @Test
    void tokensAreMadeListedWithoutSecretsAndRevoked() throws Exception {
        startControlPlane();
        HttpResponse<String> made = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"eu-west\"}");
        JsonNode t = Json.parse(made.body());
        String id = t.get("id").asText();
        String secret = t.get("secret").asText();
        assertThat(made.body()).isEqualTo("{\"object\":\"tollgate.dataplane_token\",\"id\":\"" + id + "\",\"name\":\"eu-west\",\"prefix\":\""
                + secret.substring(0, 13) + "\",\"status\":\"active\",\"created_at\":" + clock.get() / 1000 + ",\"revoked_at\":null,\"secret\":\"" + secret + "\"}");
        HttpResponse<String> list = admin("GET", "/admin/v1/dataplane-tokens", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(secret).contains("\"id\":\"" + id + "\"");
        HttpResponse<String> revoked = admin("POST", "/admin/v1/dataplane-tokens/" + id + "/revoke", "");
        assertThat(Json.parse(revoked.body()).get("status").asText()).isEqualTo("revoked");
        HttpResponse<String> refused = snapshot("", "Authorization", "Bearer " + secret);
        assertThat(refused.statusCode()).isEqualTo(401);

        HttpResponse<String> unknown = admin("POST", "/admin/v1/dataplane-tokens/dpt_nope/revoke", "");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":{\"message\":\"No data-plane token with id 'dpt_nope'.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"dataplane_token_not_found\"}}");
        HttpResponse<String> badName = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"\"}");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).isEqualTo("{\"error\":{\"message\":\"name: expected 1 to 100 letters, digits, spaces and . _ @ + -\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_admin_request\"}}");
        assertThat(admin("DELETE", "/admin/v1/dataplanes", null).statusCode()).isEqualTo(405);
    }

    @Test
    void theSnapshotNeedsAnActiveDataPlaneTokenNeverAKeyOrTheAdminToken() throws Exception {
        startControlPlane();
        String key = createKey("{}").get("key").asText();
        String expected = "{\"error\":{\"message\":\"The snapshot needs 'Authorization: Bearer <data-plane token>' with an active token.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_dataplane_token\"}}";
        for (String[] headers : new String[][] {{}, {"Authorization", "Bearer " + key}, {"Authorization", "Bearer " + ADMIN},
                {"Authorization", "Bearer " + DataPlaneTokens.newSecret()}}) {
            HttpResponse<String> r = snapshot("", headers);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo(expected);
        }
        HttpResponse<String> badWait = snapshot("?wait=61", "Authorization", "Bearer " + token());
        assertThat(badWait.statusCode()).isEqualTo(400);
        assertThat(badWait.body()).isEqualTo("{\"error\":{\"message\":\"wait: expected whole seconds from 0 to 60\","
                + "\"type\":\"invalid_request_error\",\"param\":\"wait\",\"code\":\"invalid_wait\"}}");
    }

    @Test
    void theSnapshotIsVersionedAndALongPollEndsWhenAKeyIsRevoked() throws Exception {
        startControlPlane();
        String token = token();
        JsonNode key = createKey("{\"name\":\"svc\"}");
        String secret = key.get("key").asText();
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> first = snapshot("", "Authorization", "Bearer " + token, DataPlaneSync.ID_HEADER, "dp_0011223344556677",
                    DataPlaneSync.VERSION_HEADER, "1.2.3");
            assertThat(first.statusCode()).isEqualTo(200);
            Snapshot s = Snapshot.parse(first.body().getBytes());
            assertThat(first.headers().firstValue("etag")).hasValue("\"" + s.version() + "\"");
            assertThat(s.keys()).hasSize(1);
            assertThat(s.keys().get(0).id()).isEqualTo(key.get("id").asText());
            assertThat(first.body()).doesNotContain(secret);

            HttpResponse<String> same = snapshot("", "Authorization", "Bearer " + token, "If-None-Match", "\"" + s.version() + "\"");
            assertThat(same.statusCode()).isEqualTo(304);

            long started = System.nanoTime();
            CompletableFuture<HttpResponse<String>> waiting = gateway.http().sendAsync(gateway.request(SnapshotEndpoint.PATH + "?wait=20")
                    .header("Authorization", "Bearer " + token).header("If-None-Match", "\"" + s.version() + "\"").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(300);
            assertThat(waiting).isNotDone();
            admin("POST", "/admin/v1/keys/" + key.get("id").asText() + "/revoke", "");
            HttpResponse<String> changed = waiting.get();
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertThat(changed.statusCode()).isEqualTo(200);
            Snapshot after = Snapshot.parse(changed.body().getBytes());
            assertThat(after.version()).isNotEqualTo(s.version());
            assertThat(after.keys().get(0).revokedAt()).isNotZero();
            assertThat(ms).isLessThan(5_000);

            JsonNode planes = Json.parse(admin("GET", "/admin/v1/dataplanes", null).body());
            assertThat(planes.get("snapshot_version").asText()).isEqualTo(after.version());
            JsonNode plane = planes.get("data").get(0);
            assertThat(plane.get("id").asText()).isEqualTo("dp_0011223344556677");
            assertThat(plane.get("version").asText()).isEqualTo("1.2.3");
            assertThat(plane.get("snapshot_version").asText()).isEqualTo("");
            assertThat(plane.get("up_to_date").asBoolean()).isFalse();
            dev.tollgate.apidocs.OpenApiDocument doc = dev.tollgate.apidocs.OpenApiDocument.served();
            assertThat(doc.check(doc.at("#/components/schemas/DataPlaneList"), planes)).isEmpty(); // as /openapi.json documents it
            assertThat(logs.all()).doesNotContain(token).doesNotContain(secret);
        }
    }
}
