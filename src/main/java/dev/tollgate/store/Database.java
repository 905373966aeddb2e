package dev.tollgate.store;

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
 * The embedded SQLite store. SQLite runs one writer at a time, so writes go through one
 * connection on one thread (the "store writer": admin changes and ledger batches) and reports
 * read through a second connection on another thread; WAL mode lets them run side by side.
 * No event loop ever touches JDBC: callers get a future.
 */
public final class Database implements AutoCloseable {

    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Connection writer;
    private final Connection reader;
    private final ExecutorService writeThread = Executors.newSingleThreadExecutor(r -> daemon(r, "tollgate-store-writer"));
    private final ExecutorService readThread = Executors.newSingleThreadExecutor(r -> daemon(r, "tollgate-store-reader"));

    private Database(String url) throws SQLException {
        this.writer = connect(url);
        this.reader = connect(url);
    }

    /** Opens (creating if needed) the database file and brings its schema up to date. */
    public static Database open(String file) throws SQLException {
        String url = "jdbc:sqlite:" + file;
        Flyway.configure()
                .dataSource(url, null, null)
                .locations("classpath:db/migration")
                .loggers("slf4j")
                .load()
                .migrate();
        return new Database(url);
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
        return CompletableFuture.supplyAsync(() -> transaction(writer, work), writeThread);
    }

    /** Runs work on the reader thread. */
    public <T> CompletableFuture<T> read(Work<T> work) {
        return CompletableFuture.supplyAsync(() -> call(reader, work), readThread);
    }

    /** Runs work on the calling thread with the writer connection; only for start-up and the writer thread. */
    public <T> T writeNow(Work<T> work) {
        return transaction(writer, work);
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
