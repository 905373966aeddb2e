package dev.tollgate.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.json.Json;
import dev.tollgate.provider.AnswerTranslator;
import dev.tollgate.provider.CallContext;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.TranslationException;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.stream.StreamTranslator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic's Messages API: OpenAI chat completions become {@code POST /v1/messages} with the key in
 * {@code x-api-key}; answers, stream events and errors come back as OpenAI's, before the chain.
 */
public final class AnthropicAdapter implements ProviderAdapter {

    static final String API_VERSION = "2023-06-01";

    private final int defaultMaxTokens;

    public AnthropicAdapter(int defaultMaxTokens) {
        this.defaultMaxTokens = defaultMaxTokens;
    }

    @Override
    public UpstreamRequest request(CallContext call, Deployment d) {
        if (call.kind() != Endpoint.Kind.CHAT_COMPLETIONS || call.json() == null) {
            throw new TranslationException(null, "The endpoint " + call.ex().endpoint().logPath() + " is not available for Anthropic models; "
                    + "use /v1/chat/completions or /v1/messages.");
        }
        ObjectNode body = AnthropicChat.request(call.json(), d.upstreamModel(), defaultMaxTokens);
        MultiMap headers = HttpHeaders.headers()
                .set(HttpHeaders.CONTENT_TYPE, "application/json")
                .set(HttpHeaders.ACCEPT, call.ex().stream() ? "text/event-stream" : "application/json")
                .set("anthropic-version", API_VERSION)
                .set("x-api-key", d.credential());
        String beta = call.callerHeaders().get("anthropic-beta");
        if (beta != null) headers.set("anthropic-beta", beta);
        return new UpstreamRequest(d.target().uri("/v1/messages"), headers, Json.toBuffer(body));
    }

    @Override
    public AnswerTranslator answers(CallContext call, Deployment d) {
        long created = System.currentTimeMillis() / 1000;
        return new AnswerTranslator() {
            @Override
            public Whole whole(int status, Buffer body) {
                JsonNode parsed = Json.parseOrNull(body);
                if (status >= 200 && status < 300 && parsed != null) return new Whole(status, Json.toBuffer(AnthropicChat.response(parsed, created)));
                AnthropicChat.Error e = AnthropicChat.error(status, parsed);
                return new Whole(e.status(), Json.toBuffer(e.openAiError()));
            }

            @Override
            public StreamTranslator stream() {
                AnthropicStream stream = new AnthropicStream(created);
                return new StreamTranslator() {
                    @Override
                    public List<StreamChunk> onEvent(StreamChunk upstream) {
                        JsonNode data = upstream.json();
                        if (data == null) return List.of();
                        List<StreamChunk> out = new ArrayList<>(2);
                        for (ObjectNode chunk : stream.onEvent(upstream.event(), data)) out.add(StreamChunk.of(null, chunk));
                        String type = upstream.event() != null ? upstream.event() : data.path("type").asText();
                        if (type.equals("message_stop")) out.add(StreamChunk.done());
                        return out;
                    }

                    @Override
                    public List<StreamChunk> onEnd() {
                        return List.of(); // no message_stop: the stream was cut, and the relay says so
                    }
                };
            }
        };
    }
}
