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

    /**
     * In the transaction that stored a batch: adds what was new to the ledger and sets what still
     * waits. A data plane not seen before (its first contact is a usage post) gets its record here.
     */
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
            if (ps.executeUpdate() > 0) return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO data_planes (id, token_id, version, snapshot_version, first_contact, "
                + "last_contact, rows_waiting, rows_received) VALUES (?, ?, ?, '', ?, ?, ?, ?)")) {
            ps.setString(1, planeId);
            ps.setString(2, tokenId);
            ps.setString(3, version);
            ps.setLong(4, now);
            ps.setLong(5, now);
            ps.setLong(6, waiting);
            ps.setLong(7, stored);
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
