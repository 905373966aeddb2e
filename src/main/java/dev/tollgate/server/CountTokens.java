package dev.tollgate.server;

import dev.tollgate.caller.anthropic.MessagesInbound;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.json.Json;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ProviderSpec;
import dev.tollgate.api.TranslationException;
import dev.tollgate.usage.TokenEstimate;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * Anthropic's {@code POST /v1/messages/count_tokens}: who counts, and the gateway's own count.
 * A model's Anthropic and Gemini deployments count with their provider's endpoint (Anthropic's
 * {@code /v1/messages/count_tokens}, Gemini's {@code models/{model}:countTokens}), tried in the
 * plan's order with the usual fallback; a model with neither (OpenAI, Azure, OpenAI-compatible
 * servers, the plain pass-through) is counted by the gateway's tokenizer, as
 * {@link TokenEstimate} counts a chat request: an estimate in the model's OpenAI encoding.
 */
public final class CountTokens {

    private CountTokens() {}

    /**
     * Where a request is counted.
     *
     * @param deployments the deployments that count with their provider, in the plan's order; empty: the gateway counts
     * @param prompt      the request as a chat body, for Gemini and the gateway (null when only Anthropic counts:
     *                    it gets the request as sent)
     */
    public record Plan(List<Deployment> deployments, ObjectNode prompt) {}

    /**
     * @param planned          the model's deployments (empty on the plain pass-through)
     * @param anthropicRequest the caller's body
     * @throws TranslationException when the prompt must be translated and cannot be
     */
    public static Plan plan(List<Deployment> planned, ObjectNode anthropicRequest) {
        List<Deployment> counting = planned.stream().filter(d -> providerCounts(d.provider())).toList();
        boolean translated = counting.isEmpty() || counting.stream().anyMatch(d -> !d.provider().speaksAnthropicMessages());
        return new Plan(counting, translated ? MessagesInbound.promptOf(anthropicRequest) : null);
    }

    /** Providers with a token-counting endpoint of their own. */
    static boolean providerCounts(ProviderSpec provider) {
        return provider.countsTokens();
    }

    /** The gateway's count of a prompt (CPU work: run it off the event loop). */
    public static long estimate(String model, ObjectNode prompt) {
        return TokenEstimate.promptTokens(model, prompt, Endpoint.Kind.CHAT_COMPLETIONS);
    }

    /** Anthropic's answer: {@code {"input_tokens": N}}. */
    public static Buffer answer(long inputTokens) {
        return Json.toBuffer(Json.object().put("input_tokens", inputTokens));
    }
}
