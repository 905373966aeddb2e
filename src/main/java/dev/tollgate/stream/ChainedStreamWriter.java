package dev.tollgate.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.caller.CallerCodec;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.chain.Exchange;
import dev.tollgate.trace.RequestTrace;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.wire.AnswerCodec;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Frame;
import dev.tollgate.wire.Interest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * Writes stream events to the caller through the chain: each event is decoded as far as the
 * reading policies ask, runs the answer phase, and is encoded back (its own bytes when nothing
 * changed) into the caller's format; a policy abort ends the stream with an error event. Serves
 * both relayed upstream streams and answers the gateway makes itself.
 */
public final class ChainedStreamWriter {

    private final Exchange ex;
    private final ChainRunner chain;
    private final HttpServerResponse client;
    private final AnswerCodec codec;
    private final ChainRunner.AnswerReaders readers;
    private final CallerCodec caller;
    private final WriteCoalescer out;
    private final RequestTrace trace;
    private boolean terminal;
    private boolean aborted;

    public ChainedStreamWriter(Exchange ex, ChainRunner chain, HttpServerResponse client, AnswerCodec codec, RequestTrace trace) {
        this.ex = ex;
        this.chain = chain;
        this.client = client;
        this.codec = codec;
        this.readers = chain.answerReaders(ex);
        this.caller = ex.callerCodec();
        this.out = new WriteCoalescer(client);
        this.trace = trace;
        trace.answerPhaseStarted(readers);
    }

    /** Where events go: a relay gathers the events of one upstream read into one write with it. */
    public WriteCoalescer output() {
        return out;
    }

    /** Writes one event; false once a policy has ended the stream. */
    public boolean write(StreamChunk chunk) {
        if (aborted) return false;
        if (codec.isTerminal(chunk)) terminal = true;
        trace.answerEvent(chunk);
        if (readers.interest() == Interest.NONE) {
            recordFailure(codec.failureOf(chunk));
            codec.passedUndecoded(chunk); // a Responses error event the gateway may add must number after it
            out.write(caller.event(chunk));
            return true;
        }
        long started = trace.clock();
        Frame f = Frame.of(chunk);
        List<AnswerEvent> in = codec.decode(f, readers.interest());
        for (AnswerEvent e : in) if (e instanceof AnswerEvent.Failure failure) recordFailure(failure.message());
        ChainRunner.EventResult r = chain.onEvents(ex, readers, in);
        trace.policiesRan(started);
        if (r.abort() != null) {
            abort(r.abort());
            return false;
        }
        for (StreamChunk c : codec.encode(f, in, r.events())) out.write(caller.event(c));
        return true;
    }

    /** Whether the stream's terminal event ([DONE], response.completed, ...) has been written. */
    public boolean sawTerminal() {
        return terminal;
    }

    public boolean aborted() {
        return aborted;
    }

    /** A policy ended the stream: error event, then a clean end (the answer is deliberately cut). */
    private void abort(ApiError error) {
        aborted = true;
        ex.errorMessage(error.message());
        trace.answerAborted(error);
        out.write(errorEvent(error.status(), error.toJson()));
        out.flush();
        client.end();
    }

    /**
     * The provider reported an error mid-stream (translated to OpenAI's {@code openAiError}): the
     * policies see it as the API's own error event decodes ({@link AnswerEvent.Failure}); returns
     * the error event for the caller. The stream ends there, so nothing held back is released.
     */
    public Buffer providerFailure(int status, ObjectNode openAiError) {
        StreamChunk failure = codec.failureEvent(openAiError);
        if (readers.interest() != Interest.NONE) {
            List<AnswerEvent> in = new java.util.ArrayList<>(codec.decode(Frame.of(failure), readers.interest()));
            in.removeIf(e -> e instanceof AnswerEvent.End);
            chain.onEvents(ex, readers, in); // the error ends the answer whatever a policy makes of it
        }
        recordFailure(codec.failureOf(failure));
        return errorEvent(status, openAiError);
    }

    /** The upstream's words for the request log, when nothing said more first. */
    private void recordFailure(String message) {
        if (message == null) return;
        trace.answerFailed("upstream_error");
        if (ex.errorMessage() != null) return;
        message = message.strip();
        ex.errorMessage(message.length() > 500 ? message.substring(0, 500) + "…" : message);
    }

    /** An error event in the caller's format: for an OpenAI caller the API's own error event (a Responses {@code error}, numbered). */
    public Buffer errorEvent(int status, ObjectNode openAiError) {
        if (!caller.isIdentity()) return caller.error(status, openAiError);
        return codec.gatewayEvent(codec.failureEvent(openAiError)).toWire();
    }
}
