package dev.tollgate.support;

import org.junit.jupiter.api.Assumptions;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The real services some tests need: PostgreSQL, MariaDB and Redis, at the addresses the
 * environment gives (defaults: the development machine's 127.0.0.1 services), and other things
 * outside the test class path (the container image, promtool). Where one is not
 * reachable, its tests are skipped with one line on the console saying how to start it, unless
 * {@code TG_TEST_SERVICES=required} (set by {@code .ci/run}): then they fail, so CI can
 * never pass by skipping them.
 */
public final class TestServices {

    /** One service: its name, address and how to start it. */
    public record Service(String name, String host, int port, String howToStart) {
        String address() {
            return host + ":" + port;
        }
    }

    public static final Service POSTGRES = new Service("PostgreSQL",
            env("TG_TEST_POSTGRES_HOST", "127.0.0.1"), Integer.parseInt(env("TG_TEST_POSTGRES_PORT", "5432")),
            "apt-get install postgresql (trust auth for 127.0.0.1, database 'test'), or: docker compose -f deploy/compose/test-services.yaml up -d");
    public static final Service MARIADB = new Service("MariaDB",
            env("TG_TEST_MARIADB_HOST", "127.0.0.1"), Integer.parseInt(env("TG_TEST_MARIADB_PORT", "3306")),
            "apt-get install mariadb-server (root with an empty password, database 'test'), or: docker compose -f deploy/compose/test-services.yaml up -d");
    public static final Service REDIS = new Service("Redis",
            env("TG_TEST_REDIS_HOST", "127.0.0.1"), Integer.parseInt(env("TG_TEST_REDIS_PORT", "6379")),
            "apt-get install redis-server, or: docker compose -f deploy/compose/test-services.yaml up -d");

    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private TestServices() {}

    /** Whether a missing service fails the test (CI) rather than skipping it. */
    public static boolean required() {
        return "required".equalsIgnoreCase(System.getenv("TG_TEST_SERVICES"));
    }

    /** Returns when the service answers on its port; otherwise skips the calling test, or fails it under CI. */
    public static void need(Service s) {
        if (reachable(s)) return;
        missing(s.name(), s.name() + " is not reachable at " + s.address(), "start it", s.howToStart());
    }

    /**
     * Returns when something else a test needs is at hand (a tool, a built artifact); otherwise skips the
     * calling test with one line saying how to get it, or fails it under CI, as for a service.
     */
    public static void need(String what, boolean present, String howToGet) {
        if (!present) missing(what, what + " is missing", "get it", howToGet);
    }

    private static void missing(String name, String problem, String verb, String how) {
        String line = problem + ": its tests are skipped. To run them: " + how;
        if (required()) throw new AssertionError(problem + " and TG_TEST_SERVICES=required: " + verb + " (" + how + ")");
        if (REPORTED.add(name)) console(line);
        Assumptions.abort(line);
    }

    /** JDBC URL of the PostgreSQL server's database {@code db}. */
    public static String postgresUrl(String db) {
        return "jdbc:postgresql://" + POSTGRES.address() + "/" + db;
    }

    public static String postgresUser() {
        return env("TG_TEST_POSTGRES_USER", "postgres");
    }

    /** JDBC URL of the MariaDB server's database {@code db}. */
    public static String mariadbUrl(String db) {
        return "jdbc:mariadb://" + MARIADB.address() + "/" + db;
    }

    public static String mariadbUser() {
        return env("TG_TEST_MARIADB_USER", "root");
    }

    public static String redisUrl() {
        return "redis://" + REDIS.address();
    }

    static boolean reachable(Service s) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(s.host(), s.port()), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Surefire sends the tests' System.out to report files; this line belongs on the console. */
    @SuppressWarnings("resource") // the process's own stderr: never closed
    private static void console(String line) {
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8).println("[tollgate-tests] " + line);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
