package dev.tollgate.hybrid;

import dev.tollgate.store.Database;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The control plane's side of a snapshot request, in its database: whether the token is active,
 * and the data plane's contact record. A data plane long-polls without pause, so an unchanged
 * record is written at most every {@link #WRITE_EVERY_MS}.
 */
final class ControlPlaneContacts {

    static final long WRITE_EVERY_MS = 5_000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    private final Database db;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, DataPlaneTokens.DataPlane> lastWritten = new ConcurrentHashMap<>();
    /** Rows waiting as last written per data plane, and when. */
    private final ConcurrentHashMap<String, long[]> lastWaiting = new ConcurrentHashMap<>();

    ControlPlaneContacts(Database db, LongSupplier clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The id of the active token with this secret, or null. */
    CompletableFuture<String> authenticate(String secret) {
        return db.read(c -> {
            DataPlaneTokens.Token t = DataPlaneTokens.active(c, secret);
            return t == null ? null : t.id();
        });
    }

    void record(String planeId, String tokenId, String version, String snapshotVersion) {
        long now = clock.getAsLong();
        DataPlaneTokens.DataPlane last = lastWritten.get(planeId);
        if (last != null && last.tokenId().equals(tokenId) && last.version().equals(version)
                && last.snapshotVersion().equals(snapshotVersion) && now - last.lastContact() < WRITE_EVERY_MS) {
            return;
        }
        DataPlaneTokens.DataPlane dp = new DataPlaneTokens.DataPlane(planeId, tokenId, version, snapshotVersion,
                last == null ? now : last.firstContact(), now);
        lastWritten.put(planeId, dp);
        db.write(c -> {
            DataPlaneTokens.contact(c, dp);
            return null;
        }).whenComplete((v, err) -> {
            if (err != null) LOG.warn("could not record data plane {}'s contact: {}", planeId, err.getClass().getSimpleName());
        });
    }

    /** The rows a data plane said wait in its spool (a snapshot request's header): written when changed, or every few seconds. */
    void waiting(String planeId, long rows) {
        long now = clock.getAsLong();
        long[] last = lastWaiting.get(planeId);
        if (last != null && last[0] == rows && now - last[1] < WRITE_EVERY_MS) return;
        noteWaiting(planeId, rows);
        db.write(c -> {
            DataPlaneRows.waiting(c, planeId, rows);
            return null;
        }).whenComplete((v, err) -> {
            if (err != null) LOG.warn("could not record data plane {}'s rows waiting: {}", planeId, err.getClass().getSimpleName());
        });
    }

    /** What the database holds now for a data plane's rows waiting (a usage post wrote it). */
    void noteWaiting(String planeId, long rows) {
        lastWaiting.put(planeId, new long[] {rows, clock.getAsLong()});
    }
}
