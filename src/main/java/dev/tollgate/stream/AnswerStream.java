package dev.tollgate.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a whole chat or legacy completion answer the gateway made itself into the stream events
 * the upstream would have sent for it: per choice a content chunk and a finish chunk, the usage
 * chunk when asked for, then {@code [DONE]}.
 */
public final class AnswerStream {

    private AnswerStream() {}

    public static List<StreamChunk> of(Endpoint.Kind kind, ObjectNode answer, boolean includeUsage) {
        boolean chat = kind == Endpoint.Kind.CHAT_COMPLETIONS;
        List<StreamChunk> out = new ArrayList<>();
        for (JsonNode choice : answer.path("choices")) {
            int index = choice.path("index").asInt(0);
            ObjectNode content = envelope(answer, chat);
            ObjectNode c = content.putArray("choices").addObject().put("index", index);
            if (chat) {
                c.putObject("delta").put("role", "assistant").put("content", choice.path("message").path("content").asText(""));
            } else {
                c.put("text", choice.path("text").asText(""));
            }
            c.putNull("finish_reason");
            out.add(StreamChunk.of(null, content));

            ObjectNode finish = envelope(answer, chat);
            ObjectNode f = finish.putArray("choices").addObject().put("index", index);
            if (chat) f.putObject("delta");
            else f.put("text", "");
            f.set("finish_reason", choice.path("finish_reason").isMissingNode() ? Json.MAPPER.getNodeFactory().textNode("stop") : choice.get("finish_reason"));
            out.add(StreamChunk.of(null, finish));
        }
        if (includeUsage && answer.has("usage")) {
            ObjectNode usage = envelope(answer, chat);
            usage.putArray("choices");
            usage.set("usage", answer.get("usage"));
            out.add(StreamChunk.of(null, usage));
        }
        out.add(StreamChunk.done());
        return out;
    }

    private static ObjectNode envelope(ObjectNode answer, boolean chat) {
        ObjectNode o = Json.object();
        o.set("id", answer.get("id"));
        o.put("object", chat ? "chat.completion.chunk" : "text_completion");
        o.set("created", answer.get("created"));
        o.set("model", answer.get("model"));
        return o;
    }

    /** Whether the request asked for usage in its stream. */
    public static boolean wantsUsage(ObjectNode request) {
        JsonNode inc = request == null ? null : request.path("stream_options").get("include_usage");
        return inc != null && inc.isBoolean() && inc.booleanValue();
    }

}
