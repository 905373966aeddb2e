package dev.tollgate.access;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.json.Json;
import dev.tollgate.usage.TokenUsage;

import java.util.function.LongSupplier;

/**
 * The tokens a finished request is charged: the upstream's usage when it sent one; otherwise, when
 * the upstream answered (or may have worked on the request), the gateway's estimate: the prompt's
 * tokens plus the tokens of the text generated so far; otherwise nothing. An answer cut short (the
 * caller left, the upstream cut or stalled, a policy ended it) is thereby never free once the
 * upstream has worked on it, while a request refused before it went upstream, or answered with an
 * upstream error, costs nothing.
 */
final class UsageEstimate {

    private UsageEstimate() {}

    /** Token counts and their source: "upstream", "estimated" or "none". */
    record Charge(TokenUsage usage, String source) {
        static final Charge NONE = new Charge(TokenUsage.ZERO, "none");
    }

    /**
     * @param promptTokens the prompt's tokens (the admission's count, or counted now); asked only
     *                     when an estimate is made
     */
    static Charge of(Exchange ex, LongSupplier promptTokens) {
        if (ex.usage() != null) return new Charge(TokenUsage.fromUsage(ex.usage()), "upstream");
        int status = ex.status();
        boolean answered = status >= 200 && status < 300;
        if (!countable(ex.endpoint().kind()) || !ex.hasJsonBody() || !(answered || upstreamMayBill(ex))) return Charge.NONE;
        long input = promptTokens.getAsLong();
        long output = ex.outputEstimate() != null ? ex.outputEstimate().getAsLong() : 0;
        // Logged like an upstream usage object; usage_source says the gateway counted it.
        ObjectNode u = Json.object();
        u.put("prompt_tokens", input);
        u.put("completion_tokens", output);
        u.put("total_tokens", dev.tollgate.usage.Saturating.add(input, output));
        ex.usage(u);
        return new Charge(new TokenUsage(input, 0, 0, output, 0, 0), "estimated");
    }

    /**
     * Whether the upstream received the request and may bill it although the exchange did not end
     * with a success: it accepted the request (a 2xx head) and was then cut, or it was still working
     * when the caller left (499) or the gateway stopped waiting (504). Never when nothing was sent
     * upstream, nor when the upstream answered with an error status.
     */
    static boolean upstreamMayBill(Exchange ex) {
        if (ex.attempts() == 0) return false;
        int up = ex.upstreamStatus();
        if (up != 0) return up >= 200 && up < 300;
        return ex.status() == 499 || ex.status() == 504;
    }

    private static boolean countable(Endpoint.Kind kind) {
        return kind == Endpoint.Kind.CHAT_COMPLETIONS || kind == Endpoint.Kind.COMPLETIONS || kind == Endpoint.Kind.RESPONSES
                || kind == Endpoint.Kind.EMBEDDINGS;
    }
}
