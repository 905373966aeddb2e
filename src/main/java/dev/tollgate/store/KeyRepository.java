package dev.tollgate.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.budget.Budget;
import dev.tollgate.json.Json;
import dev.tollgate.limits.Limits;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SQL for keys and for users' and teams' limits. Runs on the store's threads only. */
public final class KeyRepository {

    private KeyRepository() {}

    static final String KEY_COLUMNS = "id, name, prefix, secret_hash, previous_hash, previous_valid_until, user_id, team_id, "
            + "labels, allowed_models, allowed_endpoints, settings, limits, budget, expires_at, created_at, revoked_at, rotated_at";

    public static List<ApiKey> allKeys(Connection c) throws SQLException {
        List<ApiKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + KEY_COLUMNS + " FROM api_keys ORDER BY created_at, id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(key(rs));
        }
        return out;
    }

    /** Stores a new key; its {@code updated_at} is its change time ({@link KeyChanges#changedAt}: here, when it was made). */
    public static void insert(Connection c, ApiKey k) throws SQLException {
        insert(c, k, KeyChanges.changedAt(k));
    }

    /** Stores a new key, stamping {@code updated_at} (what other replicas poll) with {@code updatedAt}. */
    public static void insert(Connection c, ApiKey k, long updatedAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (" + KEY_COLUMNS
                + ", updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            bind(ps, k);
            ps.setLong(19, updatedAt);
            ps.executeUpdate();
        }
    }

    /**
     * Replaces every column of an existing key; {@code updated_at} becomes its change time (the
     * latest of made, revoked and rotated: each change stamps its own column).
     */
    public static void update(Connection c, ApiKey k) throws SQLException {
        update(c, k, KeyChanges.changedAt(k));
    }

    /** Replaces every column of an existing key, stamping {@code updated_at} with {@code updatedAt}. */
    public static void update(Connection c, ApiKey k, long updatedAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET id=?, name=?, prefix=?, secret_hash=?, previous_hash=?, "
                + "previous_valid_until=?, user_id=?, team_id=?, labels=?, allowed_models=?, allowed_endpoints=?, settings=?, "
                + "limits=?, budget=?, expires_at=?, created_at=?, revoked_at=?, rotated_at=?, updated_at=? WHERE id=?")) {
            bind(ps, k);
            ps.setLong(19, updatedAt);
            ps.setString(20, k.id());
            if (ps.executeUpdate() != 1) throw new SQLException("no key " + k.id());
        }
    }

    private static void bind(PreparedStatement ps, ApiKey k) throws SQLException {
        ps.setString(1, k.id());
        ps.setString(2, k.name());
        ps.setString(3, k.prefix());
        ps.setString(4, k.secretHash());
        ps.setString(5, k.previousHash());
        time(ps, 6, k.previousValidUntil());
        ps.setString(7, k.user());
        ps.setString(8, k.team());
        ps.setString(9, Json.toString(Json.MAPPER.valueToTree(k.labels())));
        ps.setString(10, k.allowedModels() == null ? null : Json.toString(Json.MAPPER.valueToTree(k.allowedModels())));
        ps.setString(11, k.allowedEndpoints() == null ? null : Json.toString(Json.MAPPER.valueToTree(k.allowedEndpoints())));
        ps.setString(12, Json.toString(k.settings()));
        ps.setString(13, Json.toString(k.limits().toJson()));
        ps.setString(14, k.budget() == null ? null : Json.toString(k.budget().toJson()));
        time(ps, 15, k.expiresAt());
        ps.setLong(16, k.createdAt());
        time(ps, 17, k.revokedAt());
        time(ps, 18, k.rotatedAt());
    }

    static ApiKey key(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        return new ApiKey(id, rs.getString("name"), rs.getString("prefix"), rs.getString("secret_hash"),
                rs.getString("previous_hash"), rs.getLong("previous_valid_until"), rs.getString("user_id"), rs.getString("team_id"),
                read(rs.getString("labels"), new TypeReference<Map<String, String>>() {}, new LinkedHashMap<>()),
                read(rs.getString("allowed_models"), new TypeReference<List<String>>() {}, null),
                read(rs.getString("allowed_endpoints"), new TypeReference<List<String>>() {}, null),
                (ObjectNode) tree(rs.getString("settings")),
                Limits.parse(tree(rs.getString("limits")), id + ".limits"),
                Budget.parse(tree(rs.getString("budget")), id + ".budget"),
                rs.getLong("expires_at"), rs.getLong("created_at"), rs.getLong("revoked_at"), rs.getLong("rotated_at"));
    }

    public static List<Principal> allPrincipals(Connection c) throws SQLException {
        List<Principal> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT kind, id, limits, budget, updated_at FROM subjects ORDER BY kind, id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(principal(rs));
        }
        return out;
    }

    static Principal principal(ResultSet rs) throws SQLException {
        Principal.Kind kind = rs.getString("kind").equals("team") ? Principal.Kind.TEAM : Principal.Kind.USER;
        String id = rs.getString("id");
        return new Principal(kind, id, Limits.parse(tree(rs.getString("limits")), id + ".limits"),
                Budget.parse(tree(rs.getString("budget")), id + ".budget"), rs.getLong("updated_at"));
    }

    public static void upsert(Connection c, Principal p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlDialect.of(c).upsert("subjects", "kind, id, limits, budget, updated_at", "kind, id",
                "limits", "budget", "updated_at"))) {
            ps.setString(1, p.kind().id);
            ps.setString(2, p.id());
            ps.setString(3, Json.toString(p.limits().toJson()));
            ps.setString(4, p.budget() == null ? null : Json.toString(p.budget().toJson()));
            ps.setLong(5, p.updatedAt());
            ps.executeUpdate();
        }
    }

    public static boolean delete(Connection c, Principal.Kind kind, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM subjects WHERE kind=? AND id=?")) {
            ps.setString(1, kind.id);
            ps.setString(2, id);
            return ps.executeUpdate() == 1;
        }
    }

    private static void time(PreparedStatement ps, int i, long millis) throws SQLException {
        if (millis == 0) ps.setNull(i, Types.INTEGER); else ps.setLong(i, millis);
    }

    private static JsonNode tree(String json) throws SQLException {
        if (json == null) return null;
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new SQLException("corrupt JSON column");
        }
    }

    private static <T> T read(String json, TypeReference<T> type, T absent) throws SQLException {
        if (json == null) return absent;
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (Exception e) {
            throw new SQLException("corrupt JSON column");
        }
    }
}
