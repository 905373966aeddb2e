package dev.tollgate.trace;

import dev.tollgate.secret.Redaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * The OpenTelemetry SDK reports through java.util.logging (a collector that cannot be reached,
 * a refused export); its warnings become the gateway's own JSON log lines instead of plain text
 * on stderr.
 */
final class SdkLogBridge extends Handler {

    private static final Logger LOG = LoggerFactory.getLogger("tollgate.tracing");
    private static final java.util.logging.Formatter TEXT = new java.util.logging.SimpleFormatter();
    private static boolean installed;

    static synchronized void install() {
        if (installed) return;
        installed = true;
        java.util.logging.Logger sdk = java.util.logging.Logger.getLogger("io.opentelemetry");
        sdk.setUseParentHandlers(false);
        sdk.setLevel(Level.WARNING);
        sdk.addHandler(new SdkLogBridge());
    }

    @Override
    public void publish(LogRecord r) {
        if (r.getLevel().intValue() < Level.WARNING.intValue()) return;
        String message = Redaction.scrub(TEXT.formatMessage(r));
        Throwable cause = r.getThrown();
        if (cause != null) message += ": " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : Redaction.scrub(cause.getMessage()));
        if (r.getLevel().intValue() >= Level.SEVERE.intValue()) LOG.error("{}", message);
        else LOG.warn("{}", message);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
