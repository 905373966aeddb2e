package dev.tollgate.provider;

import dev.tollgate.api.TranslationException;

/**
 * One provider's API: how an OpenAI-format request becomes that provider's request, and how its
 * answers come back. One package per provider plus one line in {@link Providers}.
 */
public interface ProviderAdapter {

    /** The upstream request for this attempt; throws {@link TranslationException} for what the provider cannot do. */
    UpstreamRequest request(CallContext call, Deployment d);

    /** The translator for this attempt's answers, or null when they are OpenAI's format already. */
    default AnswerTranslator answers(CallContext call, Deployment d) {
        return null;
    }

    /**
     * Whether the provider serves OpenAI's Responses API ({@code /v1/responses}) itself. When it
     * does not, the gateway translates each Responses attempt to a chat completion for it and the
     * answer back ({@code dev.tollgate.provider.responses.ResponsesOverChat}).
     */
    default boolean speaksResponses() {
        return false;
    }
}
