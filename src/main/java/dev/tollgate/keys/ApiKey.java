package dev.tollgate.keys;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Budget;
import dev.tollgate.json.Json;
import dev.tollgate.limits.Limits;

import java.util.List;
import java.util.Map;

/**
 * A Tollgate key as stored: never the secret, only its hash and a display prefix. Times are epoch
 * milliseconds, 0 when unset. Null lists mean "all models" / "all endpoints".
 */
public record ApiKey(String id, String name, String prefix, String secretHash, String previousHash, long previousValidUntil,
                     String user, String team, Map<String, String> labels, List<String> allowedModels,
                     List<String> allowedEndpoints, ObjectNode settings, Limits limits, Budget budget,
                     long expiresAt, long createdAt, long revokedAt, long rotatedAt) {

    public enum Status { ACTIVE, REVOKED, EXPIRED }

    public ApiKey revoked(long at) {
        return new ApiKey(id, name, prefix, secretHash, previousHash, previousValidUntil, user, team, labels, allowedModels,
                allowedEndpoints, settings, limits, budget, expiresAt, createdAt, at, rotatedAt);
    }

    /** A new secret; the old one stays valid until {@code oldValidUntil} (the grace period). */
    public ApiKey rotated(String newPrefix, String newHash, long oldValidUntil, long at) {
        return new ApiKey(id, name, newPrefix, newHash, secretHash, oldValidUntil, user, team, labels, allowedModels,
                allowedEndpoints, settings, limits, budget, expiresAt, createdAt, revokedAt, at);
    }

    public Status status(long now) {
        if (revokedAt != 0) return Status.REVOKED;
        if (expiresAt != 0 && now >= expiresAt) return Status.EXPIRED;
        return Status.ACTIVE;
    }

    public boolean allowsModel(String model) {
        if (allowedModels == null) return true;
        if (model == null) return true; // requests without a model are judged by endpoint (ModelGate)
        for (String m : allowedModels) if (m.equals(model)) return true;
        return false;
    }

    /** Entries are API paths ("/v1/chat/completions"); a trailing "*" matches a prefix. */
    public boolean allowsEndpoint(String apiPath) {
        if (allowedEndpoints == null) return true;
        for (String e : allowedEndpoints) {
            if (e.endsWith("*") ? apiPath.startsWith(e.substring(0, e.length() - 1)) : apiPath.equals(e)) return true;
        }
        return false;
    }

    /**
     * Whether an allowed_endpoints entry names this path on purpose, not as part of a catch-all
     * ("*", "/v1/*"): what lets a key use an endpoint whose model or cost the gateway cannot judge.
     */
    public boolean namesEndpoint(String apiPath) {
        if (allowedEndpoints == null) return false;
        for (String e : allowedEndpoints) {
            if (e.endsWith("*")) {
                String prefix = e.substring(0, e.length() - 1);
                if (prefix.length() > "/v1/".length() && apiPath.startsWith(prefix)) return true;
            } else if (apiPath.equals(e)) {
                return true;
            }
        }
        return false;
    }

    /** The admin view: everything but the hashes. */
    public ObjectNode toJson(long now) {
        ObjectNode o = Json.object();
        o.put("object", "tollgate.key");
        o.put("id", id);
        o.put("name", name);
        o.put("prefix", prefix);
        o.put("status", status(now).name().toLowerCase(java.util.Locale.ROOT));
        o.put("user", user);
        o.put("team", team);
        ObjectNode l = o.putObject("labels");
        labels.forEach(l::put);
        Json.putStrings(o, "allowed_models", allowedModels);
        Json.putStrings(o, "allowed_endpoints", allowedEndpoints);
        o.set("settings", settings.deepCopy());
        o.set("limits", limits.toJson());
        if (budget == null) o.putNull("budget"); else o.set("budget", budget.toJson());
        seconds(o, "created_at", createdAt);
        seconds(o, "expires_at", expiresAt);
        seconds(o, "revoked_at", revokedAt);
        seconds(o, "rotated_at", rotatedAt);
        seconds(o, "previous_secret_valid_until", previousHash == null ? 0 : previousValidUntil);
        return o;
    }

    private static void seconds(ObjectNode o, String field, long millis) {
        if (millis == 0) o.putNull(field); else o.put(field, millis / 1000);
    }
}
