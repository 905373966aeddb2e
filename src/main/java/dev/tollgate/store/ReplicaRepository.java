package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The replicas that say they are running on this database: each writes a heartbeat now and then. */
public final class ReplicaRepository {

    private ReplicaRepository() {}

    /** One replica as it last reported; {@code sharedState} is "redis", "replica" (per-replica limits by choice) or "memory". */
    public record Replica(String id, long startedAt, long heartbeatAt, String sharedState) {}

    public static void heartbeat(Connection c, Replica r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlDialect.of(c).upsert("gateway_replicas",
                "replica_id, started_at, heartbeat_at, shared_state", "replica_id", "started_at", "heartbeat_at", "shared_state"))) {
            ps.setString(1, r.id());
            ps.setLong(2, r.startedAt());
            ps.setLong(3, r.heartbeatAt());
            ps.setString(4, r.sharedState());
            ps.executeUpdate();
        }
    }

    /** Replicas other than {@code self} whose last heartbeat is at or after {@code sinceMs}. */
    public static List<Replica> aliveSince(Connection c, long sinceMs, String self) throws SQLException {
        List<Replica> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT replica_id, started_at, heartbeat_at, shared_state FROM gateway_replicas "
                + "WHERE heartbeat_at >= ? AND replica_id <> ? ORDER BY replica_id")) {
            ps.setLong(1, sinceMs);
            ps.setString(2, self);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Replica(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4)));
            }
        }
        return out;
    }

    public static void remove(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM gateway_replicas WHERE replica_id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
    }
}
