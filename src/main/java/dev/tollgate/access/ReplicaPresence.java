package dev.tollgate.access;

import dev.tollgate.config.ConfigException;
import dev.tollgate.store.Database;
import dev.tollgate.store.ReplicaRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This replica's entry in the database's list of running replicas. At start-up it looks at the
 * others: replicas on one database that count limits and budgets each in its own memory would
 * hold every limit once per replica, so without shared counters (Redis) a second replica refuses
 * to start, unless per-replica limits were chosen ({@code TOLLGATE_LIMITS_SCOPE=replica}). The
 * replica's id is kept in its data directory, so a replica restarted after a crash is not taken
 * for another one.
 */
public final class ReplicaPresence implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("tollgate");
    static final long HEARTBEAT_MS = 5_000;
    /** A replica silent for this long is taken for gone. */
    static final long ALIVE_MS = 3 * HEARTBEAT_MS;

    private final Database db;
    private final ReplicaRepository.Replica self;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-replica-heartbeat");
        t.setDaemon(true);
        return t;
    });

    private ReplicaPresence(Database db, ReplicaRepository.Replica self) {
        this.db = db;
        this.self = self;
    }

    /**
     * Checks the other replicas and registers this one (blocking: start-up only).
     * {@code sharedState}: "redis" (shared counters), "replica" (per-replica by choice) or "memory".
     */
    public static ReplicaPresence join(Database db, Path dataDir, String sharedState) {
        long now = System.currentTimeMillis();
        String id = replicaId(dataDir);
        List<ReplicaRepository.Replica> others = db.write(c -> ReplicaRepository.aliveSince(c, now - ALIVE_MS, id)).join();
        if (!others.isEmpty()) {
            ReplicaRepository.Replica other = others.get(0);
            String seen = "another gateway (" + other.id() + ", last heard from " + Math.max(0, (now - other.heartbeatAt()) / 1000)
                    + " s ago) uses this database";
            if (sharedState.equals("memory")) {
                throw new ConfigException(seen + ", and this one has no shared counters: every rate limit and budget would hold once "
                        + "per replica. Set TOLLGATE_REDIS_URL (the same Redis) on every replica, or TOLLGATE_LIMITS_SCOPE=replica to "
                        + "run with per-replica limits knowingly.");
            }
            boolean mixed = others.stream().anyMatch(o -> !o.sharedState().equals(sharedState));
            if (sharedState.equals("replica")) {
                LOG.warn("{}: TOLLGATE_LIMITS_SCOPE=replica, so every rate limit and budget holds per replica ({} running)", seen,
                        others.size() + 1);
            } else if (mixed) {
                LOG.warn("{} without the same shared counters: its limits and budgets are not shared with this one", seen);
            }
        }
        ReplicaRepository.Replica self = new ReplicaRepository.Replica(id, now, now, sharedState);
        db.write(c -> {
            ReplicaRepository.heartbeat(c, self);
            return null;
        }).join();
        ReplicaPresence p = new ReplicaPresence(db, self);
        p.ticker.scheduleWithFixedDelay(p::beat, HEARTBEAT_MS, HEARTBEAT_MS, TimeUnit.MILLISECONDS);
        return p;
    }

    public String id() {
        return self.id();
    }

    private void beat() {
        db.write(c -> {
            ReplicaRepository.heartbeat(c, new ReplicaRepository.Replica(self.id(), self.startedAt(), System.currentTimeMillis(),
                    self.sharedState()));
            return null;
        }).exceptionally(e -> null); // the database is away: the ledger says so; the next beat tries again
    }

    /** The id this data directory's replica goes by, made on its first start. */
    static String replicaId(Path dataDir) {
        Path file = dataDir.resolve("replica-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (id.matches("rep_[0-9a-f]{16}")) return id;
            }
            String id = dev.tollgate.keys.RandomIds.of("rep_", 8);
            Files.createDirectories(dataDir);
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new IllegalStateException("cannot keep this replica's id in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Leaves the list (graceful stop): other replicas may start at once. */
    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            db.write(c -> {
                ReplicaRepository.remove(c, self.id());
                return null;
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("could not leave the list of running replicas ({}); the entry expires by itself", e.getClass().getSimpleName());
        }
    }
}
