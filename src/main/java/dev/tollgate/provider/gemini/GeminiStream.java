package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import dev.tollgate.provider.StreamError;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates one {@code streamGenerateContent?alt=sse} stream into OpenAI
 * {@code chat.completion.chunk}s. One instance per streamed request: it remembers, per choice,
 * whether the assistant role was announced, how many tool calls were sent (their delta
 * {@code index}) and whether any were (so the finish reason is {@code tool_calls}), plus the
 * latest {@code usageMetadata} (Gemini repeats it, growing, on every event; the last one is the
 * total).
 *
 * <p>Every SSE {@code data:} is a whole {@code GenerateContentResponse}. Per candidate it yields
 * at most a content chunk ({@code delta.role} on the choice's first chunk, {@code delta.content}
 * from the non-thought text parts, {@code delta.tool_calls} complete in one chunk — Gemini never
 * splits a function call across events) and then a finish chunk ({@code delta: {}} and the
 * {@code finish_reason}) when the candidate carries {@code finishReason}. Ids, tool call ids and
 * finish reasons follow {@link GeminiChat#response}. Not thread-safe; the stream's events arrive
 * in order on one thread.
 */
public final class GeminiStream {

    private final String model;
    private final String id;
    private final long created;
    private final GeminiChat.CallIds callIds;
    private final Map<Integer, Choice> choices = new HashMap<>();
    private JsonNode lastUsage;

    private static final class Choice {
        boolean announced;
        int toolCalls;
    }

    public GeminiStream(String model, String id, long createdSeconds) {
        this.model = model;
        this.id = id;
        this.created = createdSeconds;
        this.callIds = new GeminiChat.CallIds(id);
    }

    /**
     * The chunks for one SSE event. An event carrying {@code error} throws a {@link StreamError}
     * with the status and OpenAI body of {@link GeminiChat#error}.
     */
    public List<ObjectNode> onEvent(JsonNode data) {
        JsonNode error = data.get("error");
        if (error != null && error.isObject()) {
            GeminiChat.Error e = GeminiChat.error(error.path("code").asInt(500), data);
            throw new StreamError(e.status(), e.openAiError());
        }
        JsonNode usage = data.get("usageMetadata");
        if (usage != null && usage.isObject()) lastUsage = usage;

        List<ObjectNode> out = new ArrayList<>();
        JsonNode candidates = data.path("candidates");
        if (candidates.isEmpty()) {
            if (data.path("promptFeedback").has("blockReason")) out.add(finish(0, "content_filter"));
            return out;
        }
        for (int i = 0; i < candidates.size(); i++) {
            JsonNode cand = candidates.get(i);
            int index = cand.path("index").asInt(i);
            Choice state = choices.computeIfAbsent(index, k -> new Choice());
            JsonNode parts = cand.path("content").path("parts");
            String text = GeminiChat.text(parts);
            ArrayNode calls = Json.MAPPER.createArrayNode();
            for (JsonNode p : parts) {
                if (p.has("functionCall")) calls.add(GeminiChat.toolCall(p, callIds.next(), state.toolCalls++));
            }
            if ((text != null && !text.isEmpty()) || !calls.isEmpty()) {
                ObjectNode chunk = chunk(index);
                ObjectNode delta = delta(chunk, state);
                if (text != null && !text.isEmpty()) delta.put("content", text);
                if (!calls.isEmpty()) delta.set("tool_calls", calls);
                out.add(chunk);
            }
            String reason = cand.path("finishReason").asText("");
            if (!reason.isEmpty()) out.add(finish(index, GeminiChat.finishReason(reason, state.toolCalls > 0)));
        }
        return out;
    }

    /**
     * Called when the upstream stream has ended: the usage chunk ({@code choices: []} and the usage
     * of the last {@code usageMetadata}), or nothing when Gemini sent none. It is always produced;
     * whoever relays the stream drops it when the client did not ask for
     * {@code stream_options.include_usage}.
     */
    public List<ObjectNode> onEnd() {
        ObjectNode usage = GeminiChat.usage(lastUsage);
        if (usage == null) return List.of();
        ObjectNode chunk = envelope();
        chunk.putArray("choices");
        chunk.set("usage", usage);
        return List.of(chunk);
    }

    private ObjectNode finish(int index, String reason) {
        ObjectNode chunk = chunk(index);
        delta(chunk, choices.computeIfAbsent(index, k -> new Choice()));
        ((ObjectNode) chunk.get("choices").get(0)).put("finish_reason", reason);
        return chunk;
    }

    private ObjectNode chunk(int index) {
        ObjectNode chunk = envelope();
        ObjectNode c = chunk.putArray("choices").addObject();
        c.put("index", index);
        c.putObject("delta");
        c.putNull("logprobs");
        c.putNull("finish_reason");
        return chunk;
    }

    /** The chunk's delta, announcing the assistant role on the choice's first chunk. */
    private static ObjectNode delta(ObjectNode chunk, Choice state) {
        ObjectNode delta = (ObjectNode) chunk.get("choices").get(0).get("delta");
        if (!state.announced) {
            delta.put("role", "assistant");
            state.announced = true;
        }
        return delta;
    }

    private ObjectNode envelope() {
        return StreamChunk.chatChunk(id, created, model);
    }
}
