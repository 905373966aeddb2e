package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.store.Database;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The admin API's data-plane operations on a control plane: tokens made, listed and revoked, and
 * the data planes seen. The database work runs on the store's threads.
 */
public final class DataPlaneAdmin {

    public static final Pattern TOKEN = Pattern.compile("/admin/v1/dataplane-tokens/([A-Za-z0-9_]{1,64})/revoke");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@+ -]{1,100}");

    private final Database db;
    private final LongSupplier clock;

    public DataPlaneAdmin(Database db, LongSupplier clock) {
        this.db = db;
        this.clock = clock;
    }

    /** {@code POST /admin/v1/dataplane-tokens} with {@code {"name": "..."}}: the token, its secret shown this once. */
    public CompletableFuture<JsonNode> create(JsonNode body) {
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("name")) throw new IllegalArgumentException("unknown field '" + dev.tollgate.api.ApiError.clip(f) + "' (known: name)");
        }
        JsonNode n = body.get("name");
        if (n == null || !n.isTextual() || !NAME.matcher(n.textValue()).matches()) {
            throw new IllegalArgumentException("name: expected 1 to 100 letters, digits, spaces and . _ @ + -");
        }
        long now = clock.getAsLong();
        return db.write(c -> DataPlaneTokens.create(c, n.textValue(), now)).thenApply(issued -> {
            ObjectNode o = issued.token().toJson();
            o.put("secret", issued.secret());
            return o;
        });
    }

    public CompletableFuture<JsonNode> list() {
        return db.read(DataPlaneTokens::list).thenApply(tokens -> {
            ObjectNode o = listOf();
            ArrayNode data = (ArrayNode) o.get("data");
            tokens.forEach(t -> data.add(t.toJson()));
            return o;
        });
    }

    /** Revokes a token: the data planes using it get 401 from their next snapshot request. */
    public CompletableFuture<JsonNode> revoke(String id) {
        long now = clock.getAsLong();
        return db.write(c -> DataPlaneTokens.revoke(c, id, now)).thenApply(t -> {
            if (t == null) throw new NotFound("No data-plane token with id '" + id + "'.");
            return t.toJson();
        });
    }

    /**
     * {@code GET /admin/v1/dataplanes}: each data plane's id, version, snapshot version in use, last
     * contact, and its usage rows waiting (as it last said) and received.
     */
    public CompletableFuture<JsonNode> dataPlanes(String currentVersion) {
        long now = clock.getAsLong();
        record Read(java.util.List<DataPlaneTokens.DataPlane> planes, java.util.Map<String, DataPlaneRows.Counts> counts) {}
        return db.read(c -> new Read(DataPlaneTokens.dataPlanes(c), DataPlaneRows.all(c))).thenApply(read -> {
            var planes = read.planes();
            ObjectNode o = listOf();
            if (currentVersion != null) o.put("snapshot_version", currentVersion);
            ArrayNode data = (ArrayNode) o.get("data");
            for (DataPlaneTokens.DataPlane dp : planes) {
                ObjectNode p = dp.toJson();
                p.put("seconds_since_contact", Math.max(0, (now - dp.lastContact()) / 1000));
                if (currentVersion != null) p.put("up_to_date", currentVersion.equals(dp.snapshotVersion()));
                DataPlaneRows.Counts rows = read.counts().getOrDefault(dp.id(), new DataPlaneRows.Counts(0, 0));
                p.put("rows_waiting", rows.waiting());
                p.put("rows_received", rows.received());
                data.add(p);
            }
            return o;
        });
    }

    private static ObjectNode listOf() {
        ObjectNode o = Json.object();
        o.put("object", "list");
        o.putArray("data");
        return o;
    }

    /** No such token: the admin API answers 404. */
    public static final class NotFound extends RuntimeException {
        public NotFound(String message) {
            super(message, null, false, false);
        }
    }
}
