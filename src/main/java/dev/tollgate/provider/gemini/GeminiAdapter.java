package dev.tollgate.provider.gemini;

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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Google's Gemini API: chat to {@code generateContent} / {@code streamGenerateContent?alt=sse},
 * embeddings to {@code embedContent} / {@code batchEmbedContents}. The key travels in the
 * {@code x-goog-api-key} header, never in the URL, so it cannot reach a log line.
 */
public final class GeminiAdapter implements ProviderAdapter {

    @Override
    public UpstreamRequest request(CallContext call, Deployment d) {
        Endpoint.Kind kind = call.kind();
        ObjectNode openAi = call.json();
        String model = URLEncoder.encode(d.upstreamModel(), StandardCharsets.UTF_8);
        String path;
        ObjectNode body;
        if (call.ex().endpoint().countTokens() && openAi != null) {
            // The prompt as generateContent would get it, counted whole (system instruction and tools included).
            ObjectNode request = Json.object().put("model", "models/" + d.upstreamModel());
            request.setAll(GeminiChat.request(openAi));
            body = Json.object();
            body.set("generateContentRequest", request);
            path = "/v1beta/models/" + model + ":countTokens";
        } else if (kind == Endpoint.Kind.CHAT_COMPLETIONS && openAi != null) {
            body = GeminiChat.request(openAi);
            path = "/v1beta/models/" + model + (call.ex().stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
        } else if (kind == Endpoint.Kind.EMBEDDINGS && openAi != null) {
            GeminiEmbeddings.Request r = GeminiEmbeddings.request(openAi, d.upstreamModel());
            body = r.body();
            path = "/v1beta/models/" + model + ":" + r.method();
        } else {
            throw new TranslationException(null, "The endpoint " + call.ex().endpoint().logPath() + " is not available for Gemini models; "
                    + "use /v1/chat/completions or /v1/embeddings.");
        }
        MultiMap headers = HttpHeaders.headers()
                .set(HttpHeaders.CONTENT_TYPE, "application/json")
                .set("x-goog-api-key", d.credential());
        return new UpstreamRequest(d.target().uri(path), headers, Json.toBuffer(body));
    }

    @Override
    public AnswerTranslator answers(CallContext call, Deployment d) {
        if (call.ex().endpoint().countTokens()) return COUNT_ANSWERS;
        long created = System.currentTimeMillis() / 1000;
        String id = "chatcmpl-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        boolean embeddings = call.kind() == Endpoint.Kind.EMBEDDINGS;
        boolean base64 = embeddings && call.json() != null && GeminiEmbeddings.base64(call.json());
        String model = d.upstreamModel();
        return new AnswerTranslator() {
            @Override
            public Whole whole(int status, Buffer body) {
                JsonNode parsed = Json.parseOrNull(body);
                if (status >= 200 && status < 300 && parsed != null) {
                    ObjectNode out = embeddings ? GeminiEmbeddings.response(parsed, model, base64) : GeminiChat.response(parsed, model, id, created);
                    return new Whole(status, Json.toBuffer(out));
                }
                GeminiChat.Error e = GeminiChat.error(status, parsed);
                return new Whole(e.status(), Json.toBuffer(e.openAiError()));
            }

            @Override
            public StreamTranslator stream() {
                GeminiStream stream = new GeminiStream(model, id, created);
                return new StreamTranslator() {
                    private boolean finished;

                    @Override
                    public List<StreamChunk> onEvent(StreamChunk upstream) {
                        JsonNode data = upstream.json();
                        if (data == null) return List.of();
                        List<StreamChunk> out = new ArrayList<>(2);
                        for (ObjectNode chunk : stream.onEvent(data)) {
                            for (JsonNode choice : chunk.path("choices")) finished |= choice.hasNonNull("finish_reason");
                            out.add(StreamChunk.of(null, chunk));
                        }
                        return out;
                    }

                    /** Gemini streams have no end marker: complete only if a finish reason came. */
                    @Override
                    public List<StreamChunk> onEnd() {
                        if (!finished) return List.of();
                        List<StreamChunk> out = new ArrayList<>(2);
                        for (ObjectNode chunk : stream.onEnd()) out.add(StreamChunk.of(null, chunk));
                        out.add(StreamChunk.done());
                        return out;
                    }
                };
            }
        };
    }

    /** {@code countTokens} answers: {@code totalTokens} as Anthropic's {@code input_tokens}; errors as for chat. */
    private static final AnswerTranslator COUNT_ANSWERS = new AnswerTranslator() {
        @Override
        public Whole whole(int status, Buffer body) {
            JsonNode parsed = Json.parseOrNull(body);
            if (status >= 200 && status < 300) {
                JsonNode total = parsed == null ? null : parsed.get("totalTokens");
                // Gemini leaves a zero count out of its JSON.
                long tokens = total == null ? 0 : total.isIntegralNumber() ? total.longValue() : -1;
                if (parsed == null || tokens < 0) throw new IllegalStateException("not a token count"); // answered as upstream_malformed
                return new Whole(status, Json.toBuffer(Json.object().put("input_tokens", tokens)));
            }
            GeminiChat.Error e = GeminiChat.error(status, parsed);
            return new Whole(e.status(), Json.toBuffer(e.openAiError()));
        }

        @Override
        public StreamTranslator stream() {
            return null; // a count is never streamed
        }
    };
}
