package dev.tollgate.config;

/** A configuration problem; the message always names the offending key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
