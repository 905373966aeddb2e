package dev.tollgate.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;

import java.util.List;

/**
 * Answers without text for policies to read (embeddings, images, audio, and endpoints the gateway
 * does not interpret): their identity and usage, and the end of their streams.
 */
final class PlainCodec extends AnswerCodec {

    @Override
    protected AnswerEvent.Start start(ObjectNode first) {
        return null;
    }

    @Override
    protected void streamEvents(Frame f, ObjectNode json, List<AnswerEvent> out) {
        // nothing typed: such streams are relayed as they come
    }

    @Override
    protected void wholeEvents(Frame f, List<AnswerEvent> out) {
        ResponseSummary s = ResponseSummary.scan(f.body());
        out.add(new AnswerEvent.Start(s.id(), s.model()));
        if (s.usage() != null) out.add(new AnswerEvent.Usage(s.usage(), null));
    }

    @Override
    protected StreamChunk render(AnswerEvent added, Frame near) {
        return null;
    }
}
