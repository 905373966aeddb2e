package dev.tollgate.store;

import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads for replicas that keep their key registry in step with the database. Every insert and
 * update of a key stamps {@code api_keys.updated_at} (indexed), which "changed since" reads.
 */
public final class KeyChanges {

    private KeyChanges() {}

    /** A key and when it last changed ({@code updated_at}), in the writer's epoch milliseconds. */
    public record Changed(ApiKey key, long at) {}

    /** Keys whose {@code updated_at} is at or after {@code sinceMs}, oldest change first. */
    public static List<Changed> since(Connection c, long sinceMs) throws SQLException {
        List<Changed> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + KeyRepository.KEY_COLUMNS
                + ", updated_at FROM api_keys WHERE updated_at >= ? ORDER BY updated_at, id")) {
            ps.setLong(1, sinceMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Changed(KeyRepository.key(rs), rs.getLong("updated_at")));
            }
        }
        return out;
    }

    /** When a key last changed by its own columns: made, revoked or rotated (what {@code updated_at} is stamped with by default). */
    public static long changedAt(ApiKey k) {
        return Math.max(k.createdAt(), Math.max(k.revokedAt(), k.rotatedAt()));
    }

    public static ApiKey byId(Connection c, String id) throws SQLException {
        return one(c, "SELECT " + KeyRepository.KEY_COLUMNS + " FROM api_keys WHERE id = ?", id);
    }

    /** The key whose current or previous (rotated, maybe in its grace period) secret has this hash. */
    public static ApiKey byHash(Connection c, String hash) throws SQLException {
        ApiKey k = one(c, "SELECT " + KeyRepository.KEY_COLUMNS + " FROM api_keys WHERE secret_hash = ?", hash);
        return k != null ? k : one(c, "SELECT " + KeyRepository.KEY_COLUMNS + " FROM api_keys WHERE previous_hash = ?", hash);
    }

    public static Principal principal(Connection c, Principal.Kind kind, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT kind, id, limits, budget, updated_at FROM subjects WHERE kind = ? AND id = ?")) {
            ps.setString(1, kind.id);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? KeyRepository.principal(rs) : null;
            }
        }
    }

    private static ApiKey one(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? KeyRepository.key(rs) : null;
            }
        }
    }
}
