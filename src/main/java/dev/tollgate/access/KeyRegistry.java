package dev.tollgate.access;

import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;

import dev.tollgate.config.SettingCatalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every key and user/team record, held in memory so that a request's key lookup is one SHA-256
 * and one map read. The database is the durable copy; the admin API changes both (database
 * first). A rotated key's old hash maps to the key until its grace period ends.
 */
public final class KeyRegistry {

    /** A key with its settings parsed once. */
    public record Entry(ApiKey key, KeySettings settings) {}

    private final SettingCatalog catalog;
    private final ConcurrentHashMap<String, Entry> byHash = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Principal> principals = new ConcurrentHashMap<>();
    /** Counts changes, so that a waiting reader (a data plane's long poll) learns of one without comparing contents. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

    public KeyRegistry(SettingCatalog catalog) {
        this.catalog = catalog;
    }

    public SettingCatalog catalog() {
        return catalog;
    }

    /** Adds or replaces a key (after a create, revoke or rotate). */
    public synchronized Entry put(ApiKey key) {
        Entry entry = new Entry(key, KeySettings.parse(key.settings(), catalog));
        Entry old = byId.put(key.id(), entry);
        if (old != null) {
            byHash.remove(old.key().secretHash());
            if (old.key().previousHash() != null) byHash.remove(old.key().previousHash());
        }
        byHash.put(key.secretHash(), entry);
        if (key.previousHash() != null) byHash.put(key.previousHash(), entry);
        changes.incrementAndGet();
        return entry;
    }

    /** Forgets a key (a data plane's snapshot no longer has it). */
    public synchronized void removeKey(String id) {
        Entry old = byId.remove(id);
        if (old == null) return;
        byHash.remove(old.key().secretHash());
        if (old.key().previousHash() != null) byHash.remove(old.key().previousHash());
        changes.incrementAndGet();
    }

    /** How many changes this registry has seen: a different number means something may have changed. */
    public long changeCount() {
        return changes.get();
    }

    /** The key whose secret this is, or null. An old secret past its grace period matches nothing. */
    public Entry bySecret(String secret, long now) {
        String hash = KeySecrets.hash(secret);
        Entry e = byHash.get(hash);
        if (e == null) return null;
        ApiKey k = e.key();
        if (!hash.equals(k.secretHash()) && now >= k.previousValidUntil()) return null;
        return e;
    }

    public Entry byId(String id) {
        return byId.get(id);
    }

    public List<ApiKey> keys() {
        List<ApiKey> out = new ArrayList<>();
        for (Entry e : byId.values()) out.add(e.key());
        out.sort(Comparator.comparingLong(ApiKey::createdAt).thenComparing(ApiKey::id));
        return out;
    }

    public void put(Principal p) {
        principals.put(p.subject(), p);
        changes.incrementAndGet();
    }

    public void remove(Principal.Kind kind, String id) {
        principals.remove(kind.id + ":" + id);
        changes.incrementAndGet();
    }

    public Principal principal(Principal.Kind kind, String id) {
        return id == null ? null : principals.get(kind.id + ":" + id);
    }

    public Collection<Principal> principals() {
        return principals.values();
    }
}
