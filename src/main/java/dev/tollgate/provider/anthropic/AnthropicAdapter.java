package dev.tollgate.provider.anthropic;

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
        if (call.ex().endpoint().countTokens()) return countTokens(call, d);
        if (call.kind() != Endpoint.Kind.CHAT_COMPLETIONS || call.json() == null) {
            throw new TranslationException(null, "The endpoint " + call.ex().endpoint().logPath() + " is not available for Anthropic models; "
                    + "use /v1/chat/completions or /v1/messages.");
        }
        ObjectNode body = AnthropicChat.request(call.json(), d.upstreamModel(), defaultMaxTokens);
        MultiMap headers = headers(call, d, call.ex().stream() ? "text/event-stream" : "application/json");
        return new UpstreamRequest(d.target().uri("/v1/messages"), headers, Json.toBuffer(body));
    }

    /**
     * Anthropic's own {@code POST /v1/messages/count_tokens}: the caller's Anthropic body as it
     * came (all it may hold, beta features included), with the deployment's model name.
     */
    private static UpstreamRequest countTokens(CallContext call, Deployment d) {
        ObjectNode body = (ObjectNode) Json.parseOrNull(call.body());
        if (body == null) throw new TranslationException(null, "The request body is not a JSON object.");
        body.put("model", d.upstreamModel());
        return new UpstreamRequest(d.target().uri("/v1/messages/count_tokens"), headers(call, d, "application/json"), Json.toBuffer(body));
    }

    private static MultiMap headers(CallContext call, Deployment d, String accept) {
        MultiMap headers = HttpHeaders.headers()
                .set(HttpHeaders.CONTENT_TYPE, "application/json")
                .set(HttpHeaders.ACCEPT, accept)
                .set("anthropic-version", API_VERSION)
                .set("x-api-key", d.credential());
        String beta = call.callerHeaders().get("anthropic-beta");
        if (beta != null) headers.set("anthropic-beta", beta);
        return headers;
    }

    @Override
    public AnswerTranslator answers(CallContext call, Deployment d) {
        if (call.ex().endpoint().countTokens()) return COUNT_ANSWERS;
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

    /** Count answers: the count passes as Anthropic sent it; errors become OpenAI's, as for messages. */
    private static final AnswerTranslator COUNT_ANSWERS = new AnswerTranslator() {
        @Override
        public Whole whole(int status, Buffer body) {
            JsonNode parsed = Json.parseOrNull(body);
            if (status >= 200 && status < 300 && parsed != null && parsed.path("input_tokens").isIntegralNumber()) return new Whole(status, body);
            if (status >= 200 && status < 300) throw new IllegalStateException("not a token count"); // answered as upstream_malformed
            AnthropicChat.Error e = AnthropicChat.error(status, parsed);
            return new Whole(e.status(), Json.toBuffer(e.openAiError()));
        }

        @Override
        public StreamTranslator stream() {
            return null; // a count is never streamed; an SSE answer is relayed untranslated
        }
    };
}
