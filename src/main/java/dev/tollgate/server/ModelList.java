package dev.tollgate.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.json.Json;
import dev.tollgate.provider.ModelRoute;
import dev.tollgate.provider.Router;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** {@code GET /v1/models}: what a caller may use. */
final class ModelList {

    private ModelList() {}

    /** The listed models and their aliases, in OpenAI's list shape; only a key's allowed ones. */
    static ObjectNode of(Router router, ApiKey key) {
        ObjectNode list = Json.object();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (ModelRoute r : router.listed()) {
            List<String> names = new ArrayList<>();
            names.add(r.name());
            names.addAll(r.aliases());
            for (String name : names) {
                if (key != null && !key.allowsModel(name)) continue;
                ObjectNode m = data.addObject();
                m.put("id", name);
                m.put("object", "model");
                m.put("created", 0);
                m.put("owned_by", r.deployments().get(0).provider().id());
            }
        }
        return list;
    }

    /** An upstream's listing narrowed to a key's allowed models; anything unreadable passes as it came. */
    static Buffer allowedOnly(Buffer raw, ApiKey key) {
        try {
            JsonNode parsed = Json.parse(raw);
            if (!(parsed.get("data") instanceof ArrayNode data)) return raw;
            for (Iterator<JsonNode> it = data.elements(); it.hasNext(); ) {
                if (!key.allowsModel(it.next().path("id").asText())) it.remove();
            }
            return Json.toBuffer(parsed);
        } catch (Exception notJson) {
            return raw;
        }
    }
}
