package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.KeySecrets;
import dev.tollgate.json.Json;
import dev.tollgate.keys.RandomIds;
import dev.tollgate.store.SqlDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Data-plane tokens and the data planes seen with them, in the control plane's database. A token
 * is {@code tgdp-} plus 256 random bits, shown once; only its SHA-256 is stored (as for keys).
 */
public final class DataPlaneTokens {

    public static final String PREFIX = "tgdp-";

    private DataPlaneTokens() {}

    /** A token as stored: never its secret. Times are epoch milliseconds, 0 when unset. */
    public record Token(String id, String name, String prefix, String secretHash, long createdAt, long revokedAt) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("object", "tollgate.dataplane_token");
            o.put("id", id);
            o.put("name", name);
            o.put("prefix", prefix);
            o.put("status", revokedAt == 0 ? "active" : "revoked");
            o.put("created_at", createdAt / 1000);
            if (revokedAt == 0) o.putNull("revoked_at"); else o.put("revoked_at", revokedAt / 1000);
            return o;
        }
    }

    /** A new token and its secret (the only time the secret exists outside the caller). */
    public record Issued(Token token, String secret) {}

    /** A data plane as last seen by the control plane. */
    public record DataPlane(String id, String tokenId, String version, String snapshotVersion, long firstContact, long lastContact) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("object", "tollgate.dataplane");
            o.put("id", id);
            o.put("token_id", tokenId);
            o.put("version", version);
            o.put("snapshot_version", snapshotVersion);
            o.put("first_contact", firstContact / 1000);
            o.put("last_contact", lastContact / 1000);
            return o;
        }
    }

    public static String newSecret() {
        return dev.tollgate.keys.RandomIds.secret(PREFIX);
    }

    /** Whether a value could be a data-plane token (cheap check before hashing). */
    public static boolean looksLikeToken(String value) {
        if (value == null || value.length() < PREFIX.length() + 32 || value.length() > 200 || !value.startsWith(PREFIX)) return false;
        for (int i = PREFIX.length(); i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) return false;
        }
        return true;
    }

    public static Issued create(Connection c, String name, long now) throws SQLException {
        String secret = newSecret();
        Token t = new Token(RandomIds.of("dpt_", 12), name, secret.substring(0, PREFIX.length() + 8), KeySecrets.hash(secret), now, 0);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO dataplane_tokens (id, name, prefix, secret_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, 0)")) {
            ps.setString(1, t.id());
            ps.setString(2, t.name());
            ps.setString(3, t.prefix());
            ps.setString(4, t.secretHash());
            ps.setLong(5, now);
            ps.executeUpdate();
        }
        return new Issued(t, secret);
    }

    public static List<Token> list(Connection c) throws SQLException {
        List<Token> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY created_at, id"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(token(rs));
        }
        return out;
    }

    /** The token with this id, or null. */
    public static Token byId(Connection c, String id) throws SQLException {
        return one(c, SELECT + " WHERE id = ?", id);
    }

    /** The active token whose secret this is, or null (unknown or revoked). */
    public static Token active(Connection c, String secret) throws SQLException {
        Token t = one(c, SELECT + " WHERE secret_hash = ?", KeySecrets.hash(secret));
        return t == null || t.revokedAt() != 0 ? null : t;
    }

    /** Revokes a token (a second revoke keeps the first time); null when there is no such token. */
    public static Token revoke(Connection c, String id, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE dataplane_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0")) {
            ps.setLong(1, now);
            ps.setString(2, id);
            ps.executeUpdate();
        }
        return byId(c, id);
    }

    /** Records that a data plane fetched configuration (its id, version and the snapshot it holds). */
    public static void contact(Connection c, DataPlane dp) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlDialect.of(c).upsert("data_planes",
                "id, token_id, version, snapshot_version, first_contact, last_contact", "id",
                "token_id", "version", "snapshot_version", "last_contact"))) {
            ps.setString(1, dp.id());
            ps.setString(2, dp.tokenId());
            ps.setString(3, dp.version());
            ps.setString(4, dp.snapshotVersion());
            ps.setLong(5, dp.firstContact());
            ps.setLong(6, dp.lastContact());
            ps.executeUpdate();
        }
    }

    public static List<DataPlane> dataPlanes(Connection c) throws SQLException {
        List<DataPlane> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, token_id, version, snapshot_version, first_contact, last_contact FROM data_planes ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new DataPlane(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6)));
            }
        }
        return out;
    }

    private static final String SELECT = "SELECT id, name, prefix, secret_hash, created_at, revoked_at FROM dataplane_tokens";

    private static Token one(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? token(rs) : null;
            }
        }
    }

    private static Token token(ResultSet rs) throws SQLException {
        return new Token(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6));
    }
}
