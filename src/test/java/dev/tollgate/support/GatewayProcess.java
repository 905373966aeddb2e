package dev.tollgate.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in a process of its own ({@code tollgate serve} on the test class path), for the
 * proofs that need real replicas: several of them on one database and one Redis, one killed with
 * SIGKILL mid-burst. Configured only through its environment, as in production; its output goes
 * to a log file the test can read.
 */
public final class GatewayProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code tollgate serve} on a free loopback port with exactly this environment (plus
     * HOST, PORT and PATH) and waits until {@code /readyz} answers 200.
     */
    public static GatewayProcess start(Map<String, String> env, Path logDir, String name) throws IOException, InterruptedException {
        return start(env, logDir, name, freePort());
    }

    /** As above, on a given port (a control plane restarted where its data planes look for it). */
    public static GatewayProcess start(Map<String, String> env, Path logDir, String name, int port) throws IOException, InterruptedException {
        GatewayProcess g = launch(env, logDir, name, port);
        g.awaitReady(Duration.ofSeconds(60));
        return g;
    }

    /**
     * Starts {@code tollgate serve} without waiting for it to be ready: for a process that should
     * refuse to start, or that is not ready by design. Its log is appended to, so a restart keeps the earlier lines.
     */
    public static GatewayProcess launch(Map<String, String> env, Path logDir, String name, int port) throws IOException {
        Path log = logDir.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=logback.xml", // production logging, not the tests' silent one
                "-cp", System.getProperty("java.class.path"), "dev.tollgate.Main", "serve"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().put("HOST", "127.0.0.1");
        pb.environment().put("PORT", Integer.toString(port));
        pb.environment().putAll(env);
        return new GatewayProcess(pb.start(), port, log);
    }

    /** The exit code once the process has ended, waiting at most {@code timeout}; the process is killed if still running. */
    public int exitCode(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the gateway process did not exit within " + timeout);
        }
        return process.exitValue();
    }

    private void awaitReady(Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("gateway process exited with " + process.exitValue() + ":\n" + logText());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url("/readyz"))).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("gateway process not ready within " + timeout + ":\n" + logText());
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** What the process has written so far (its log lines and request lines). */
    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** SIGKILL: no shutdown hook, nothing flushed, as a crashed node. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait: the graceful stop an orchestrator does. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) stop();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
