package dev.tollgate.server;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;

/**
 * The caller's request body as a stream to the upstream, counting bytes: past the limit the
 * upload is stopped; every chunk re-arms the idle timeout; the end is reported.
 */
final class LimitedUpload implements ReadStream<Buffer> {

    private final HttpServerRequest req;
    private final long max;
    private final Runnable onChunk;
    private final Runnable onTooLarge;
    private final Runnable onEnd;
    private long seen;
    private boolean stopped;
    private Buffer prefix;            // bytes read before the upload started (a held form head)
    private Handler<Buffer> handler;
    private final Handler<Throwable> onError;
    private final java.util.function.Predicate<Buffer> inspect;

    /** {@code onError}: the request's own error handling, which the upstream pipe must not replace. */
    LimitedUpload(HttpServerRequest req, long max, Runnable onChunk, Runnable onTooLarge, Runnable onEnd, Buffer prefix,
                  Handler<Throwable> onError) {
        this(req, max, onChunk, onTooLarge, onEnd, prefix, onError, chunk -> true);
    }

    /** {@code inspect} sees each chunk before it is forwarded; false stops the upload (it reports why itself). */
    LimitedUpload(HttpServerRequest req, long max, Runnable onChunk, Runnable onTooLarge, Runnable onEnd, Buffer prefix,
                  Handler<Throwable> onError, java.util.function.Predicate<Buffer> inspect) {
        this.inspect = inspect;
        this.req = req;
        this.onError = onError;
        this.max = max;
        this.onChunk = onChunk;
        this.onTooLarge = onTooLarge;
        this.onEnd = onEnd;
        this.prefix = prefix;
        this.seen = prefix == null ? 0 : prefix.length();
    }

    /** The held prefix goes first, when the pipe starts reading. */
    private void emitPrefix() {
        Buffer p = prefix;
        if (p != null && handler != null) {
            prefix = null;
            handler.handle(p);
        }
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        if (handler == null) {
            req.handler(null);
            return this;
        }
        this.handler = handler;
        req.handler(chunk -> {
            if (stopped) return;
            seen += chunk.length();
            if (seen > max) {
                stopped = true;
                onTooLarge.run();
                return;
            }
            onChunk.run();
            if (!inspect.test(chunk)) {
                stopped = true;
                return;
            }
            handler.handle(chunk);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        if (endHandler == null) {
            req.endHandler(null);
            return this;
        }
        req.endHandler(v -> {
            if (stopped) return;
            onEnd.run();
            endHandler.handle(v);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        req.exceptionHandler(handler == null ? onError : e -> {
            onError.handle(e);
            handler.handle(e);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        req.pause();
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        emitPrefix();
        req.resume();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        emitPrefix();
        req.fetch(amount);
        return this;
    }
}
