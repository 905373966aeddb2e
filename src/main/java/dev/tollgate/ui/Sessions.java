package dev.tollgate.ui;

import dev.tollgate.access.KeySecrets;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The dashboard's sessions, in this process's memory: each id is 256 random bits, and only its
 * SHA-256 is kept, so a heap dump does not yield a usable cookie. A session ends after
 * {@link #IDLE_MILLIS} without use or {@link #ABSOLUTE_MILLIS} after sign-in, whichever comes first.
 * The sign-in paths (admin token, single sign-on) call {@link #create}.
 */
public final class Sessions {

    public static final String COOKIE = "tollgate_session";
    public static final long IDLE_MILLIS = 2 * 3_600_000L;
    public static final long ABSOLUTE_MILLIS = 8 * 3_600_000L;
    /** A bound on memory: sign-ins beyond it push out the oldest sessions. */
    static final int MAX_SESSIONS = 10_000;


    private final LongSupplier clock;
    private final Map<String, Entry> byHash = new ConcurrentHashMap<>();

    private static final class Entry {
        final Session session;
        volatile long lastSeen;

        Entry(Session session, long lastSeen) {
            this.session = session;
            this.lastSeen = lastSeen;
        }
    }

    public Sessions(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    /** Starts a session; the returned value carries the cookie value, which is not kept. */
    public Session create(Role role, String subject) {
        long now = clock.getAsLong();
        purge(now);
        String id = random();
        Session s = new Session(id, role, subject, random(), now);
        byHash.put(KeySecrets.hash(id), new Entry(s.withoutCookie(), now));
        return s;
    }

    /** The live session with this cookie value (and marks it used), or empty. */
    public Optional<Session> find(String cookieValue) {
        if (cookieValue == null || cookieValue.isEmpty() || cookieValue.length() > 100) return Optional.empty();
        String hash = KeySecrets.hash(cookieValue);
        Entry e = byHash.get(hash);
        if (e == null) return Optional.empty();
        long now = clock.getAsLong();
        if (expired(e, now)) {
            byHash.remove(hash);
            return Optional.empty();
        }
        e.lastSeen = now;
        return Optional.of(e.session);
    }

    /** Ends the session with this cookie value, if there is one. */
    public void end(String cookieValue) {
        if (cookieValue != null && !cookieValue.isEmpty()) byHash.remove(KeySecrets.hash(cookieValue));
    }

    public int size() {
        return byHash.size();
    }

    private static boolean expired(Entry e, long now) {
        return now - e.lastSeen >= IDLE_MILLIS || now - e.session.createdAtMillis() >= ABSOLUTE_MILLIS;
    }

    private void purge(long now) {
        byHash.values().removeIf(e -> expired(e, now));
        while (byHash.size() >= MAX_SESSIONS) {
            byHash.entrySet().stream().min(java.util.Comparator.comparingLong(x -> x.getValue().lastSeen))
                    .ifPresent(oldest -> byHash.remove(oldest.getKey()));
        }
    }

    private static String random() {
        return dev.tollgate.keys.RandomIds.secret("");
    }

    /** The session cookie's value in a Cookie header, or null. */
    public static String cookieValue(String cookieHeader) {
        return cookie(cookieHeader, COOKIE);
    }

    /** The value of the cookie {@code name} in a Cookie header, or null. */
    static String cookie(String cookieHeader, String name) {
        if (cookieHeader == null) return null;
        for (String part : cookieHeader.split(";")) {
            String p = part.trim();
            if (p.startsWith(name + "=")) return p.substring(name.length() + 1);
        }
        return null;
    }
}
