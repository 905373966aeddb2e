package dev.tollgate.provider.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.chain.StreamEncoder;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

/**
 * What a caller of {@code POST /v1/messages} gets back: answers, errors and stream events in
 * Anthropic's format, made from the canonical OpenAI ones after the chain has run.
 */
public final class AnthropicClientFormat {

    private AnthropicClientFormat() {}

    /** A whole answer or error body, by status. Bodies that are not JSON pass unchanged. */
    public static Buffer body(int status, Buffer openAi) {
        JsonNode parsed = Json.parseOrNull(openAi);
        if (parsed == null) return openAi;
        if (status >= 200 && status < 300) return Json.toBuffer(MessagesInbound.fromOpenAi(parsed));
        return Json.toBuffer(MessagesInbound.errorFromOpenAi(status, parsed).anthropicError());
    }

    /**
     * A {@code /v1/messages/count_tokens} answer: the count ({@code {"input_tokens": N}}, from the
     * provider or the gateway) passes as it is; an error becomes Anthropic's error shape.
     */
    public static Buffer countTokensBody(int status, Buffer body) {
        if (status >= 200 && status < 300) return body;
        JsonNode parsed = Json.parseOrNull(body);
        return parsed == null ? body : Json.toBuffer(MessagesInbound.errorFromOpenAi(status, parsed).anthropicError());
    }

    /** A stream encoder for one request. */
    public static StreamEncoder stream() {
        MessagesStream stream = new MessagesStream();
        return new StreamEncoder() {
            @Override
            public Buffer chunk(StreamChunk chunk) {
                Buffer out = Buffer.buffer();
                if (chunk.isDone()) {
                    for (MessagesStream.Event e : stream.onEnd()) out.appendString(e.toSse());
                    return out;
                }
                JsonNode json = chunk.json();
                if (json == null) return out;
                if (json.has("error")) {
                    out.appendString(MessagesStream.error(502, json).toSse());
                    return out;
                }
                for (MessagesStream.Event e : stream.onChunk(json)) out.appendString(e.toSse());
                return out;
            }

            @Override
            public Buffer error(int status, ObjectNode openAiError) {
                return Buffer.buffer(MessagesStream.error(status, openAiError).toSse());
            }
        };
    }
}
