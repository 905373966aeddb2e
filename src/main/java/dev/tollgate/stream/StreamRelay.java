package dev.tollgate.stream;

import dev.tollgate.api.ApiError;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.chain.Exchange;
import dev.tollgate.wire.StreamChunk;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.observe.SecretScrubber;
import dev.tollgate.provider.StreamError;
import dev.tollgate.provider.StreamTranslator;
import dev.tollgate.http.Deadlines;
import dev.tollgate.trace.RequestTrace;
import dev.tollgate.wire.Codecs;
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
    private final HttpClientResponse upstream;
    private final HttpServerResponse client;
    private final Deadlines.Deadline idle;
    private final long idleMs;
    private final Runnable onFinished;
    private final SseParser parser = new SseParser();
    private final ChainedStreamWriter writer;
    private final StreamTranslator translator;
    private final SecretScrubber scrubber;
    private final RequestTrace trace;
    private boolean finished;

    /**
     * With a translator (may be null), a provider's events become OpenAI chunks before the chain
     * sees them. Error events are scrubbed of the gateway's credentials; other events are relayed as they are.
     */
    public StreamRelay(Exchange ex, ChainRunner chain, HttpClientResponse upstream, HttpServerResponse client,
                       Deadlines deadlines, long idleMs, Runnable onFinished, SecretScrubber scrubber, StreamTranslator translator,
                       RequestTrace trace) {
        this.trace = trace;
        this.translator = translator;
        this.scrubber = scrubber;
        this.ex = ex;
        this.upstream = upstream;
        this.client = client;
        this.idleMs = idleMs;
        this.onFinished = onFinished;
        this.writer = new ChainedStreamWriter(ex, chain, client, Codecs.of(ex.endpoint().kind()), trace);
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
        ex.upstreamFirstChunk(); // timed once: time to first chunk (metrics)
        idle.arm(idleMs);
        writer.output().begin(); // the events of this read leave together, at its end
        try {
            parser.feed(data, this::onEvent);
        } catch (SseParser.EventTooLarge e) {
            fail("The upstream sent a malformed stream.", "stream_malformed");
            return;
        } finally {
            writer.output().flush();
            if (writer.output().wrote()) ex.firstOutput(); // timed once: time to first token as the caller sees it
        }
        if (!finished && client.writeQueueFull()) {
            upstream.pause();
            client.drainHandler(v -> upstream.resume());
        }
    }

    private void onEvent(StreamChunk chunk) {
        if (finished) return;
        if (translator == null) {
            write(chunk);
            return;
        }
        List<StreamChunk> out;
        try {
            out = translator.onEvent(chunk);
        } catch (StreamError e) {
            providerError(e);
            return;
        } catch (RuntimeException malformed) {
            fail("The upstream sent a malformed stream.", "stream_malformed");
            return;
        }
        for (StreamChunk c : out) {
            if (finished) return;
            write(c);
        }
    }

    private void write(StreamChunk chunk) {
        if (SecretScrubber.isErrorEvent(chunk)) {
            // The upstream reported an error mid-stream: its words may echo a credential.
            chunk = scrubber.scrubEvent(chunk); // the writer records its words for the log, as the codec reads them
        }
        if (!writer.write(chunk)) {
            // A policy ended the stream: stop the upstream too.
            finished = true;
            idle.disarm();
            upstream.request().reset();
            onFinished.run();
        }
    }

    private void onEnd() {
        if (finished) return;
        ex.upstreamEnded();
        parser.finish(this::onEvent);
        if (finished) return;
        if (translator != null) {
            for (StreamChunk c : translator.onEnd()) {
                if (finished) return;
                write(c);
            }
            if (finished) return;
        }
        if (!writer.sawTerminal() || parser.hasPartialEvent()) {
            fail("The upstream ended the stream before it was complete; the answer is incomplete.", "stream_interrupted");
            return;
        }
        finished = true;
        idle.disarm();
        client.end();
        onFinished.run();
    }

    /** The provider reported an error mid-stream: its (translated) error event, then a reset. */
    private void providerError(StreamError e) {
        writer.output().flush(); // events gathered before the error go first
        finished = true;
        idle.disarm();
        ex.upstreamEnded();
        trace.answerFailed("upstream_error");
        ObjectNode error = scrubber.scrub(e.openAiError());
        upstream.request().reset();
        // The policies see it, the log records it, the caller gets it; then a reset, as for any broken stream.
        client.write(writer.providerFailure(e.status(), error)).onComplete(v -> client.reset());
        onFinished.run();
    }

    private void fail(String message, String code) {
        if (finished) return;
        writer.output().flush(); // events gathered before the failure go first
        finished = true;
        idle.disarm();
        ex.upstreamEnded();
        if (ex.errorMessage() == null) ex.errorMessage(message); // an error the upstream reported first says more
        trace.answerFailed(code);
        upstream.request().reset();
        ApiError error = new ApiError(502, "upstream_error", code, message, null);
        // Error event first, then reset rather than end: an SDK reads the error, and a client reading
        // raw HTTP sees a broken transfer, never a complete one.
        client.write(writer.errorEvent(error.status(), error.toJson())).onComplete(v -> client.reset());
        onFinished.run();
    }
}
