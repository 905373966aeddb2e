package dev.tollgate.apidocs;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The document is well-formed OpenAPI 3.1 (the structure the specification requires, every
 * reference resolves, every schema is a valid JSON Schema 2020-12) and every example in it fits its
 * schema. The OAS 3.1 schema itself is not bundled with any library here, so the structure is
 * checked field by field.
 */
class OpenApiDocumentTest {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static OpenApiDocument doc;

    @BeforeAll
    static void load() throws Exception {
        doc = OpenApiDocument.served();
    }

    @Test
    void theRootHasWhatOpenApi31Requires() {
        JsonNode root = doc.root;
        assertThat(root.path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(root.path("info").path("title").asText()).isEqualTo("Tollgate");
        assertThat(root.path("info").path("version").isTextual()).isTrue();
        assertThat(root.path("paths").isObject()).isTrue();
        Set<String> known = Set.of("openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks", "components", "security", "tags", "externalDocs");
        root.fieldNames().forEachRemaining(f -> assertThat(known).as("root field").contains(f));
        assertThat(root.path("components").path("securitySchemes").path("adminToken").path("scheme").asText()).isEqualTo("bearer");
    }

    @Test
    void everyOperationIsComplete() {
        Set<String> tags = new HashSet<>();
        doc.root.path("tags").forEach(t -> tags.add(t.path("name").asText()));
        Set<String> schemes = new HashSet<>();
        doc.root.path("components").path("securitySchemes").fieldNames().forEachRemaining(schemes::add);
        Set<String> operationIds = new HashSet<>();
        int operations = 0;
        for (var p : doc.root.path("paths").properties()) {
            String path = p.getKey();
            assertThat(path).startsWith("/");
            JsonNode item = p.getValue();
            for (var o : item.properties()) {
                if (o.getKey().equals("parameters")) continue;
                assertThat(METHODS).as(path + " field").contains(o.getKey());
                JsonNode op = o.getValue();
                String where = o.getKey().toUpperCase() + " " + path;
                operations++;
                assertThat(operationIds.add(op.path("operationId").asText())).as(where + " operationId unique").isTrue();
                assertThat(op.path("operationId").asText()).as(where).isNotEmpty();
                assertThat(op.path("summary").asText()).as(where).isNotEmpty();
                assertThat(op.path("responses").size()).as(where + " responses").isGreaterThan(0);
                op.path("responses").properties().forEach(r -> {
                    assertThat(r.getKey()).as(where).matches("[1-5][0-9][0-9]|default");
                    assertThat(doc.resolve(r.getValue()).path("description").isTextual()).as(where + " " + r.getKey() + " description").isTrue();
                });
                op.path("tags").forEach(t -> assertThat(tags).as(where + " tag").contains(t.asText()));
                assertThat(op.has("security")).as(where + " says who may call it").isTrue();
                op.path("security").forEach(req -> req.fieldNames().forEachRemaining(s -> assertThat(schemes).as(where).contains(s)));
                // Every {name} in the path is a required path parameter, and no path parameter is left over.
                Set<String> declared = new HashSet<>();
                List<JsonNode> params = new ArrayList<>();
                item.path("parameters").forEach(params::add);
                op.path("parameters").forEach(params::add);
                for (JsonNode param : params) {
                    JsonNode resolved = doc.resolve(param);
                    assertThat(resolved.path("name").asText()).as(where).isNotEmpty();
                    assertThat(resolved.path("in").asText()).as(where).isIn("path", "query", "header", "cookie");
                    if (resolved.path("in").asText().equals("path")) {
                        assertThat(resolved.path("required").asBoolean()).as(where + " path parameter required").isTrue();
                        declared.add(resolved.path("name").asText());
                    }
                }
                Set<String> inTemplate = new HashSet<>();
                Matcher m = Pattern.compile("\\{([^}]+)}").matcher(path);
                while (m.find()) inTemplate.add(m.group(1));
                assertThat(declared).as(where + " path parameters").isEqualTo(inTemplate);
            }
        }
        assertThat(operations).isGreaterThanOrEqualTo(30);
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc.root, refs);
        assertThat(refs).hasSizeGreaterThan(50);
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref).isMissingNode()).as(ref).isFalse();
        }
    }

    @Test
    void everySchemaIsAValidJsonSchema() throws Exception {
        Schema meta = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        int checked = 0;
        for (var s : doc.root.path("components").path("schemas").properties()) {
            assertThat(meta.validate(s.getValue().toString(), InputFormat.JSON)).as(s.getKey()).isEmpty();
            doc.schema(s.getValue()); // compiles, references included
            checked++;
        }
        assertThat(checked).isGreaterThan(15);
        // The check can fail: a schema with a wrongly typed keyword is refused.
        assertThat(meta.validate("{\"type\":\"object\",\"required\":\"id\"}", InputFormat.JSON)).isNotEmpty();
    }

    @Test
    void everyExampleFitsItsSchema() {
        List<String> failures = new ArrayList<>();
        int[] checked = {0};
        checkExamples(doc.root, failures, checked);
        assertThat(failures).isEmpty();
        assertThat(checked[0]).as("examples checked").isGreaterThanOrEqualTo(30);
    }

    @Test
    void aWrongExampleIsCaught() throws Exception {
        JsonNode key = doc.at("#/components/examples/Key/value");
        JsonNode keySchema = Json.parse("{\"$ref\":\"#/components/schemas/Key\"}");
        assertThat(doc.check(keySchema, key)).isEmpty();
        assertThat(doc.check(keySchema, ((com.fasterxml.jackson.databind.node.ObjectNode) key.deepCopy()).put("status", "paused"))).isNotEmpty();
        assertThat(doc.check(keySchema, ((com.fasterxml.jackson.databind.node.ObjectNode) key.deepCopy()).put("key", "tg-x"))).isNotEmpty();
        assertThat(doc.check(Json.parse("{\"$ref\":\"#/components/schemas/Error\"}"), Json.parse("{\"error\":{\"message\":\"m\"}}"))).isNotEmpty();
    }

    private static void collectRefs(JsonNode node, List<String> out) {
        if (node.isObject()) {
            if (node.path("$ref").isTextual()) out.add(node.get("$ref").asText());
            node.forEach(child -> collectRefs(child, out));
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, out));
        }
    }

    /**
     * Media types and parameters ({@code schema} beside {@code example} or named {@code examples}),
     * and JSON Schema's own {@code examples} arrays inside schemas.
     */
    private static void checkExamples(JsonNode node, List<String> failures, int[] checked) {
        if (node.isArray()) {
            node.forEach(child -> checkExamples(child, failures, checked));
            return;
        }
        if (!node.isObject()) return;
        JsonNode schema = node.get("schema");
        if (schema != null && node.has("example")) {
            check(schema, node.get("example"), "example", failures, checked);
        }
        if (schema != null && node.path("examples").isObject()) {
            for (var e : node.get("examples").properties()) {
                JsonNode example = doc.resolve(e.getValue());
                assertThat(example.has("value")).as("example " + e.getKey() + " has a value").isTrue();
                check(schema, example.get("value"), "examples." + e.getKey(), failures, checked);
            }
        }
        if (node.path("examples").isArray() && (node.has("type") || node.has("properties") || node.has("const"))) {
            JsonNode bare = node.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) bare).remove("examples");
            for (JsonNode example : node.get("examples")) check(bare, example, "schema examples", failures, checked);
        }
        node.forEach(child -> checkExamples(child, failures, checked));
    }

    private static void check(JsonNode schema, JsonNode example, String where, List<String> failures, int[] checked) {
        checked[0]++;
        List<String> errors = doc.check(schema, example);
        if (!errors.isEmpty()) failures.add(where + " " + example + ": " + errors);
    }
}
