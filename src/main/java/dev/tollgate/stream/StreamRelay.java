package dev.tollgate.stream;

import dev.tollgate.api.ApiError;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.server.Deadlines;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * Relays an upstream server-sent event stream to the caller event by event, through the chain,
 * with back-pressure: when the caller reads slowly the upstream is paused. A stream that ends
 * without its terminal event (an upstream cut) ends with an error event, never a clean end.
 */
public final class StreamRelay {

    private final Exchange ex;
    private final ChainRunner chain;
    private final HttpClientResponse upstream;
    private final HttpServerResponse client;
    private final Deadlines.Deadline idle;
    private final long idleMs;
    private final Runnable onFinished;
    private final SseParser parser = new SseParser();
    private boolean terminal;
    private boolean finished;

    public StreamRelay(Exchange ex, ChainRunner chain, HttpClientResponse upstream, HttpServerResponse client,
                       Deadlines deadlines, long idleMs, Runnable onFinished) {
        this.ex = ex;
        this.chain = chain;
        this.upstream = upstream;
        this.client = client;
        this.idleMs = idleMs;
        this.onFinished = onFinished;
        this.idle = deadlines.create(() -> fail("The upstream stream stalled and was ended by the gateway.", "stream_timeout"));
    }

    /** Response headers must already be set on the client response. */
    public void start() {
        client.setChunked(true);
        idle.arm(idleMs);
        upstream.handler(this::onData);
        upstream.endHandler(v -> onEnd());
        upstream.exceptionHandler(e -> fail("The upstream connection failed mid-stream; the answer is incomplete.", "stream_interrupted"));
    }

    /** The caller went away: stop reading, cancel the upstream. */
    public void cancel() {
        if (finished) return;
        finished = true;
        idle.disarm();
        upstream.request().reset();
    }

    private void onData(Buffer data) {
        if (finished) return;
        idle.arm(idleMs);
        try {
            parser.feed(data, this::onEvent);
        } catch (SseParser.EventTooLarge e) {
            fail("The upstream sent a malformed stream.", "stream_malformed");
            return;
        }
        if (!finished && client.writeQueueFull()) {
            upstream.pause();
            client.drainHandler(v -> upstream.resume());
        }
    }

    private void onEvent(StreamChunk chunk) {
        if (finished) return;
        if (isTerminal(chunk)) {
            terminal = true;
            for (StreamChunk held : chain.onStreamEnd(ex)) {
                if (!relay(held)) return;
            }
        }
        relay(chunk);
    }

    /** Runs one chunk through the chain and writes what comes out; false when the stream ended. */
    private boolean relay(StreamChunk chunk) {
        ChainRunner.ChunkResult r = chain.onChunk(ex, chunk);
        if (r.abort() != null) {
            abort(r.abort());
            return false;
        }
        if (r.chunk() != null) client.write(r.chunk().toWire());
        return true;
    }

    private static boolean isTerminal(StreamChunk chunk) {
        if (chunk.isDone()) return true;
        String event = chunk.event();
        return event != null && (event.equals("response.completed") || event.equals("response.failed")
                || event.equals("response.incomplete") || event.equals("error"));
    }

    private void onEnd() {
        if (finished) return;
        ex.upstreamEnded();
        parser.finish(this::onEvent);
        if (finished) return;
        if (!terminal || parser.hasPartialEvent()) {
            fail("The upstream ended the stream before it was complete; the answer is incomplete.", "stream_interrupted");
            return;
        }
        finished = true;
        idle.disarm();
        client.end();
        onFinished.run();
    }

    /** A policy ended the stream: error event, no more content, upstream cancelled. */
    private void abort(ApiError error) {
        finished = true;
        idle.disarm();
        ex.errorMessage(error.message());
        upstream.request().reset();
        client.write(StreamChunk.encode(null, error.toJson().toString()));
        client.end();
        onFinished.run();
    }

    private void fail(String message, String code) {
        if (finished) return;
        finished = true;
        idle.disarm();
        ex.upstreamEnded();
        ex.errorMessage(message);
        upstream.request().reset();
        ApiError error = new ApiError(502, "upstream_error", code, message, null);
        // Error event first, then reset rather than end: an SDK reads the error, and a client reading
        // raw HTTP sees a broken transfer, never a complete one.
        client.write(StreamChunk.encode(null, error.toJson().toString())).onComplete(v -> client.reset());
        onFinished.run();
    }
}
