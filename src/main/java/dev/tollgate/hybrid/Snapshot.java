package dev.tollgate.hybrid;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.KeySecrets;
import dev.tollgate.budget.Budget;
import dev.tollgate.json.Json;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.limits.Limits;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One configuration snapshot: the gateway-wide settings that travel, and every key (its hash,
 * never a secret), user and team. Its version is the SHA-256 of its content, so the same
 * configuration has the same version on every control plane, and a data plane checks a snapshot
 * it receives or reads from disk by computing the version again.
 */
public record Snapshot(String version, long createdAt, ObjectNode settings, List<ApiKey> keys, List<Principal> principals) {

    public static final int SCHEMA = 1;

    /** A snapshot of this content, versioned by its checksum. */
    public static Snapshot of(ObjectNode settings, List<ApiKey> keys, List<Principal> principals, long now) {
        List<ApiKey> sortedKeys = new ArrayList<>(keys);
        sortedKeys.sort(java.util.Comparator.comparing(ApiKey::id));
        List<Principal> sortedPrincipals = new ArrayList<>(principals);
        sortedPrincipals.sort(java.util.Comparator.comparing(Principal::subject));
        ObjectNode content = content(settings, sortedKeys, sortedPrincipals);
        return new Snapshot(checksum(content), now, settings, sortedKeys, sortedPrincipals);
    }

    /** The wire and disk form: {@code {"schema":1,"version":..,"created_at":..,"content":{...}}}. */
    public byte[] toBytes() {
        ObjectNode o = Json.object();
        o.put("schema", SCHEMA);
        o.put("version", version);
        o.put("created_at", createdAt);
        o.set("content", content(settings, keys, principals));
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads and checks a snapshot: the schema, the checksum of its content against its version,
     * and every key and subject. Throws {@link Invalid} naming what is wrong.
     */
    public static Snapshot parse(byte[] bytes) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new Invalid("not JSON");
        }
        if (root == null || !root.isObject()) throw new Invalid("not a JSON object");
        if (root.path("schema").asInt(-1) != SCHEMA) throw new Invalid("unknown schema " + root.path("schema"));
        JsonNode content = root.get("content");
        String version = root.path("version").asText("");
        if (content == null || !content.isObject()) throw new Invalid("no content");
        if (!checksum(content).equals(version)) throw new Invalid("checksum mismatch");
        try {
            JsonNode settings = content.path("settings");
            if (!settings.isObject()) throw new Invalid("settings: expected an object");
            List<ApiKey> keys = new ArrayList<>();
            for (JsonNode k : array(content, "keys")) keys.add(key(k));
            List<Principal> principals = new ArrayList<>();
            for (JsonNode p : array(content, "principals")) principals.add(principal(p));
            return new Snapshot(version, root.path("created_at").asLong(), (ObjectNode) settings, keys, principals);
        } catch (IllegalArgumentException | NullPointerException | ClassCastException e) {
            throw new Invalid(e instanceof Invalid ? e.getMessage() : "bad entry: " + e.getMessage());
        }
    }

    /** A snapshot that failed its checks. */
    public static final class Invalid extends IllegalArgumentException {
        public Invalid(String message) {
            super(message);
        }
    }

    private static ObjectNode content(ObjectNode settings, List<ApiKey> keys, List<Principal> principals) {
        ObjectNode c = Json.object();
        c.set("settings", settings.deepCopy());
        ArrayNode ks = c.putArray("keys");
        for (ApiKey k : keys) ks.add(keyJson(k));
        ArrayNode ps = c.putArray("principals");
        for (Principal p : principals) ps.add(principalJson(p));
        return c;
    }

    /** SHA-256 of the content's JSON (Jackson writes an object's fields in insertion order, so one content has one text). */
    static String checksum(JsonNode content) {
        try {
            return KeySecrets.hash(Json.MAPPER.writeValueAsString(content));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Iterable<JsonNode> array(JsonNode content, String field) {
        JsonNode a = content.get(field);
        if (a == null || !a.isArray()) throw new Invalid(field + ": expected an array");
        return a;
    }

    static ObjectNode keyJson(ApiKey k) {
        ObjectNode o = Json.object();
        o.put("id", k.id());
        o.put("name", k.name());
        o.put("prefix", k.prefix());
        o.put("secret_hash", k.secretHash());
        o.put("previous_hash", k.previousHash());
        o.put("previous_valid_until", k.previousValidUntil());
        o.put("user", k.user());
        o.put("team", k.team());
        ObjectNode labels = o.putObject("labels");
        k.labels().forEach(labels::put);
        Json.putStrings(o, "allowed_models", k.allowedModels());
        Json.putStrings(o, "allowed_endpoints", k.allowedEndpoints());
        o.set("settings", k.settings().deepCopy());
        o.set("limits", k.limits().toJson());
        if (k.budget() == null) o.putNull("budget"); else o.set("budget", k.budget().toJson());
        o.put("expires_at", k.expiresAt());
        o.put("created_at", k.createdAt());
        o.put("revoked_at", k.revokedAt());
        o.put("rotated_at", k.rotatedAt());
        return o;
    }

    static ApiKey key(JsonNode o) {
        String hash = text(o, "secret_hash");
        if (hash == null || !hash.matches("[0-9a-f]{64}")) throw new Invalid("key " + text(o, "id") + ": secret_hash is not a SHA-256");
        Map<String, String> labels = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.path("labels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            labels.put(e.getKey(), e.getValue().asText());
        }
        JsonNode settings = o.get("settings");
        if (settings == null || !settings.isObject()) throw new Invalid("key " + text(o, "id") + ": settings: expected an object");
        return new ApiKey(required(o, "id"), text(o, "name"), text(o, "prefix"), hash, text(o, "previous_hash"),
                o.path("previous_valid_until").asLong(), text(o, "user"), text(o, "team"), labels, strings(o.get("allowed_models")),
                strings(o.get("allowed_endpoints")), (ObjectNode) settings, Limits.parse(o.get("limits"), "limits"),
                Budget.parse(o.get("budget"), "budget"), o.path("expires_at").asLong(), o.path("created_at").asLong(),
                o.path("revoked_at").asLong(), o.path("rotated_at").asLong());
    }

    static ObjectNode principalJson(Principal p) {
        ObjectNode o = Json.object();
        o.put("kind", p.kind().id);
        o.put("id", p.id());
        o.set("limits", p.limits().toJson());
        if (p.budget() == null) o.putNull("budget"); else o.set("budget", p.budget().toJson());
        o.put("updated_at", p.updatedAt());
        return o;
    }

    static Principal principal(JsonNode o) {
        String kind = required(o, "kind");
        Principal.Kind k = switch (kind) {
            case "user" -> Principal.Kind.USER;
            case "team" -> Principal.Kind.TEAM;
            default -> throw new Invalid("principal kind " + kind);
        };
        return new Principal(k, required(o, "id"), Limits.parse(o.get("limits"), "limits"), Budget.parse(o.get("budget"), "budget"),
                o.path("updated_at").asLong());
    }

    private static List<String> strings(JsonNode a) {
        if (a == null || a.isNull()) return null;
        if (!a.isArray()) throw new Invalid("expected a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode v : a) out.add(v.asText());
        return List.copyOf(out);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String required(JsonNode o, String field) {
        String v = text(o, field);
        if (v == null || v.isEmpty()) throw new Invalid("missing " + field);
        return v;
    }
}
