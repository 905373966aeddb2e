package dev.tollgate.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import dev.tollgate.provider.AnswerTranslator;
import dev.tollgate.provider.CallContext;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.api.TranslationException;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.StreamTranslator;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The Responses API on a provider that speaks only chat completions (Anthropic, Gemini): the
 * attempt's Responses request becomes a chat completion request for the provider's own adapter,
 * and the answers that adapter translates to OpenAI chat (whole, streamed, errors) become
 * Responses answers and events. The chain never notices: it sees a Responses request and
 * Responses answers, as from OpenAI. One instance per attempt: it keeps the translated request
 * between {@link #request} and {@link #answers}.
 */
public final class ResponsesOverChat implements ProviderAdapter {

    private final ProviderAdapter chat;
    private CallContext chatCall;

    public ResponsesOverChat(ProviderAdapter chat) {
        this.chat = chat;
    }

    /** The adapter for an attempt: {@code adapter} itself, or wrapped when the request is a Responses request it cannot serve. */
    public static ProviderAdapter forAttempt(ProviderAdapter adapter, CallContext call) {
        return call.kind() == Endpoint.Kind.RESPONSES && !adapter.speaksResponses() ? new ResponsesOverChat(adapter) : adapter;
    }

    @Override
    public UpstreamRequest request(CallContext call, Deployment d) {
        try {
            return chat.request(chatCall(call), d);
        } catch (TranslationException e) {
            throw ResponsesRequest.inCallerTerms(e);
        }
    }

    private CallContext chatCall(CallContext call) {
        if (chatCall == null || chatCall.ex() != call.ex()) {
            ObjectNode responses = call.json();
            if (responses == null) throw TranslationException.invalid(null, "A Responses request needs a JSON body.");
            ObjectNode body = ResponsesRequest.toChat(responses);
            chatCall = call.translated(body, Endpoint.Kind.CHAT_COMPLETIONS, Json.toBuffer(body), "/chat/completions");
        }
        return chatCall;
    }

    @Override
    public AnswerTranslator answers(CallContext call, Deployment d) {
        AnswerTranslator inner = chat.answers(chatCall(call), d);
        ResponseShape shape = new ResponseShape(call.json());
        return new AnswerTranslator() {
            @Override
            public Whole whole(int status, Buffer body) {
                Whole w = inner == null ? new Whole(status, body) : inner.whole(status, body);
                if (w.status() < 200 || w.status() >= 300) return w; // errors keep OpenAI's error shape
                JsonNode parsed = Json.parseOrNull(w.body());
                if (parsed == null || !parsed.isObject()) throw new IllegalStateException("chat answer is not a JSON object");
                return new Whole(w.status(), Json.toBuffer(ResponsesAnswer.of(parsed, shape)));
            }

            @Override
            public StreamTranslator stream() {
                StreamTranslator chatStream = inner == null ? null : inner.stream();
                ResponsesStream responses = new ResponsesStream(shape);
                return new StreamTranslator() {
                    @Override
                    public List<StreamChunk> onEvent(StreamChunk upstream) {
                        return translate(chatStream == null ? List.of(upstream) : chatStream.onEvent(upstream));
                    }

                    @Override
                    public List<StreamChunk> onEnd() {
                        return chatStream == null ? List.of() : translate(chatStream.onEnd());
                    }

                    private List<StreamChunk> translate(List<StreamChunk> chunks) {
                        if (chunks.isEmpty()) return chunks;
                        List<StreamChunk> out = new ArrayList<>(chunks.size() * 2);
                        for (StreamChunk c : chunks) out.addAll(responses.onChunk(c));
                        return out;
                    }
                };
            }
        };
    }
}
