package dev.tollgate.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Key secrets: {@code tg-} plus 43 URL-safe characters (256 random bits), shown once. Only the
 * SHA-256 of a secret is stored: with that much entropy a fast hash cannot be brute-forced, and
 * it keeps every request's lookup to one hash (a slow password hash would cost milliseconds).
 */
public final class KeySecrets {

    public static final String PREFIX = "tg-";
    private static final int DISPLAY_CHARS = 8;

    private KeySecrets() {}

    public static String newSecret() {
        return dev.tollgate.keys.RandomIds.secret(PREFIX);
    }

    /** An id for a key record: {@code key_} plus 24 hex characters. */
    public static String newId() {
        return dev.tollgate.keys.RandomIds.of("key_", 12);
    }

    /** What may be shown of a secret: "tg-AbCd1234". */
    public static String displayPrefix(String secret) {
        return secret.substring(0, Math.min(secret.length(), PREFIX.length() + DISPLAY_CHARS));
    }

    public static String hash(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** Whether a presented value could be one of our secrets (cheap check before hashing). */
    public static boolean looksLikeKey(String value) {
        if (value == null || value.length() < PREFIX.length() + 32 || value.length() > 200 || !value.startsWith(PREFIX)) return false;
        for (int i = PREFIX.length(); i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) return false;
        }
        return true;
    }

    /** Compares in time independent of where the values differ (both are hashed to equal length first). */
    public static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) return false;
        return MessageDigest.isEqual(sha256(a), sha256(b));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
