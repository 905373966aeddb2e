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
}
