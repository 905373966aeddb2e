package dev.tollgate.apidocs;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.OpenApi31;
import dev.tollgate.json.Json;

import java.util.List;
import java.util.Map;

/**
 * The served OpenAPI document for tests: JSON pointers into it, and its schemas compiled with the
 * OpenAPI 3.1 dialect of json-schema-validator (references into components resolve in the document).
 */
public final class OpenApiDocument {

    /** Where the validator thinks the document lives; never fetched. */
    static final String IRI = "https://tollgate.invalid/openapi.json";

    public final JsonNode root;
    private final String text;
    private final SchemaRegistry registry;

    private OpenApiDocument(String text) throws Exception {
        this.text = text;
        this.root = Json.parse(text);
        this.registry = SchemaRegistry.withDefaultDialect(OpenApi31.getInstance(), b -> b.schemas(Map.of(IRI, text)));
    }

    public static OpenApiDocument served() throws Exception {
        return new OpenApiDocument(ApiDocs.get().document().toString());
    }

    public static OpenApiDocument of(String json) throws Exception {
        return new OpenApiDocument(json);
    }

    public String text() {
        return text;
    }

    /** The node at a JSON pointer, following a {@code $ref} there (to any depth); missing when absent. */
    public JsonNode resolve(JsonNode node) {
        for (int hops = 0; node.has("$ref") && hops < 10; hops++) node = at(node.get("$ref").asText());
        return node;
    }

    public JsonNode at(String ref) {
        if (!ref.startsWith("#")) throw new AssertionError("not a local reference: " + ref);
        return root.at(ref.substring(1));
    }

    /** A schema node of the document, compiled; its {@code #/...} references point into the document. */
    public Schema schema(JsonNode schemaNode) {
        String json = Json.MAPPER.valueToTree(schemaNode).toString().replace("\"$ref\":\"#/", "\"$ref\":\"" + IRI + "#/");
        return registry.getSchema(json, InputFormat.JSON);
    }

    /** The validator's complaints about a value against a schema node; empty when it fits. */
    public List<String> check(JsonNode schemaNode, JsonNode value) {
        return schema(schemaNode).validate(value.toString(), InputFormat.JSON).stream().map(Object::toString).toList();
    }

    public static String pointerSegment(String s) {
        return s.replace("~", "~0").replace("/", "~1");
    }
}
