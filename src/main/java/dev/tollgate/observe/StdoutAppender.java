package dev.tollgate.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/** Logback appender for application logs: JSON lines through the same writer as the request log. */
public final class StdoutAppender extends AppenderBase<ILoggingEvent> {

    private final JsonLineLayout layout = new JsonLineLayout();

    @Override
    public void start() {
        layout.setContext(getContext());
        layout.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        String line = layout.doLayout(event);
        StdoutLines.get().offer(line.endsWith("\n") ? line.substring(0, line.length() - 1) : line);
    }
}
