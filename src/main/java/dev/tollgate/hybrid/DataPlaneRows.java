package dev.tollgate.hybrid;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Each data plane's usage figures in the control plane's {@code data_planes} table: the rows it
 * last said wait in its spool, and the rows stored from it.
 */
final class DataPlaneRows {

    private DataPlaneRows() {}

    /** A data plane's figures. */
    record Counts(long waiting, long received) {}

    /** Last in the transaction that stored a batch ({@link #lock} made the record): adds what was new to the ledger, sets what still waits. */
    static void received(Connection c, String planeId, String tokenId, String version, int stored, long waiting, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE data_planes SET rows_received = rows_received + ?, rows_waiting = ?, "
                + "token_id = ?, version = ?, last_contact = ? WHERE id = ?")) {
            ps.setLong(1, stored);
            ps.setLong(2, waiting);
            ps.setString(3, tokenId);
            ps.setString(4, version);
            ps.setLong(5, now);
            ps.setString(6, planeId);
            ps.executeUpdate();
        }
    }

    /**
     * First in the transaction that stores a batch: makes sure the data plane has a record and locks
     * it, so that the same batch stored twice at once (a retry reaching another control-plane
     * replica) waits for the first and then finds its rows stored, rather than counting them in the
     * rollups twice.
     */
    static void lock(Connection c, String planeId, String tokenId, String version, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dev.tollgate.store.SqlDialect.of(c).insertUnlessPresent("data_planes",
                "id, token_id, version, snapshot_version, first_contact, last_contact", "id"))) {
            ps.setString(1, planeId);
            ps.setString(2, tokenId);
            ps.setString(3, version);
            ps.setString(4, "");
            ps.setLong(5, now);
            ps.setLong(6, now);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE data_planes SET last_contact = ? WHERE id = ?")) {
            ps.setLong(1, now);
            ps.setString(2, planeId);
            ps.executeUpdate();
        }
    }

    /** What a snapshot request said waits (its record exists: the contact is written first, on the same writer). */
    static void waiting(Connection c, String planeId, long waiting) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE data_planes SET rows_waiting = ? WHERE id = ?")) {
            ps.setLong(1, waiting);
            ps.setString(2, planeId);
            ps.executeUpdate();
        }
    }

    static Map<String, Counts> all(Connection c) throws SQLException {
        Map<String, Counts> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, rows_waiting, rows_received FROM data_planes");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getString(1), new Counts(rs.getLong(2), rs.getLong(3)));
        }
        return out;
    }

    /** The value of {@code x-tollgate-rows-waiting}: a whole number, or null when absent or not one. */
    static Long parse(String header) {
        if (header == null || !header.matches("[0-9]{1,12}")) return null;
        return Long.parseLong(header);
    }
}
