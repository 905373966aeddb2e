package dev.tollgate.config;

/**
 * A configuration problem; the message always names the offending key. It is printed as it is,
 * so it is scrubbed here, once for every source: credentials in URLs ({@code http://user:***@host})
 * and anything shaped like a key never reach the terminal or a log.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(dev.tollgate.secret.Redaction.scrub(message), null, false, false);
    }
}
