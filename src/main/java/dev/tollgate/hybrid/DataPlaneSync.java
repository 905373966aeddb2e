package dev.tollgate.hybrid;

import dev.tollgate.access.AccessControl;
import dev.tollgate.access.AccessSettings;
import dev.tollgate.config.Settings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * A data plane's copy of its control plane's configuration. At start it serves from the saved
 * snapshot (if one passes its checks); then it long-polls the control plane without pause, so a
 * change (a revoked key) arrives within a moment, and fetches the whole snapshot every
 * {@code CONFIG_CACHE_MINUTES} as well. Each snapshot is checked before use: one that fails is
 * logged as an error and the previous one kept. HTTP goes through Vert.x's client, file work
 * through worker threads.
 */
public final class DataPlaneSync implements AutoCloseable {

    static final String ID_HEADER = "x-tollgate-dataplane-id";
    static final String VERSION_HEADER = "x-tollgate-dataplane-version";
    static final int LONG_POLL_SECONDS = 30;
    static final String ID_FILE = "tollgate-dataplane.id";
    private static final long LOG_EVERY_MS = 30_000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    private final Vertx vertx;
    private final Context context;
    private final HttpClient client;
    private final URI base;
    private final String token;
    private final String planeId;
    private final AccessControl access;
    private final SettingsLayer settingsLayer;
    private final SnapshotFile file;
    private final long refreshMillis;
    private final LongSupplier clock;
    private volatile Snapshot current;
    /** The usage rows waiting to be sent, reported with each snapshot request (null: not reported). */
    private volatile java.util.function.IntSupplier rowsWaiting;
    /** When the control plane last confirmed {@link #current} (sent it, or answered 304); 0: never (from disk). */
    private volatile long confirmedAt;
    private volatile boolean closed;
    private int failures;
    private long lastFailureLog;
    private long refreshTimer = -1;

    /**
     * Where a snapshot's travelling settings go. {@link #prepare} checks them all (off the event
     * loop: it may read word-list files) and builds what they make (router, prices, limits),
     * throwing {@link IllegalArgumentException} naming the first problems; the returned action puts
     * them in force at once, and runs only when the whole snapshot passed.
     */
    public interface SettingsLayer {
        Runnable prepare(com.fasterxml.jackson.databind.node.ObjectNode settings);
    }

    private DataPlaneSync(Vertx vertx, Settings s, AccessControl access, SettingsLayer settingsLayer, String planeId, LongSupplier clock) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.base = URI.create(HybridSettings.controlPlaneUrl(s));
        this.token = HybridSettings.token(s);
        this.planeId = planeId;
        this.access = access;
        this.settingsLayer = settingsLayer;
        this.file = new SnapshotFile(Path.of(s.get(AccessSettings.DATA_DIR)));
        this.refreshMillis = HybridSettings.refreshMillis(s);
        this.clock = clock;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000)
                .setSsl("https".equalsIgnoreCase(base.getScheme())).setForceSni(true));
    }

    /**
     * Loads the saved snapshot (blocking: call at start-up, not on an event loop) and starts
     * following the control plane.
     */
    public static DataPlaneSync start(Vertx vertx, Settings s, AccessControl access, SettingsLayer settingsLayer, LongSupplier clock) {
        Path dataDir = Path.of(s.get(AccessSettings.DATA_DIR));
        DataPlaneSync sync = new DataPlaneSync(vertx, s, access, settingsLayer, planeId(dataDir), clock);
        sync.loadSaved();
        sync.context.runOnContext(v -> {
            sync.poll();
            sync.refreshTimer = vertx.setPeriodic(sync.refreshMillis, t -> sync.fetch(0, null).onFailure(sync::failed));
        });
        return sync;
    }

    /** This data plane's id, kept in its data directory so that it stays the same across restarts. */
    static String planeId(Path dataDir) {
        Path f = dataDir.resolve(ID_FILE);
        try {
            if (Files.exists(f)) {
                String id = Files.readString(f, StandardCharsets.UTF_8).trim();
                if (id.matches("dp_[0-9a-f]{16,64}")) return id;
            }
            String id = dev.tollgate.keys.RandomIds.of("dp_", 8);
            Files.createDirectories(f.toAbsolutePath().getParent());
            Files.writeString(f, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new IllegalStateException("cannot use " + AccessSettings.DATA_DIR.key() + ": " + e.getMessage(), e);
        }
    }

    private void loadSaved() {
        try {
            Snapshot saved = file.load();
            if (saved == null) {
                LOG.info("data plane {}: no saved snapshot; waiting for the control plane", planeId);
                return;
            }
            apply(checked(saved));
            LOG.info("data plane {}: serving from the saved snapshot {} ({} keys) until the control plane answers",
                    planeId, shortVersion(saved), saved.keys().size());
        } catch (Snapshot.Invalid e) {
            LOG.error("data plane {}: rejected the saved snapshot {}: {}", planeId, file.path(), e.getMessage());
        } catch (IOException e) {
            LOG.error("data plane {}: cannot read the saved snapshot {}: {}", planeId, file.path(), e.getClass().getSimpleName());
        }
    }

    /** The long poll: one request after another, with a growing pause after failures. */
    private void poll() {
        if (closed) return;
        Snapshot held = current;
        // Until the control plane has confirmed what this plane holds (at start, after a failure), ask without waiting.
        boolean confirmed = held != null && confirmedAt != 0 && failures == 0;
        fetch(confirmed ? LONG_POLL_SECONDS : 0, held == null ? null : held.version()).onComplete(ar -> {
            if (closed) return;
            if (ar.succeeded()) {
                failures = 0;
                poll();
            } else {
                failed(ar.cause());
                failures++;
                vertx.setTimer(Math.min(10_000, 250L << Math.min(failures, 6)), t -> poll());
            }
        });
    }

    /** One snapshot request; completes once the answer is applied (or was "not modified"). */
    Future<Void> fetch(int waitSeconds, String heldVersion) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(base.getHost())
                .setPort(base.getPort() > 0 ? base.getPort() : "https".equalsIgnoreCase(base.getScheme()) ? 443 : 80)
                .setURI(basePath() + SnapshotEndpoint.PATH + "?wait=" + waitSeconds)
                .setTimeout((waitSeconds + 15) * 1000L)
                .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .putHeader(ID_HEADER, planeId)
                .putHeader(VERSION_HEADER, version());
        java.util.function.IntSupplier waiting = rowsWaiting;
        if (waiting != null) options.putHeader(UsageShipper.WAITING_HEADER, Integer.toString(waiting.getAsInt()));
        Snapshot held = current;
        if (held != null) options.putHeader(HttpHeaders.IF_NONE_MATCH, "\"" + held.version() + "\"");
        return client.request(options).compose(req -> req.send()).compose(resp -> resp.body().compose(body -> {
            if (resp.statusCode() == 304) {
                confirmedAt = clock.getAsLong();
                return Future.succeededFuture();
            }
            if (resp.statusCode() != 200) {
                return Future.failedFuture(new Refused(resp.statusCode() == 401
                        ? "the control plane refused TOLLGATE_DATA_PLANE_TOKEN (401)" : "the control plane answered " + resp.statusCode()));
            }
            return received(body);
        }));
    }

    /** Checks a snapshot off the event loop, applies it here, and saves it off the event loop. */
    private Future<Void> received(Buffer body) {
        return vertx.executeBlocking(() -> checked(Snapshot.parse(body.getBytes())), false).transform(ar -> {
            if (ar.failed()) {
                String why = ar.cause() instanceof Snapshot.Invalid ? ar.cause().getMessage() : ar.cause().getClass().getSimpleName();
                Snapshot kept = current;
                LOG.error("data plane {}: rejected a snapshot from the control plane: {}; keeping {}", planeId, why,
                        kept == null ? "none (not ready)" : shortVersion(kept));
                return Future.failedFuture(new Refused("rejected snapshot: " + why));
            }
            Checked c = ar.result();
            Snapshot s = c.snapshot();
            Snapshot before = current;
            confirmedAt = clock.getAsLong();
            if (before != null && before.version().equals(s.version())) return Future.succeededFuture();
            apply(c);
            LOG.info("data plane {}: snapshot {} in use ({} keys)", planeId, shortVersion(s), s.keys().size());
            vertx.executeBlocking(() -> {
                file.save(s);
                return null;
            }, false).onFailure(e -> LOG.error("data plane {}: cannot save the snapshot to {}: {}", planeId, file.path(), e.getClass().getSimpleName()));
            return Future.succeededFuture();
        });
    }

    /** A snapshot that passed every check, and what puts its gateway-wide settings in force. */
    private record Checked(Snapshot snapshot, Runnable settings) {}

    /**
     * Every key's settings must mean something to this data plane (a setting of a policy it does
     * not have, from a newer control plane, say), and so must the gateway-wide settings (a models
     * list naming a provider or credential this data plane lacks, a bad price): otherwise the
     * whole snapshot is refused, never half applied.
     */
    private Checked checked(Snapshot s) {
        for (dev.tollgate.keys.ApiKey k : s.keys()) {
            try {
                dev.tollgate.access.KeySettings.parse(k.settings(), access.keys().catalog());
            } catch (IllegalArgumentException e) {
                throw new Snapshot.Invalid("key " + k.id() + ": " + e.getMessage());
            }
        }
        try {
            return new Checked(s, settingsLayer.prepare(s.settings()));
        } catch (IllegalArgumentException e) {
            throw new Snapshot.Invalid("settings: " + e.getMessage());
        }
    }

    /** The gateway-wide settings first: a key that arrives with them may rely on a price or a model they bring. */
    private synchronized void apply(Checked c) {
        Snapshot s = c.snapshot();
        c.settings().run();
        access.replaceKeys(s.keys(), s.principals());
        current = s;
    }

    private void failed(Throwable e) {
        long now = clock.getAsLong();
        if (now - lastFailureLog < LOG_EVERY_MS) return;
        lastFailureLog = now;
        String why = e instanceof Refused ? e.getMessage() : "control plane unreachable (" + e.getClass().getSimpleName() + ")";
        Snapshot s = current;
        LOG.warn("data plane {}: {}; serving {}", planeId, why, s == null ? "nothing yet (not ready)" : "snapshot " + shortVersion(s));
    }

    /** What {@code /readyz} says about the snapshot. */
    public Status status() {
        Snapshot s = current;
        long now = clock.getAsLong();
        long confirmed = confirmedAt;
        return Status.of(s == null ? null : s.version(), confirmed == 0 ? -1 : now - confirmed, refreshMillis);
    }

    /** A data plane's snapshot state: none (not ready), fresh, or stale (the control plane has not confirmed it lately). */
    public record Status(String version, long ageMs, boolean loaded, boolean stale) {
        static Status of(String version, long ageMs, long refreshMillis) {
            boolean loaded = version != null;
            return new Status(version, ageMs, loaded, loaded && (ageMs < 0 || ageMs > refreshMillis + staleMargin(refreshMillis)));
        }

        /** A refresh may be late by a failed attempt or two before the snapshot counts as stale. */
        static long staleMargin(long refreshMillis) {
            return Math.max(30_000, refreshMillis / 2);
        }

        public String toJson() {
            if (!loaded) return "{\"status\":\"not_ready\",\"snapshot\":\"none\"}";
            return "{\"status\":\"" + (stale ? "degraded" : "ready") + "\",\"snapshot\":\"" + (stale ? "stale" : "fresh")
                    + "\",\"snapshot_version\":\"" + version + "\",\"snapshot_confirmed_seconds_ago\":"
                    + (ageMs < 0 ? "null" : Long.toString(ageMs / 1000)) + "}";
        }
    }

    /** Reports the usage rows waiting with each snapshot request. */
    public void reportRowsWaiting(java.util.function.IntSupplier waiting) {
        this.rowsWaiting = waiting;
    }

    public String planeId() {
        return planeId;
    }

    private String basePath() {
        String p = base.getRawPath();
        return p == null ? "" : p.replaceAll("/+$", "");
    }

    static String version() {
        String v = DataPlaneSync.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static String shortVersion(Snapshot s) {
        return s.version().substring(0, 12);
    }

    @Override
    public void close() {
        closed = true;
        if (refreshTimer >= 0) vertx.cancelTimer(refreshTimer);
        client.close();
    }

    /** The control plane answered, but not with a usable snapshot. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
