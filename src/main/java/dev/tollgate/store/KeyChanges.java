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
 * Reads for replicas that keep their key registry in step with the database. A key changes only by
 * being made, revoked or rotated, each of which stamps its own column, so "changed since" needs no
 * column of its own.
 */
public final class KeyChanges {

    private KeyChanges() {}

    /** A key and when it last changed (made, revoked or rotated), in the writer's epoch milliseconds. */
    public record Changed(ApiKey key, long at) {}

    /** Keys made, revoked or rotated at or after {@code sinceMs}, oldest change first. */
    public static List<Changed> since(Connection c, long sinceMs) throws SQLException {
        List<Changed> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + KeyRepository.KEY_COLUMNS
                + " FROM api_keys WHERE created_at >= ? OR revoked_at >= ? OR rotated_at >= ?")) {
            ps.setLong(1, sinceMs);
            ps.setLong(2, sinceMs);
            ps.setLong(3, sinceMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ApiKey k = KeyRepository.key(rs);
                    out.add(new Changed(k, changedAt(k)));
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(Changed::at));
        return out;
    }

    /** When a key last changed. */
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
