package dev.tollgate.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.json.Json;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

/**
 * Application log lines as one JSON object each. Throwables are reduced to their class name: a
 * stack trace or exception message could carry request content or an upstream address.
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {

    @Override
    public String doLayout(ILoggingEvent event) {
        StringWriter out = new StringWriter(160);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString().toLowerCase(java.util.Locale.ROOT));
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("message", SecretScrubber.forLogs().scrub(event.getFormattedMessage()));
            IThrowableProxy t = event.getThrowableProxy();
            if (t != null) g.writeStringField("exception", t.getClassName());
            g.writeEndObject();
        } catch (IOException e) {
            return "{\"level\":\"error\",\"message\":\"log line could not be written\"}\n";
        }
        return out.append('\n').toString();
    }
}
