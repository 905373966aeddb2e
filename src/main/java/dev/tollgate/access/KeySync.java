package dev.tollgate.access;

import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.sharedstate.ChangeFeed;
import dev.tollgate.store.Database;
import dev.tollgate.store.KeyChanges;
import dev.tollgate.store.KeyRepository;
import dev.tollgate.store.UsageQueries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps this replica's keys, users and teams in step with the database when other replicas change
 * them: a change announced on the feed is reloaded at once; every poll interval the keys changed
 * since the last poll, and the whole (small) table of users and teams, are read again; a presented
 * key this replica has never seen is looked up once (made a moment ago elsewhere), with a bounded
 * negative cache so that a flood of made-up keys cannot turn into a flood of queries.
 * All database work runs on the store's threads; nothing here blocks an event loop.
 */
public final class KeySync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("tollgate");
    /** Unknown hashes remembered at most: past it the oldest half is forgotten. */
    private static final int NEGATIVE_CACHE_MAX = 100_000;

    private final Database db;
    private final KeyRegistry keys;
    private final Budgets budgets;
    private final ChangeFeed feed;
    private final long pollMs;
    private final LongSupplier clock;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-key-sync");
        t.setDaemon(true);
        return t;
    });
    /** The newest updated_at seen; the next poll reads from a little before it (writers' clocks differ). */
    private volatile long newestSeen;
    private final ConcurrentHashMap<String, Long> unknownUntil = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<KeyRegistry.Entry>> lookups = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong lookupQueries = new java.util.concurrent.atomic.AtomicLong();

    public KeySync(Database db, KeyRegistry keys, Budgets budgets, ChangeFeed feed, long pollMs, LongSupplier clock) {
        this.db = db;
        this.keys = keys;
        this.budgets = budgets;
        this.feed = feed;
        this.pollMs = pollMs;
        this.clock = clock;
    }

    /** Starts listening and polling; {@code newestAtLoad} is the newest updated_at of the keys loaded at start-up. */
    public void start(long newestAtLoad) {
        newestSeen = newestAtLoad;
        feed.subscribe(this::onChange);
        ticker.scheduleWithFixedDelay(this::pollQuietly, pollMs, pollMs, TimeUnit.MILLISECONDS);
    }

    /** Tells every replica (this one too) that a key, user or team changed: "key:&lt;id&gt;", "user:&lt;id&gt;", "team:&lt;id&gt;". */
    public void announce(String change) {
        feed.publish(change);
    }

    // ---- announced changes ---------------------------------------------------------------------

    void onChange(String change) {
        int colon = change.indexOf(':');
        if (colon <= 0) return;
        String kind = change.substring(0, colon);
        String id = change.substring(colon + 1);
        switch (kind) {
            case "key" -> db.read(c -> KeyChanges.byId(c, id)).thenAccept(k -> {
                if (k != null) apply(k);
            }).exceptionally(this::reloadFailed);
            case "user", "team" -> {
                Principal.Kind pk = kind.equals("user") ? Principal.Kind.USER : Principal.Kind.TEAM;
                db.read(c -> KeyChanges.principal(c, pk, id)).thenAccept(p -> {
                    if (p != null) apply(p);
                    else removeIfNotNewer(pk, id, Long.MAX_VALUE);
                }).exceptionally(this::reloadFailed);
            }
            default -> { }
        }
    }

    private Void reloadFailed(Throwable e) {
        LOG.warn("reloading a changed key from the database failed ({}); the next poll retries", e.getClass().getSimpleName());
        return null;
    }

    // ---- polling -------------------------------------------------------------------------------

    private volatile boolean pollFailing;

    private void pollQuietly() {
        try {
            poll().get(30, TimeUnit.SECONDS);
            if (pollFailing) LOG.info("polling the database for key changes works again");
            pollFailing = false;
        } catch (Exception e) {
            if (!pollFailing) LOG.warn("polling the database for key changes failed ({}); keys stay as they are until it answers",
                    e.getClass().getSimpleName());
            pollFailing = true;
        }
    }

    /** One poll: keys changed since a little before the newest seen, and every user and team. */
    public CompletableFuture<Void> poll() {
        long since = Math.max(0, newestSeen - Math.max(2_000, 2 * pollMs));
        long startedAt = clock.getAsLong();
        return db.read(c -> new Polled(KeyChanges.since(c, since), KeyRepository.allPrincipals(c))).thenCompose(p -> {
            List<CompletableFuture<?>> applied = new java.util.ArrayList<>();
            for (KeyChanges.Changed v : p.keys()) {
                applied.add(apply(v.key()));
                if (v.at() > newestSeen) newestSeen = v.at();
            }
            Set<String> present = new HashSet<>();
            for (Principal pr : p.principals()) {
                applied.add(apply(pr));
                present.add(pr.subject());
            }
            for (Principal local : List.copyOf(keys.principals())) {
                // Deleted elsewhere; one made here after this read began is kept for the next poll to see.
                if (!present.contains(local.subject()) && local.updatedAt() < startedAt) removeIfNotNewer(local.kind(), local.id(), startedAt);
            }
            return CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new));
        });
    }

    private record Polled(List<KeyChanges.Changed> keys, List<Principal> principals) {}

    // ---- keys never seen -----------------------------------------------------------------------

    /**
     * Looks up a key by its hash in the database, at most once per hash per poll interval (a miss
     * is remembered that long), and adds it when found. Completes with the entry or null.
     */
    public CompletableFuture<KeyRegistry.Entry> lookUp(String hash) {
        long now = System.currentTimeMillis();
        Long until = unknownUntil.get(hash);
        if (until != null && until > now) return CompletableFuture.completedFuture(null);
        return lookups.computeIfAbsent(hash, h -> {
            lookupQueries.incrementAndGet();
            CompletableFuture<KeyRegistry.Entry> f = db.read(c -> KeyChanges.byHash(c, h)).handle((k, e) -> {
                if (e != null || k == null) {
                    rememberUnknown(h, now);
                    return CompletableFuture.<KeyRegistry.Entry>completedFuture(null);
                }
                return apply(k);
            }).thenCompose(entry -> entry);
            f.whenComplete((r, e) -> lookups.remove(h));
            return f;
        });
    }

    private void rememberUnknown(String hash, long now) {
        if (unknownUntil.size() >= NEGATIVE_CACHE_MAX) {
            unknownUntil.entrySet().removeIf(e -> e.getValue() <= now || unknownUntil.size() > NEGATIVE_CACHE_MAX / 2);
        }
        unknownUntil.put(hash, now + Math.max(1_000, pollMs));
    }

    /** Database queries made for keys never seen (tests check the negative cache with it). */
    public long lookupQueries() {
        return lookupQueries.get();
    }

    // ---- applying ------------------------------------------------------------------------------

    /**
     * Applies a key read from the database unless what this replica holds is newer: revoking and
     * rotating only move forward, so an older read (a poll that began before a local change) never
     * undoes them. A key is put where requests find it only once its budget account is there: a
     * key seen here for the first time would otherwise have its first calls admitted, before the
     * ledger read for its budget completed, without being held to the budget (found by the
     * replica proof: 52 of a budget of 50 worst cases).
     */
    CompletableFuture<KeyRegistry.Entry> apply(ApiKey k) {
        KeyRegistry.Entry current = keys.byId(k.id());
        if (current != null && !newer(k, current.key())) return CompletableFuture.completedFuture(current);
        return budgetReady("key:" + k.id(), "key_id", k.id(), k.budget()).thenApply(v -> putIfNewer(k));
    }

    private static boolean newer(ApiKey k, ApiKey c) {
        return !(k.revokedAt() < c.revokedAt() || k.rotatedAt() < c.rotatedAt() || k.equals(c));
    }

    /** Checked again at the put: another read of the same key may have been applied meanwhile. */
    private synchronized KeyRegistry.Entry putIfNewer(ApiKey k) {
        KeyRegistry.Entry current = keys.byId(k.id());
        if (current != null && !newer(k, current.key())) return current;
        unknownUntil.remove(k.secretHash());
        if (k.previousHash() != null) unknownUntil.remove(k.previousHash());
        return keys.put(k);
    }

    /** Likewise for a user or team: its limits and budget take effect together. */
    CompletableFuture<Void> apply(Principal p) {
        Principal current = keys.principal(p.kind(), p.id());
        if (current != null && (current.updatedAt() > p.updatedAt() || current.equals(p))) return CompletableFuture.completedFuture(null);
        return budgetReady(p.subject(), p.kind() == Principal.Kind.USER ? "user_id" : "team_id", p.id(), p.budget())
                .thenRun(() -> putIfNewer(p));
    }

    private synchronized void putIfNewer(Principal p) {
        Principal current = keys.principal(p.kind(), p.id());
        if (current != null && (current.updatedAt() > p.updatedAt() || current.equals(p))) return;
        keys.put(p);
    }

    private void removeIfNotNewer(Principal.Kind kind, String id, long before) {
        Principal current = keys.principal(kind, id);
        if (current == null || current.updatedAt() >= before) return;
        keys.remove(kind, id);
        budgets.remove(kind.id + ":" + id);
    }

    /**
     * A budget learnt from another replica, set before its key, user or team is: a new account
     * starts from what the ledger holds for its period (read off the event loop); an existing one
     * keeps what it spent. Completes when the account is in place.
     */
    private CompletableFuture<Void> budgetReady(String subject, String column, String id, dev.tollgate.budget.Budget budget) {
        long now = clock.getAsLong();
        if (budget == null) {
            budgets.remove(subject);
            return CompletableFuture.completedFuture(null);
        }
        if (budgets.has(subject)) {
            budgets.set(subject, budget, 0, now); // keeps what it spent this period
            return CompletableFuture.completedFuture(null);
        }
        return db.read(c -> UsageQueries.spentSince(c, column, id, budget.period().start(now)))
                .thenAccept(spent -> budgets.set(subject, budget, spent, now))
                .exceptionally(e -> {
                    budgets.set(subject, budget, 0, now);
                    return null;
                });
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        feed.close();
    }
}
