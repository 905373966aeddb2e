package dev.tollgate.admin;

import dev.tollgate.access.AccessControl;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.api.ApiError;
import dev.tollgate.access.KeyRegistry;
import dev.tollgate.access.KeySecrets;
import dev.tollgate.keys.Principal;
import dev.tollgate.budget.Budget;
import dev.tollgate.limits.Limits;
import dev.tollgate.store.Database;
import dev.tollgate.store.KeyRepository;
import dev.tollgate.store.UsageQueries;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The admin operations: each writes the database first (on the store writer) and then updates
 * the in-memory registry, so a change is durable before it takes effect.
 */
public final class AdminService {

    /** A key just made or rotated, with its secret: shown once, never stored. */
    public record IssuedKey(ApiKey key, String secret) {}

    /** An operation on something that does not exist (404) or cannot be done in its state (409). */
    public static final class Refused extends RuntimeException {
        final int status;
        final String code;

        Refused(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    private final AccessControl access;
    private final Database db;

    public AdminService(AccessControl access) {
        this.access = access;
        this.db = access.database();
    }

    public CompletableFuture<IssuedKey> create(KeySpec spec) {
        String secret = KeySecrets.newSecret();
        long now = access.now();
        ApiKey key = new ApiKey(KeySecrets.newId(), spec.name(), KeySecrets.displayPrefix(secret), KeySecrets.hash(secret), null, 0,
                spec.user(), spec.team(), spec.labels(), spec.allowedModels(), spec.allowedEndpoints(), spec.settings(),
                spec.limits(), spec.budget(), spec.expiresAt(), now, 0, 0);
        return db.write(c -> {
            KeyRepository.insert(c, key);
            return key;
        }).thenApply(saved -> {
            access.keys().put(saved);
            if (saved.budget() != null) access.budgets().set("key:" + saved.id(), saved.budget(), 0, now);
            access.announce("key:" + saved.id());
            return new IssuedKey(saved, secret);
        });
    }

    public ApiKey get(String id) {
        KeyRegistry.Entry e = access.keys().byId(id);
        if (e == null) throw new Refused(404, "key_not_found", "No key with id '" + ApiError.clip(id) + "'.");
        return e.key();
    }

    public List<ApiKey> list() {
        return access.keys().keys();
    }

    public CompletableFuture<ApiKey> revoke(String id) {
        ApiKey k = get(id);
        if (k.revokedAt() != 0) return CompletableFuture.completedFuture(k);
        ApiKey revoked = k.revoked(access.now());
        return db.write(c -> {
            KeyRepository.update(c, revoked);
            return revoked;
        }).thenApply(saved -> {
            access.keys().put(saved);
            access.announce("key:" + saved.id());
            return saved;
        });
    }

    /**
     * Changes a key's settings in place (the fields named in {@code fields}, taken from {@code spec}); its
     * secret stays. A budget new to the key starts from what the ledger holds for this period.
     */
    public CompletableFuture<ApiKey> edit(String id, KeySpec spec, java.util.Set<String> fields) {
        ApiKey k = get(id);
        long now = access.now();
        if (k.revokedAt() != 0) throw new Refused(409, "key_not_active", "Key '" + k.id() + "' is revoked and cannot be changed.");
        ApiKey e = new ApiKey(k.id(), fields.contains("name") ? spec.name() : k.name(), k.prefix(), k.secretHash(), k.previousHash(),
                k.previousValidUntil(), fields.contains("user") ? spec.user() : k.user(), fields.contains("team") ? spec.team() : k.team(),
                fields.contains("labels") ? spec.labels() : k.labels(),
                fields.contains("allowed_models") ? spec.allowedModels() : k.allowedModels(),
                fields.contains("allowed_endpoints") ? spec.allowedEndpoints() : k.allowedEndpoints(),
                fields.contains("settings") ? spec.settings() : k.settings(), fields.contains("limits") ? spec.limits() : k.limits(),
                fields.contains("budget") ? spec.budget() : k.budget(),
                fields.contains("expires_at") || fields.contains("expires_in") ? spec.expiresAt() : k.expiresAt(),
                k.createdAt(), k.revokedAt(), k.rotatedAt());
        String subject = "key:" + k.id();
        boolean known = access.budgets().has(subject);
        return db.write(c -> {
            KeyRepository.update(c, e, now);
            return e.budget() == null || known ? 0L : UsageQueries.spentSince(c, "key_id", k.id(), e.budget().period().start(now));
        }).thenApply(spent -> {
            access.keys().put(e);
            access.budgets().set(subject, e.budget(), spent, now);
            access.announce(subject);
            return e;
        });
    }

    /** A new secret; the old one keeps working for {@code graceSeconds} (0: stops at once). */
    public CompletableFuture<IssuedKey> rotate(String id, long graceSeconds) {
        ApiKey k = get(id);
        long now = access.now();
        if (k.status(now) != ApiKey.Status.ACTIVE) {
            throw new Refused(409, "key_not_active", "Key '" + k.id() + "' is " + k.status(now).name().toLowerCase(java.util.Locale.ROOT)
                    + " and cannot be rotated.");
        }
        String secret = KeySecrets.newSecret();
        ApiKey rotated = k.rotated(KeySecrets.displayPrefix(secret), KeySecrets.hash(secret), now + graceSeconds * 1000, now);
        return db.write(c -> {
            KeyRepository.update(c, rotated);
            return rotated;
        }).thenApply(saved -> {
            access.keys().put(saved);
            access.announce("key:" + saved.id());
            return new IssuedKey(saved, secret);
        });
    }

    public CompletableFuture<Principal> put(Principal.Kind kind, String id, Limits limits, Budget budget) {
        long now = access.now();
        Principal p = new Principal(kind, id, limits, budget, now);
        String subject = p.subject();
        boolean known = access.budgets().has(subject);
        return db.write(c -> {
            KeyRepository.upsert(c, p);
            // A new budget starts from what the ledger already holds for this period.
            return budget == null || known ? 0L : UsageQueries.spentSince(c, kind == Principal.Kind.USER ? "user_id" : "team_id", id,
                    budget.period().start(now));
        }).thenApply(spent -> {
            access.keys().put(p);
            access.budgets().set(subject, budget, spent, now);
            access.announce(subject);
            return p;
        });
    }

    public Principal principal(Principal.Kind kind, String id) {
        Principal p = access.keys().principal(kind, id);
        if (p == null) throw new Refused(404, kind.id + "_not_found", "No " + kind.id + " '" + ApiError.clip(id) + "' has limits or a budget.");
        return p;
    }

    public CompletableFuture<Boolean> delete(Principal.Kind kind, String id) {
        principal(kind, id);
        return db.write(c -> KeyRepository.delete(c, kind, id)).thenApply(deleted -> {
            access.keys().remove(kind, id);
            access.budgets().remove(kind.id + ":" + id);
            access.announce(kind.id + ":" + id);
            return deleted;
        });
    }

    public CompletableFuture<List<UsageQueries.Row>> usage(UsageQueries.GroupBy by, long from, long to, Map<String, String> filters) {
        // Rows of requests already answered are written first, so a report never misses them.
        return access.ledger().flushAsync().thenCompose(v -> db.read(c -> UsageQueries.report(c, by, from, to, filters)));
    }
}
