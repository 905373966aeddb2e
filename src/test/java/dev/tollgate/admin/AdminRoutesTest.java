package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.apidocs.OpenApiDocument;
import dev.tollgate.json.Json;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin routes, the OpenAPI document and the running gateway agree: every listed route is
 * documented and every documented one listed; each documented call, made with its documented
 * example, gets its documented success status and a body that fits its documented schema.
 */
class AdminRoutesTest extends KeyModeTest {

    @Test
    void theDocumentDescribesExactlyTheListedRoutes() throws Exception {
        Set<String> listed = AdminRoutes.ALL.stream().map(r -> r.method() + " " + r.template()).collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented(OpenApiDocument.served())).isEqualTo(listed);
        assertThat(listed).hasSize(AdminRoutes.ALL.size()).contains("GET /admin/v1/usage", "POST /admin/v1/keys/{id}/rotate");
    }

    @Test
    void routesMatchByMethodAndTemplate() {
        assertThat(AdminRoutes.match("GET", "/admin/v1/keys")).isEqualTo(AdminRoutes.Match.FOUND);
        assertThat(AdminRoutes.match("POST", "/admin/v1/keys/key_1/rotate")).isEqualTo(AdminRoutes.Match.FOUND);
        assertThat(AdminRoutes.match("GET", "/admin/v1/keys/key_1/rotate")).isEqualTo(AdminRoutes.Match.WRONG_METHOD);
        assertThat(AdminRoutes.match("DELETE", "/admin/v1/keys")).isEqualTo(AdminRoutes.Match.WRONG_METHOD);
        assertThat(AdminRoutes.match("GET", "/admin/v1/keys/a/b")).isEqualTo(AdminRoutes.Match.NO_ROUTE);
        assertThat(AdminRoutes.match("GET", "/admin/v1/keys/")).isEqualTo(AdminRoutes.Match.NO_ROUTE);
        assertThat(AdminRoutes.match("GET", "/admin/v1/keysx")).isEqualTo(AdminRoutes.Match.NO_ROUTE);
        assertThat(AdminRoutes.match("GET", "/admin/v1/users/a.b")).isEqualTo(AdminRoutes.Match.FOUND);
    }

    @Test
    void everyDocumentedRouteAnswersAsDocumented() throws Exception {
        upstream.handle(req -> dev.tollgate.support.FakeUpstream.json(req, 200, answer(1000, 1000)));
        startKeyMode(Map.of());
        OpenApiDocument doc = OpenApiDocument.served();
        JsonNode key = createKey("{\"user\":\"alice\",\"team\":\"research\"}"); // for the routes that take one
        String keyId = key.get("id").asText();
        Map<String, String> ids = new java.util.HashMap<>(Map.of("/admin/v1/keys/", keyId)); // a created thing's id, by collection
        assertThat(chat(key.get("key").asText(), CHAT).statusCode()).isEqualTo(200); // traffic for the usage and request reports
        awaitLedgerQuiet();
        List<String[]> calls = new ArrayList<>();
        for (String route : documented(doc)) calls.add(route.split(" ", 2));
        // Creating before reading, rotating before revoking, deleting last.
        List<String> order = List.of("POST /admin/v1/keys", "PUT", "GET", "POST /admin/v1/keys/{id}/rotate", "POST", "DELETE");
        calls.sort(Comparator.comparingInt((String[] c) -> {
            int exact = order.indexOf(c[0] + " " + c[1]);
            return exact >= 0 ? exact : order.indexOf(c[0]);
        }).thenComparing(c -> c[1]));
        assertThat(calls).hasSize(AdminRoutes.ALL.size());
        for (String[] call : calls) {
            String method = call[0], template = call[1];
            JsonNode op = doc.root.path("paths").path(template).path(method.toLowerCase());
            String id = template.startsWith("/admin/v1/users/") ? "alice" : template.startsWith("/admin/v1/teams/") ? "research"
                    : ids.entrySet().stream().filter(e -> template.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse("none");
            String path = template.replace("{id}", id);
            String body = requestExample(doc, op);
            HttpResponse<String> r = admin(method, path, body);
            String where = method + " " + path + " " + body;
            String success = op.path("responses").has("201") ? "201" : "200";
            assertThat(r.statusCode()).as(where + " -> " + r.body()).isEqualTo(Integer.parseInt(success));
            if (success.equals("201") && !template.equals("/admin/v1/keys")) ids.put(template + "/", Json.parse(r.body()).get("id").asText());
            JsonNode response = doc.resolve(op.path("responses").path(success));
            JsonNode schema = response.path("content").path("application/json").path("schema");
            assertThat(schema.isMissingNode()).as(where).isFalse();
            assertThat(doc.check(schema, Json.parse(r.body()))).as(where + " -> " + r.body()).isEmpty();
            if (template.equals("/admin/v1/requests") || template.equals("/admin/v1/usage")) {
                assertThat(Json.parse(r.body()).get("data").size()).as(where + " has the request").isEqualTo(1);
            }
        }
    }

    @Test
    void unlistedRoutesAndMethodsAreRefused() throws Exception {
        startKeyMode(Map.of());
        HttpResponse<String> r = admin("PUT", "/admin/v1/keys/key_1/revoke", "{}");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Method PUT is not allowed on /admin/v1/keys/key_1/revoke.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"method_not_allowed\"}}");
        HttpResponse<String> u = admin("GET", "/admin/v1/keys/key_1/disable", null);
        assertThat(u.statusCode()).isEqualTo(404);
        assertThat(u.body()).isEqualTo("{\"error\":{\"message\":\"Unknown admin route /admin/v1/keys/key_1/disable.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"unknown_route\"}}");
    }

    /** The first example of an operation's JSON request body, or null when it has none. */
    private static String requestExample(OpenApiDocument doc, JsonNode op) {
        JsonNode media = doc.resolve(op.path("requestBody")).path("content").path("application/json");
        if (media.isMissingNode()) return null;
        if (media.has("example")) return media.get("example").toString();
        var examples = media.path("examples").elements();
        assertThat(examples.hasNext()).as("a request body example").isTrue();
        return doc.resolve(examples.next()).get("value").toString();
    }

    private static Set<String> documented(OpenApiDocument doc) {
        Set<String> out = new TreeSet<>();
        doc.root.path("paths").properties().forEach(p -> {
            if (!p.getKey().startsWith("/admin/")) return;
            p.getValue().fieldNames().forEachRemaining(m -> {
                if (!m.equals("parameters")) out.add(m.toUpperCase() + " " + p.getKey());
            });
        });
        return out;
    }
}
