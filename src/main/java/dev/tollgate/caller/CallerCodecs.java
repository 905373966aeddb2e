package dev.tollgate.caller;

import dev.tollgate.api.Endpoint;
import dev.tollgate.caller.anthropic.AnthropicClientFormat;

/**
 * The caller codec of each caller API: OpenAI's own (chat completions, legacy completions, the
 * Responses API and every other endpoint pass as they are) and Anthropic's Messages API. Adding a
 * caller API is one package under {@code caller/} plus one line here.
 */
public final class CallerCodecs {

    private CallerCodecs() {}

    /** A new codec for one request to this endpoint. */
    public static CallerCodec of(Endpoint endpoint) {
        if (endpoint.countTokens()) return AnthropicClientFormat.countTokens();
        if (endpoint.anthropicFormat()) return AnthropicClientFormat.caller();
        return CallerCodec.OPENAI;
    }
}
