package dev.tollgate.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A database of its own for one test: a SQLite file, or a database created on the machine's
 * PostgreSQL or MariaDB server (named {@code tg_<random>}) and dropped when the test closes it.
 */
public final class TestDatabase implements AutoCloseable {

    public enum Kind { SQLITE, POSTGRESQL, MARIADB }

    private final Kind kind;
    private final String name;
    private final String url;
    private final Path sqliteDir;

    private TestDatabase(Kind kind, String name, String url, Path sqliteDir) {
        this.kind = kind;
        this.name = name;
        this.url = url;
        this.sqliteDir = sqliteDir;
    }

    /** Creates one (skipping the test, or failing it under CI, when the server is not there). */
    public static TestDatabase create(Kind kind) {
        String name = "tg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try {
            switch (kind) {
                case SQLITE -> {
                    Path dir = Files.createTempDirectory("tollgate-db-");
                    return new TestDatabase(kind, name, dir.resolve(name + ".db").toString(), dir);
                }
                case POSTGRESQL -> {
                    TestServices.need(TestServices.POSTGRES);
                    admin(TestServices.postgresUrl("test"), TestServices.postgresUser(), "CREATE DATABASE " + name);
                    return new TestDatabase(kind, name, TestServices.postgresUrl(name), null);
                }
                default -> {
                    TestServices.need(TestServices.MARIADB);
                    admin(TestServices.mariadbUrl("test"), TestServices.mariadbUser(), "CREATE DATABASE " + name);
                    return new TestDatabase(kind, name, TestServices.mariadbUrl(name), null);
                }
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("cannot create a " + kind + " database for the test: " + e.getMessage(), e);
        }
    }

    public Kind kind() {
        return kind;
    }

    /** What TOLLGATE_DATABASE takes: the SQLite file, or the JDBC URL. */
    public String setting() {
        return url;
    }

    public String user() {
        return switch (kind) {
            case SQLITE -> null;
            case POSTGRESQL -> TestServices.postgresUser();
            case MARIADB -> TestServices.mariadbUser();
        };
    }

    /** The gateway's settings for this database. */
    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_DATABASE", url);
        if (user() != null) env.put("TOLLGATE_DATABASE_USER", user());
        return env;
    }

    /** A plain JDBC connection, for a test's own checks. */
    public Connection connect() throws SQLException {
        return kind == Kind.SQLITE ? DriverManager.getConnection("jdbc:sqlite:" + url) : DriverManager.getConnection(url, user(), "");
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        try {
            switch (kind) {
                case SQLITE -> {
                    try (var files = Files.list(sqliteDir)) {
                        for (Path p : files.toList()) Files.deleteIfExists(p);
                    }
                    Files.deleteIfExists(sqliteDir);
                }
                case POSTGRESQL -> admin(TestServices.postgresUrl("test"), TestServices.postgresUser(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                case MARIADB -> admin(TestServices.mariadbUrl("test"), TestServices.mariadbUser(), "DROP DATABASE IF EXISTS " + name);
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("cannot drop the test database " + name + ": " + e.getMessage(), e);
        }
    }

    private static void admin(String url, String user, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
