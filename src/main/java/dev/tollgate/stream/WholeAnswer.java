package dev.tollgate.stream;

import dev.tollgate.api.ApiError;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.chain.Exchange;
import dev.tollgate.trace.RequestTrace;
import dev.tollgate.wire.AnswerCodec;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Codecs;
import dev.tollgate.wire.Frame;
import dev.tollgate.wire.Interest;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * A whole (2xx) answer through the chain: one frame, decoded as far as the reading policies ask,
 * the same answer phase a stream's events go through, and encoded back (its own bytes when nothing
 * changed).
 */
public final class WholeAnswer {

    private WholeAnswer() {}

    /** The body to send, or the error a policy ended the answer with. */
    public record Result(Buffer body, ApiError error) {}

    public static Result run(Exchange ex, ChainRunner chain, Buffer body, RequestTrace trace) {
        trace.answerBody(body);
        ChainRunner.AnswerReaders readers = chain.answerReaders(ex);
        if (readers.interest() == Interest.NONE) return new Result(body, null);
        trace.answerPhaseStarted(readers);
        long started = trace.clock();
        AnswerCodec codec = Codecs.of(ex.endpoint().kind());
        Frame f = Frame.whole(body);
        List<AnswerEvent> in = codec.decode(f, readers.interest());
        ChainRunner.EventResult r = chain.onEvents(ex, readers, in);
        trace.policiesRan(started);
        if (r.abort() != null) trace.answerAborted(r.abort());
        trace.answerPhaseEnded();
        if (r.abort() != null) return new Result(null, r.abort());
        return new Result(codec.encodeWhole(f, in, r.events()), null);
    }
}
