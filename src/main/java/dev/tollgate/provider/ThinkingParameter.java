package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

/**
 * Anthropic's {@code thinking} request parameter (sent by Anthropic Messages clients, or in a chat
 * completion as LiteLLM accepts it) for an upstream that speaks OpenAI's chat API, which rejects
 * fields it does not know: it never goes there. It becomes {@code reasoning_effort} by its budget,
 * the inverse of the Anthropic translation's effort budgets (low 1024, medium 2048, high 4096):
 * under 2048 tokens {@code low}, under 4096 {@code medium}, else {@code high}; an enabled
 * {@code thinking} without a budget is {@code medium}. A {@code reasoning_effort} the caller gave
 * itself wins; {@code thinking: {"type": "disabled"}} is dropped without an effort.
 */
public final class ThinkingParameter {

    static final int MEDIUM_FROM = 2048;
    static final int HIGH_FROM = 4096;

    private ThinkingParameter() {}

    /**
     * The body to send an OpenAI-style upstream for this attempt: {@code body} itself when the
     * request carries no {@code thinking} (checked on the raw bytes first, so a pass-through body
     * is not parsed for nothing), else a copy of the request with it translated.
     */
    public static Buffer forOpenAiStyle(Exchange ex, Buffer body) {
        ObjectNode copy = translated(ex);
        return copy == null ? body : Json.toBuffer(copy);
    }

    /** A copy of the exchange's chat request with {@code thinking} translated, or null when it has none. */
    public static ObjectNode translated(Exchange ex) {
        if (ex.endpoint().kind() != Endpoint.Kind.CHAT_COMPLETIONS || !ex.hasJsonBody() || ex.bodyForwardedAsIs()) return null;
        Buffer raw = ex.rawBody();
        if (raw != null && !contains(raw, KEY)) return null;
        ObjectNode body = ex.body();
        if (body == null || !body.has("thinking")) return null;
        ObjectNode copy = body.deepCopy();
        JsonNode thinking = copy.remove("thinking");
        String effort = effort(thinking);
        JsonNode given = copy.get("reasoning_effort");
        if (effort != null && (given == null || given.isNull())) copy.put("reasoning_effort", effort);
        return copy;
    }

    private static final byte[] KEY = "\"thinking\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** A byte scan: a key in JSON text is spelled out, so a body without these bytes has no such field. */
    private static boolean contains(Buffer raw, byte[] key) {
        int last = raw.length() - key.length;
        outer:
        for (int i = 0; i <= last; i++) {
            for (int j = 0; j < key.length; j++) {
                if (raw.getByte(i + j) != key[j]) continue outer;
            }
            return true;
        }
        return false;
    }

    /** The effort for a {@code thinking} value; null when it asks for no thinking (or says nothing usable). */
    static String effort(JsonNode thinking) {
        if (thinking == null || !thinking.isObject()) return null;
        String type = Json.text(thinking, "type");
        if (type == null || type.equals("disabled")) return null;
        JsonNode budget = thinking.get("budget_tokens");
        if (budget == null || !budget.isNumber()) return "medium";
        long tokens = budget.asLong();
        return tokens < MEDIUM_FROM ? "low" : tokens < HIGH_FROM ? "medium" : "high";
    }
}
