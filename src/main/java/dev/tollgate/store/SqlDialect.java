package dev.tollgate.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The three SQL databases Tollgate runs on, and every difference between them that its queries
 * meet: where the migrations are, how a row is inserted-or-updated or inserted-unless-present,
 * and how an epoch-millisecond time becomes a UTC day.
 */
public enum SqlDialect {
    SQLITE("sqlite", "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')"),
    POSTGRESQL("postgresql", "to_char(to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    /** MySQL and MariaDB; their sessions run in UTC (set when each connection opens). */
    MYSQL("mysql", "DATE_FORMAT(FROM_UNIXTIME(ts DIV 1000), '%Y-%m-%d')");

    private final String folder;
    private final String utcDay;

    SqlDialect(String folder, String utcDay) {
        this.folder = folder;
        this.utcDay = utcDay;
    }

    /** The dialect of a JDBC URL, or null when it is none Tollgate supports. */
    public static SqlDialect ofUrl(String jdbcUrl) {
        String u = jdbcUrl.toLowerCase(Locale.ROOT);
        if (u.startsWith("jdbc:sqlite:")) return SQLITE;
        if (u.startsWith("jdbc:postgresql:")) return POSTGRESQL;
        if (u.startsWith("jdbc:mariadb:") || u.startsWith("jdbc:mysql:")) return MYSQL;
        return null;
    }

    /** The dialect of an open connection (the driver answers from memory). */
    public static SqlDialect of(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("sqlite")) return SQLITE;
        if (product.contains("postgres")) return POSTGRESQL;
        return MYSQL;
    }

    public String migrations() {
        return "classpath:db/migration/" + folder;
    }

    /** The UTC day (YYYY-MM-DD) of the ledger's {@code ts} column. */
    public String utcDay() {
        return utcDay;
    }

    /**
     * {@code INSERT INTO table (columns) VALUES (?, ...)} that updates {@code updated} when a row
     * with the same {@code key} columns exists.
     */
    public String upsert(String table, String columns, String key, String... updated) {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(columns).append(") VALUES (")
                .append(placeholders(columns)).append(')');
        if (this == MYSQL) {
            sql.append(" ON DUPLICATE KEY UPDATE ");
            for (int i = 0; i < updated.length; i++) sql.append(i == 0 ? "" : ", ").append(updated[i]).append("=VALUES(").append(updated[i]).append(')');
        } else {
            sql.append(" ON CONFLICT (").append(key).append(") DO UPDATE SET ");
            for (int i = 0; i < updated.length; i++) sql.append(i == 0 ? "" : ", ").append(updated[i]).append("=excluded.").append(updated[i]);
        }
        return sql.toString();
    }

    /** {@code INSERT INTO table (columns) VALUES (?, ...)} that does nothing when a row with the same unique {@code key} exists. */
    public String insertUnlessPresent(String table, String columns, String key) {
        String insert = "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders(columns) + ")";
        return this == MYSQL ? insert + " ON DUPLICATE KEY UPDATE " + key + "=" + key : insert + " ON CONFLICT (" + key + ") DO NOTHING";
    }

    /**
     * What makes {@code table}'s generated {@code column} continue after the largest id once rows
     * were inserted with explicit ids, or null when the database does that itself (SQLite, MySQL).
     */
    public String afterExplicitIds(String table, String column) {
        if (this != POSTGRESQL) return null;
        return "SELECT setval(pg_get_serial_sequence('" + table + "', '" + column + "'), (SELECT COALESCE(MAX(" + column + "), 0) + 1 FROM "
                + table + "), false)";
    }

    /**
     * {@code INSERT INTO table (columns) VALUES (?, ...)} that, when a row with the same {@code key}
     * exists, adds the new values of {@code added} to its own (rollup counters).
     */
    public String upsertAdding(String table, String columns, String key, String... added) {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(columns).append(") VALUES (")
                .append(placeholders(columns)).append(')');
        sql.append(this == MYSQL ? " ON DUPLICATE KEY UPDATE " : " ON CONFLICT (" + key + ") DO UPDATE SET ");
        for (int i = 0; i < added.length; i++) {
            String c = added[i];
            sql.append(i == 0 ? "" : ", ").append(c).append(" = ");
            sql.append(this == MYSQL ? c + " + VALUES(" + c + ")" : table + "." + c + " + excluded." + c);
        }
        return sql.toString();
    }

    /** {@code column} (epoch ms) rounded down to a multiple of {@code millis}, as an integer. */
    public String floorTo(String column, long millis) {
        return this == MYSQL ? "(" + column + " DIV " + millis + ") * " + millis : "(" + column + " / " + millis + ") * " + millis;
    }

    /** Deletes at most {@code ?2} rows of {@code table} whose {@code ts} is before {@code ?1}; {@code key} is its primary key. */
    public String deleteOlderBatch(String table, String key) {
        if (this == MYSQL) return "DELETE FROM " + table + " WHERE ts < ? LIMIT ?";
        return "DELETE FROM " + table + " WHERE " + key + " IN (SELECT " + key + " FROM " + table + " WHERE ts < ? LIMIT ?)";
    }

    private static String placeholders(String columns) {
        int n = columns.split(",").length;
        return "?,".repeat(n - 1) + "?";
    }
}
