package dev.tollgate.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.tollgate.observe.JsonLineLayout;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Captures every log line (request log and application logs) while open, formatted as written
 * to stdout, so tests can assert on exact lines and on secrets never appearing.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<String> appLines = new CopyOnWriteArrayList<>();
    private final JsonLineLayout layout = new JsonLineLayout();
    private final AutoCloseable requestListener = dev.tollgate.observe.RequestLog.listen(this.requestLines::add);
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    public LogCapture() {
        setName("capture");
        layout.start();
        start();
        root.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        appLines.add(layout.doLayout(event));
    }

    public List<String> requestLines() {
        return requestLines;
    }

    /** Application log lines (not request lines), as written. */
    public List<String> appLines() {
        return appLines;
    }

    /** Waits (briefly) for the n-th request line: the log is written when the exchange completes. */
    public String awaitRequestLine(int n) throws InterruptedException {
        for (int i = 0; i < 200 && requestLines.size() < n; i++) Thread.sleep(10);
        if (requestLines.size() < n) throw new AssertionError("expected " + n + " request log lines, got " + requestLines.size());
        return requestLines.get(n - 1);
    }

    public String all() {
        return String.join("\n", requestLines) + "\n" + appLines.stream().collect(Collectors.joining());
    }

    @Override
    public void close() {
        try {
            requestListener.close();
        } catch (Exception ignored) {
            // a list removal cannot fail
        }
        root.detachAppender(this);
        stop();
    }
}
