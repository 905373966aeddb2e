package dev.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Copies a store's keys, users' and teams' limits, ledger, request texts and hybrid mode's
 * data-plane tokens and data planes to another database (a
 * single-node SQLite install moving to a server), then compares every row of the two. Both schemas
 * must be up to date ({@link Database#migrate}). Replicas' heartbeats are not copied: they belong
 * to running processes; the ledger's rollups are made anew in the target from the rows copied.
 * Ledger rows keep their ids and row ids; a row from before row ids existed gets
 * {@code lr_copy_<its id>} in the target (the source is not written to). Blocking: for the command
 * line, never for a gateway's threads.
 */
public final class DatabaseCopy {

    private DatabaseCopy() {}

    /** A column and whether it holds an integer (else text): values are read and written by kind, so any driver agrees. */
    record Column(String name, boolean integer) {}

    /** A copied table; {@code key} columns identify a row, {@code ordered} tables are large and compared as a stream in key order. */
    record Table(String name, String label, List<String> key, boolean ordered, List<Column> columns) {
        String columnList() {
            return String.join(", ", columns.stream().map(Column::name).toList());
        }
    }

    private static Column text(String name) {
        return new Column(name, false);
    }

    private static Column integer(String name) {
        return new Column(name, true);
    }

    static final List<Table> TABLES = List.of(
            new Table("api_keys", "keys", List.of("id"), false, List.of(text("id"), text("name"), text("prefix"), text("secret_hash"),
                    text("previous_hash"), integer("previous_valid_until"), text("user_id"), text("team_id"), text("labels"),
                    text("allowed_models"), text("allowed_endpoints"), text("settings"), text("limits"), text("budget"),
                    integer("expires_at"), integer("created_at"), integer("revoked_at"), integer("rotated_at"), integer("updated_at"))),
            new Table("subjects", "users and teams", List.of("kind", "id"), false, List.of(text("kind"), text("id"), text("limits"),
                    text("budget"), integer("updated_at"))),
            new Table("ledger", "ledger rows", List.of("id"), true, List.of(integer("id"), integer("ts"), text("request_id"),
                    text("key_id"), text("user_id"), text("team_id"), text("model"), text("endpoint"), integer("status"),
                    integer("input_tokens"), integer("cached_input_tokens"), integer("cache_write_tokens"), integer("output_tokens"),
                    integer("reasoning_tokens"), integer("cost_nanousd"), text("usage_source"), integer("priced"), integer("latency_ms"),
                    integer("ttfb_ms"), text("findings"), text("data_plane_id"), text("row_id"))),
            new Table("request_texts", "request texts", List.of("row_id"), false, List.of(text("row_id"), integer("ts"), text("prompt"),
                    text("answer"))),
            // Hybrid mode: the data planes' tokens (hashes) and records, so that data planes keep working after the move.
            new Table("dataplane_tokens", "data-plane tokens", List.of("id"), false, List.of(text("id"), text("name"), text("prefix"),
                    text("secret_hash"), integer("created_at"), integer("revoked_at"))),
            new Table("data_planes", "data planes", List.of("id"), false, List.of(text("id"), text("token_id"), text("version"),
                    text("snapshot_version"), integer("first_contact"), integer("last_contact"), integer("rows_waiting"),
                    integer("rows_received"))));

    private static final int BATCH = 1_000;
    /**
     * The row id a ledger row recorded before row ids existed (V2) gets in the copy: made from its
     * source id, so the same row copied twice gets the same id and is recognisable as copied.
     * Real row ids are {@code lr_} and hex digits, so the two never meet.
     */
    static final String COPIED_ROW_ID = "lr_copy_";
    /** Differences reported at most; past them the copy is wrong anyway. */
    private static final int MAX_DIFFERENCES = 20;

    /** Rows per table (by its label: "keys", "users and teams", "ledger rows"), in copy order. */
    public static Map<String, Long> counts(Connection c) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Table t : TABLES) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + t.name)) {
                rs.next();
                out.put(t.label, rs.getLong(1));
            }
        }
        return out;
    }

    /**
     * Copies every row of every table from {@code from} to {@code to} in one transaction on
     * {@code to}; with {@code replace}, what {@code to} held is deleted first (in the same
     * transaction). Returns the rows copied per table.
     */
    public static Map<String, Long> copy(Connection from, Connection to, boolean replace) throws SQLException {
        SqlDialect target = SqlDialect.of(to);
        boolean fromAutoCommit = from.getAutoCommit();
        from.setAutoCommit(false); // PostgreSQL streams a result set only inside a transaction
        to.setAutoCommit(false);
        try {
            if (replace) {
                for (int i = TABLES.size() - 1; i >= 0; i--) {
                    try (Statement s = to.createStatement()) {
                        s.executeUpdate("DELETE FROM " + TABLES.get(i).name);
                    }
                }
            }
            Map<String, Long> copied = new LinkedHashMap<>();
            for (Table t : TABLES) copied.put(t.label, copyTable(t, from, to));
            Rollups.rebuild(to); // the rollups follow from the ledger: made anew rather than copied
            String continueIds = target.afterExplicitIds("ledger", "id");
            if (continueIds != null) {
                try (Statement s = to.createStatement()) {
                    s.execute(continueIds);
                }
            }
            to.commit();
            return copied;
        } catch (SQLException | RuntimeException e) {
            to.rollback();
            throw e;
        } finally {
            to.setAutoCommit(true);
            from.rollback();
            from.setAutoCommit(fromAutoCommit);
        }
    }

    private static long copyTable(Table t, Connection from, Connection to) throws SQLException {
        long n = 0;
        String placeholders = "?,".repeat(t.columns.size() - 1) + "?";
        try (Statement s = from.createStatement(); PreparedStatement insert = to.prepareStatement(
                "INSERT INTO " + t.name + " (" + t.columnList() + ") VALUES (" + placeholders + ")")) {
            s.setFetchSize(BATCH);
            String order = t.ordered ? " ORDER BY " + String.join(", ", t.key) : "";
            try (ResultSet rs = s.executeQuery("SELECT " + t.columnList() + " FROM " + t.name + order)) {
                while (rs.next()) {
                    List<String> row = values(t, rs, true);
                    for (int i = 0; i < t.columns.size(); i++) {
                        String v = row.get(i);
                        if (!t.columns.get(i).integer) insert.setString(i + 1, v);
                        else if (v == null) insert.setNull(i + 1, Types.BIGINT);
                        else insert.setLong(i + 1, Long.parseLong(v));
                    }
                    insert.addBatch();
                    if (++n % BATCH == 0) insert.executeBatch();
                }
            }
            if (n % BATCH != 0) insert.executeBatch();
        }
        return n;
    }

    /**
     * Compares every row of every table, column by column; returns the differences (at most 20,
     * naming table, row and column, never a value: the tables hold key hashes), empty when the two
     * databases hold the same rows.
     */
    public static List<String> verify(Connection from, Connection to) throws SQLException {
        List<String> differences = new ArrayList<>();
        boolean fromAutoCommit = from.getAutoCommit();
        boolean toAutoCommit = to.getAutoCommit();
        from.setAutoCommit(false);
        to.setAutoCommit(false);
        try {
            for (Table t : TABLES) {
                if (t.ordered) compareInOrder(t, from, to, differences); else compareByKey(t, from, to, differences);
                if (differences.size() >= MAX_DIFFERENCES) break;
            }
        } finally {
            from.rollback();
            to.rollback();
            from.setAutoCommit(fromAutoCommit);
            to.setAutoCommit(toAutoCommit);
        }
        return differences.size() > MAX_DIFFERENCES ? differences.subList(0, MAX_DIFFERENCES) : differences;
    }

    /** Small tables: read whole on both sides, matched by key (text keys sort differently under each database's collation). */
    private static void compareByKey(Table t, Connection from, Connection to, List<String> differences) throws SQLException {
        Map<String, List<String>> source = readAll(t, from, true);
        Map<String, List<String>> target = readAll(t, to, false);
        for (Map.Entry<String, List<String>> e : source.entrySet()) {
            List<String> other = target.get(e.getKey());
            if (other == null) differences.add(t.name + " " + e.getKey() + ": missing in the target");
            else compareRow(t, e.getKey(), e.getValue(), other, differences);
        }
        for (String key : target.keySet()) {
            if (!source.containsKey(key)) differences.add(t.name + " " + key + ": in the target only");
        }
    }

    private static Map<String, List<String>> readAll(Table t, Connection c, boolean source) throws SQLException {
        Map<String, List<String>> rows = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + t.columnList() + " FROM " + t.name)) {
            while (rs.next()) {
                List<String> row = values(t, rs, source);
                rows.put(key(t, row), row);
            }
        }
        return rows;
    }

    /** The ledger: both sides streamed in id order, row beside row. */
    private static void compareInOrder(Table t, Connection from, Connection to, List<String> differences) throws SQLException {
        String sql = "SELECT " + t.columnList() + " FROM " + t.name + " ORDER BY " + String.join(", ", t.key);
        try (Statement a = from.createStatement(); Statement b = to.createStatement()) {
            a.setFetchSize(BATCH);
            b.setFetchSize(BATCH);
            try (ResultSet ra = a.executeQuery(sql); ResultSet rb = b.executeQuery(sql)) {
                boolean hasA = ra.next();
                boolean hasB = rb.next();
                while ((hasA || hasB) && differences.size() < MAX_DIFFERENCES) {
                    List<String> rowA = hasA ? values(t, ra, true) : null;
                    List<String> rowB = hasB ? values(t, rb, false) : null;
                    long idA = hasA ? Long.parseLong(rowA.get(0)) : Long.MAX_VALUE;
                    long idB = hasB ? Long.parseLong(rowB.get(0)) : Long.MAX_VALUE;
                    if (idA == idB) {
                        compareRow(t, key(t, rowA), rowA, rowB, differences);
                        hasA = ra.next();
                        hasB = rb.next();
                    } else if (idA < idB) {
                        differences.add(t.name + " " + key(t, rowA) + ": missing in the target");
                        hasA = ra.next();
                    } else {
                        differences.add(t.name + " " + key(t, rowB) + ": in the target only");
                        hasB = rb.next();
                    }
                }
            }
        }
    }

    private static void compareRow(Table t, String key, List<String> a, List<String> b, List<String> differences) {
        for (int i = 0; i < t.columns.size(); i++) {
            if (!Objects.equals(a.get(i), b.get(i))) differences.add(t.name + " " + key + ": " + t.columns.get(i).name + " differs");
        }
    }

    /**
     * A row's values as text: integers in decimal, so that every driver's types compare alike; null
     * stays null. A source ledger row without a row id reads as the one its copy gets.
     */
    private static List<String> values(Table t, ResultSet rs, boolean source) throws SQLException {
        List<String> row = new ArrayList<>(t.columns.size());
        for (int i = 0; i < t.columns.size(); i++) {
            if (t.columns.get(i).integer) {
                long v = rs.getLong(i + 1);
                row.add(rs.wasNull() ? null : Long.toString(v));
            } else {
                row.add(rs.getString(i + 1));
            }
        }
        if (source && t.name.equals("ledger")) {
            int rowId = t.columns.size() - 1; // row_id is the ledger's last column, id its first
            if (row.get(rowId) == null) row.set(rowId, COPIED_ROW_ID + row.get(0));
        }
        return row;
    }

    private static String key(Table t, List<String> row) {
        List<String> parts = new ArrayList<>();
        for (String k : t.key) {
            for (int i = 0; i < t.columns.size(); i++) if (t.columns.get(i).name.equals(k)) parts.add(t.columns.get(i).name + "=" + row.get(i));
        }
        return String.join(" ", parts);
    }
}
