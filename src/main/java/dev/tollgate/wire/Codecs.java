package dev.tollgate.wire;

import dev.tollgate.api.Endpoint;

/** The codec for an endpoint's answers: a new one per request. */
public final class Codecs {

    private Codecs() {}

    public static AnswerCodec of(Endpoint.Kind kind) {
        return switch (kind) {
            case CHAT_COMPLETIONS -> new ChoicesCodec(true);
            case COMPLETIONS -> new ChoicesCodec(false);
            case RESPONSES -> new ResponsesCodec();
            default -> new PlainCodec();
        };
    }
}
