package dev.tollgate.keys;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Record ids made here: a prefix that says what they name, then random hex ("key_…", "lr_…", "rep_…"). */
public final class RandomIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private RandomIds() {}

    /** {@code prefix} plus {@code bytes} random bytes in hex (two characters each). */
    public static String of(String prefix, int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    /** A secret: {@code prefix} plus 256 random bits, base64url without padding (keys, tokens, session ids, OIDC state). */
    public static String secret(String prefix) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return prefix + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
