package dev.tollgate.caller.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.caller.CallerCodec;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import dev.tollgate.api.TranslationException;
import io.vertx.core.buffer.Buffer;

/**
 * The caller codec of {@code POST /v1/messages}: an Anthropic Messages request becomes a chat
 * completion; answers, errors and stream events go back in Anthropic's format, made from the
 * canonical OpenAI ones after the chain has run.
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

    /** The codec of {@code /v1/messages/count_tokens}: the request is read as sent; errors in Anthropic's shape. */
    public static CallerCodec countTokens() {
        return new CallerCodec() {
            @Override
            public Buffer whole(int status, Buffer body) {
                return countTokensBody(status, body);
            }
        };
    }

    /** The codec for one request (its stream encoder keeps state). */
    public static CallerCodec caller() {
        MessagesStream stream = new MessagesStream();
        return new CallerCodec() {
            @Override
            public ObjectNode decodeRequest(ObjectNode body) throws TranslationException {
                return MessagesInbound.toOpenAi(body);
            }

            @Override
            public String upstreamPath(String callerPathAndQuery) {
                int q = callerPathAndQuery.indexOf('?');
                return "/chat/completions" + (q < 0 ? "" : callerPathAndQuery.substring(q));
            }

            @Override
            public Buffer whole(int status, Buffer openAi) {
                return body(status, openAi);
            }

            @Override
            public Buffer event(StreamChunk chunk) {
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
