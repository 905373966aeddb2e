package dev.tollgate.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The SQL store: the embedded SQLite file by default, or a PostgreSQL or MySQL/MariaDB server that
 * replicas share. Writes go through one thread (the "store writer": admin changes and ledger
 * batches, in order) and reads run beside it; SQLite keeps one connection for each (WAL mode lets
 * them run side by side), a server is reached through a small pool whose other connections serve
 * reads on as many reader threads. No event loop ever touches JDBC: callers get a future.
 */
public final class Database implements AutoCloseable {

    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Where the store is: a JDBC URL and, for a server, its user and password (the password is never shown). */
    public record Target(String url, String user, String password, int poolSize) {
        /** The setting's value: a SQLite file, or a jdbc: URL (jdbc:mysql: is served by the MariaDB driver). */
        public static Target of(String setting, String user, String password, int poolSize) {
            String v = setting.trim();
            if (!v.regionMatches(true, 0, "jdbc:", 0, 5)) return new Target("jdbc:sqlite:" + v, null, null, 1);
            if (v.regionMatches(true, 0, "jdbc:mysql:", 0, 11)) v = "jdbc:mariadb:" + v.substring(11);
            return new Target(v, user, password, poolSize);
        }

        public SqlDialect dialect() {
            return SqlDialect.ofUrl(url);
        }

        /**
         * What is wrong with a database given as {@code name} by itself (a password in it, a JDBC
         * URL of no supported database), or null; {@code passwordHow} says where the password goes
         * instead ("in TOLLGATE_DATABASE_PASSWORD_ENV"). The value is shown only without its
         * parameters, and never when it holds a password.
         */
        public static String problem(String name, String value, String passwordHow) {
            if (holdsPassword(value)) return name + " must not hold a password: put it in an environment variable and name that " + passwordHow;
            Target t = of(value, null, null, 1);
            if (t.dialect() != null) return null;
            return name + ": unsupported database URL " + t.display() + " (a SQLite file, or jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql:)";
        }

        /** Whether a JDBC URL carries a password (a {@code password=} parameter, or {@code user:password@} before the host). */
        public static boolean holdsPassword(String setting) {
            String lower = setting.trim().toLowerCase(java.util.Locale.ROOT);
            return lower.startsWith("jdbc:") && (lower.contains("password=") || lower.matches("jdbc:[a-z]+://[^/?]*:[^/?]*@.*"));
        }

        /** For logs and messages: a SQLite file's path, or a server's URL without its parameters. */
        public String display() {
            if (dialect() == SqlDialect.SQLITE) return url.substring("jdbc:sqlite:".length());
            int q = url.indexOf('?');
            return q < 0 ? url : url.substring(0, q) + "?…";
        }

        @Override
        public String toString() {
            return display();
        }
    }

    private final SqlDialect dialect;
    private final Connection writer;
    private final Connection reader;
    private final HikariDataSource pool;
    private final ExecutorService writeThread = Executors.newSingleThreadExecutor(r -> daemon(r, "tollgate-store-writer"));
    /** SQLite: one thread on its one reader connection; a server: as many as the pool has connections beside the writer's. */
    private final ExecutorService readThread;

    private Database(String url) throws SQLException {
        this.dialect = SqlDialect.SQLITE;
        this.writer = connect(url);
        this.reader = connect(url);
        this.pool = null;
        this.readThread = Executors.newSingleThreadExecutor(r -> daemon(r, "tollgate-store-reader"));
    }

    private Database(SqlDialect dialect, HikariDataSource pool) {
        this.dialect = dialect;
        this.writer = null;
        this.reader = null;
        this.pool = pool;
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.readThread = Executors.newFixedThreadPool(Math.max(1, pool.getMaximumPoolSize() - 1),
                r -> daemon(r, "tollgate-store-reader-" + n.incrementAndGet()));
    }

    /** Opens (creating if needed) the SQLite file and brings its schema up to date. */
    public static Database open(String file) throws SQLException {
        return open(Target.of(file, null, null, 1));
    }

    /** Opens the store at {@code target} and brings its schema up to date (migrations of its dialect). */
    public static Database open(Target target) throws SQLException {
        SqlDialect dialect = target.dialect();
        if (dialect == null) {
            throw new SQLException("unsupported database URL " + target.display() + " (jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql:)");
        }
        if (dialect == SqlDialect.SQLITE) {
            migrateSqlite(target.url());
            return new Database(target.url());
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(target.url());
        config.setUsername(target.user());
        config.setPassword(target.password());
        config.setMaximumPoolSize(Math.max(2, target.poolSize()));
        config.setMinimumIdle(1);
        config.setPoolName("tollgate-store");
        config.setConnectionTimeout(5_000); // an unreachable server fails a write quickly: the ledger spools instead
        config.setValidationTimeout(2_000);
        config.setInitializationFailTimeout(10_000);
        // Days in usage reports are UTC days, whatever the server's own time zone.
        if (dialect == SqlDialect.MYSQL) config.setConnectionInitSql("SET time_zone = '+00:00'");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            Throwable t = e;
            while (t.getCause() != null) t = t.getCause();
            throw new SQLException("cannot connect to " + target.display() + ": " + t.getMessage(), e);
        }
        try {
            migrate(Flyway.configure().dataSource(pool), dialect);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Database(dialect, pool);
    }

    /**
     * Flyway takes no lock on SQLite, so gateways started together on one new file (replicas on one
     * host) would run its migrations at once and all but one fail to start. They take turns here,
     * holding an OS lock on a file beside the database ({@code <file>.migrate-lock}) while they migrate.
     */
    private static void migrateSqlite(String url) {
        String file = url.substring("jdbc:sqlite:".length());
        Runnable run = () -> migrate(Flyway.configure().dataSource(url, null, null), SqlDialect.SQLITE);
        if (file.isEmpty() || file.startsWith(":") || file.startsWith("file:")) { // in memory, or a URI: nothing to lock beside
            run.run();
            return;
        }
        java.nio.file.Path lockFile = java.nio.file.Path.of(file + ".migrate-lock");
        synchronized (SQLITE_MIGRATIONS) { // an OS file lock is held per JVM: threads of one process take turns here
            lockAndRun(lockFile, run);
        }
    }

    private static final Object SQLITE_MIGRATIONS = new Object();

    private static void lockAndRun(java.nio.file.Path lockFile, Runnable run) {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock ignored = channel.lock()) {
            run.run();
        } catch (java.io.IOException cannotLock) {
            run.run(); // e.g. a missing directory: SQLite reports that itself
        }
    }

    /** Brings the schema at {@code target} up to date without opening a store on it (tools: {@code tollgate db copy}). */
    public static void migrate(Target target) throws SQLException {
        SqlDialect dialect = target.dialect();
        if (dialect == null) throw new SQLException("unsupported database URL " + target.display());
        try {
            migrate(Flyway.configure().dataSource(target.url(), target.user(), target.password()), dialect);
        } catch (org.flywaydb.core.api.FlywayException e) {
            throw new SQLException("cannot migrate " + target.display() + ": " + e.getMessage(), e);
        }
    }

    /** A plain connection to {@code target}, outside any store (tools; the caller closes it). */
    public static Connection connect(Target target) throws SQLException {
        return target.user() == null && target.password() == null ? DriverManager.getConnection(target.url())
                : DriverManager.getConnection(target.url(), target.user(), target.password() == null ? "" : target.password());
    }

    private static void migrate(org.flywaydb.core.api.configuration.FluentConfiguration flyway, SqlDialect dialect) {
        flyway.locations(dialect.migrations()).loggers("slf4j").load().migrate();
    }

    public SqlDialect dialect() {
        return dialect;
    }

    private static Connection connect(String url) throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");   // WAL + NORMAL: durable across process crashes
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("PRAGMA foreign_keys=ON");
        }
        return c;
    }

    /** Runs work on the writer thread; a failure rolls its transaction back. */
    public <T> CompletableFuture<T> write(Work<T> work) {
        return CompletableFuture.supplyAsync(() -> writeNow(work), writeThread);
    }

    /** Runs work on a reader thread (reads may run side by side on a server). */
    public <T> CompletableFuture<T> read(Work<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            if (pool == null) return call(reader, work);
            try (Connection c = pool.getConnection()) {
                return call(c, work);
            } catch (SQLException e) {
                throw new StoreException(e);
            }
        }, readThread);
    }

    /** Runs work in a transaction on the calling thread; only for start-up and the writer thread. */
    public <T> T writeNow(Work<T> work) {
        if (pool == null) return transaction(writer, work);
        try (Connection c = pool.getConnection()) {
            return transaction(c, work);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static <T> T transaction(Connection c, Work<T> work) {
        try {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static <T> T call(Connection c, Work<T> work) {
        try {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** The writer thread, for the ledger's scheduled flushes. */
    ExecutorService writeThread() {
        return writeThread;
    }

    @Override
    public void close() {
        shutdown(readThread);
        shutdown(writeThread);
        if (pool != null) {
            pool.close();
            return;
        }
        try {
            reader.close();
            writer.close();
        } catch (SQLException ignored) {
            // closing: nothing left to do
        }
    }

    private static void shutdown(ExecutorService e) {
        e.shutdown();
        try {
            e.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A database failure; its message is for logs, never for callers. */
    public static final class StoreException extends RuntimeException {
        public StoreException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
