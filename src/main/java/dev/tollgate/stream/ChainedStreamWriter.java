package dev.tollgate.stream;

import dev.tollgate.api.ApiError;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.chain.StreamEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes stream events to the caller through the chain: each event runs the chunk phase; before
 * the terminal event the chain's held-back chunks are flushed; a policy abort ends the stream with
 * an error event. Serves both relayed upstream streams and answers the gateway makes itself.
 */
public final class ChainedStreamWriter {

    private final Exchange ex;
    private final ChainRunner chain;
    private final HttpServerResponse client;
    private final WriteCoalescer out;
    private boolean terminal;
    private boolean aborted;

    public ChainedStreamWriter(Exchange ex, ChainRunner chain, HttpServerResponse client) {
        this.ex = ex;
        this.chain = chain;
        this.client = client;
        this.out = new WriteCoalescer(client);
    }

    /** Where events go: a relay gathers the events of one upstream read into one write with it. */
    public WriteCoalescer output() {
        return out;
    }

    /** Writes one event; false once a policy has ended the stream. */
    public boolean write(StreamChunk chunk) {
        if (aborted) return false;
        // Kept before any policy sees it, until the upstream's usage arrives: if it never does,
        // what the upstream generated is counted (AccessControl.complete).
        if (ex.usage() == null && ex.endpoint().kind().streams && !chunk.isDone()) ex.streamedOutput().add(chunk.data());
        if (isTerminal(chunk)) {
            terminal = true;
            for (StreamChunk held : chain.onStreamEnd(ex)) {
                if (!relay(held)) return false;
            }
        }
        return relay(chunk);
    }

    /** Whether the stream's terminal event ([DONE], response.completed, ...) has been written. */
    public boolean sawTerminal() {
        return terminal;
    }

    public boolean aborted() {
        return aborted;
    }

    private boolean relay(StreamChunk chunk) {
        ChainRunner.ChunkResult r = chain.onChunk(ex, chunk);
        if (r.abort() != null) {
            abort(r.abort());
            return false;
        }
        StreamEncoder encoder = ex.streamEncoder();
        for (StreamChunk c : r.chunks()) out.write(encoder == null ? c.toWire() : encoder.chunk(c));
        return true;
    }

    /** A policy ended the stream: error event, then a clean end (the answer is deliberately cut). */
    private void abort(ApiError error) {
        aborted = true;
        ex.errorMessage(error.message());
        out.write(errorEvent(error.status(), error.toJson()));
        out.flush();
        client.end();
    }

    /** An error event in the caller's format. */
    public Buffer errorEvent(int status, com.fasterxml.jackson.databind.node.ObjectNode openAiError) {
        StreamEncoder encoder = ex.streamEncoder();
        return encoder == null ? StreamChunk.encode(null, openAiError.toString()) : encoder.error(status, openAiError);
    }

    static boolean isTerminal(StreamChunk chunk) {
        if (chunk.isDone()) return true;
        String event = chunk.event();
        return event != null && (event.equals("response.completed") || event.equals("response.failed")
                || event.equals("response.incomplete") || event.equals("error"));
    }
}
