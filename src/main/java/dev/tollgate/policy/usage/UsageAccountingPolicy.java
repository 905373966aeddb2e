package dev.tollgate.policy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.ChunkAction;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.ResponseText;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.json.Json;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Records token usage of every model call. On streamed chat and completion requests it asks the
 * upstream for usage ({@code stream_options.include_usage}) and reads it from the final chunk; a
 * caller that did not ask for usage never sees the usage-only chunk. Runs late in the chain so
 * other policies see chunks before one is dropped.
 */
public final class UsageAccountingPolicy implements Policy {

    public static final String ID = "usage-accounting";

    public static final Setting<Boolean> USAGE_ACCOUNTING = Setting.global("TOLLGATE_USAGE_ACCOUNTING",
            SettingType.bool(), true, "Read token usage of every call, adding stream_options.include_usage to streams");

    /** Per-request: whether the caller asked for usage chunks itself; whether identity was read. */
    private static final class StreamState {
        boolean callerWantsUsage = true;
        boolean identified;
        /** The events' data, kept until usage arrives, so the gateway can count tokens if it never does. */
        List<String> events = new ArrayList<>();
        long eventChars;
    }

    /** Beyond this much event text, output tokens are not counted from the text (the upstream's usage is relied on). */
    private static final long KEEP_MAX_CHARS = 4L << 20;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(USAGE_ACCOUNTING);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        return ex.endpoint().kind() != Endpoint.Kind.OTHER && ex.settings().get(USAGE_ACCOUNTING);
    }

    @Override
    public boolean readsRequest(Exchange ex) {
        return false; // a streamed request's body is parsed on demand, to add stream_options
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        Endpoint.Kind kind = ex.endpoint().kind();
        if (!ex.stream() || !(kind == Endpoint.Kind.CHAT_COMPLETIONS || kind == Endpoint.Kind.COMPLETIONS)) {
            return Verdict.PROCEED_FUTURE;
        }
        ObjectNode body = ex.body();
        JsonNode options = body.get("stream_options");
        JsonNode include = options == null ? null : options.get("include_usage");
        if (include != null && include.isBoolean() && include.booleanValue()) {
            return Verdict.PROCEED_FUTURE;
        }
        ex.state(this, StreamState::new).callerWantsUsage = false;
        ObjectNode opts = options instanceof ObjectNode o ? o : body.putObject("stream_options");
        opts.put("include_usage", true);
        return Future.succeededFuture(Verdict.rewrite(body));
    }

    @Override
    public boolean readsResponse(Exchange ex) {
        return false; // whole answers are summarised without a tree (ResponseSummary)
    }

    @Override
    public Verdict onResponse(Exchange ex, ObjectNode body) {
        ex.responseIdentity(Json.text(body, "id"), Json.text(body, "model"));
        JsonNode usage = body.get("usage");
        if (usage != null && usage.isObject()) ex.usage(usage);
        return Verdict.proceed();
    }

    @Override
    public ChunkAction onChunk(Exchange ex, StreamChunk chunk) {
        String data = chunk.data();
        if (data == null || chunk.isDone()) return ChunkAction.EMIT;
        StreamState st = ex.state(this, StreamState::new);
        if (!st.identified) {
            JsonNode json = chunk.json();
            if (json != null) {
                st.identified = true;
                JsonNode r = json.has("response") ? json.get("response") : json;
                ex.responseIdentity(Json.text(r, "id"), Json.text(r, "model"));
            }
        }
        if (!hasUsageObject(data)) {
            if (st.events != null && ex.usage() == null) {
                st.eventChars += data.length();
                if (st.eventChars <= KEEP_MAX_CHARS) st.events.add(data);
                else st.events = null;
            }
            return ChunkAction.EMIT;
        }
        st.events = null;
        JsonNode json = chunk.json();
        if (!(json instanceof ObjectNode obj)) return ChunkAction.EMIT;
        JsonNode usage = obj.get("usage");
        if (usage == null || !usage.isObject()) {
            // Responses API: usage sits inside the final response object.
            JsonNode inner = obj.path("response").get("usage");
            if (inner != null && inner.isObject()) ex.usage(inner);
            return ChunkAction.EMIT;
        }
        ex.usage(usage);
        if (st.callerWantsUsage) return ChunkAction.EMIT;
        JsonNode choices = obj.get("choices");
        if (choices == null || (choices instanceof ArrayNode a && a.isEmpty())) return ChunkAction.DROP;
        // The usage arrived on a chunk that still carries content: keep the content, hide the usage.
        ObjectNode copy = obj.deepCopy();
        copy.remove("usage");
        return ChunkAction.replace(copy);
    }

    /** The stream ended without a usage object: its text is kept so output tokens can be counted. */
    @Override
    public List<StreamChunk> onStreamEnd(Exchange ex) {
        StreamState st = ex.state(this, StreamState::new);
        if (ex.usage() == null && st.events != null) {
            StringBuilder text = new StringBuilder();
            for (String data : st.events) {
                try {
                    deltaText(Json.parse(data), text);
                } catch (Exception notJson) {
                    // an event that is not JSON carries no text to count
                }
            }
            ex.completionText(text.toString());
        }
        st.events = null;
        return List.of();
    }

    /** The text a chunk adds: chat {@code choices[].delta.content}, legacy {@code choices[].text}, Responses {@code delta}. */
    private static void deltaText(JsonNode event, StringBuilder out) {
        for (JsonNode choice : event.path("choices")) {
            JsonNode content = choice.path("delta").get("content");
            if (content != null && content.isTextual()) out.append(content.textValue());
            JsonNode text = choice.get("text");
            if (text != null && text.isTextual()) out.append(text.textValue());
        }
        if ("response.output_text.delta".equals(event.path("type").asText()) && event.path("delta").isTextual()) {
            out.append(event.get("delta").textValue());
        }
    }

    /** The text of a whole answer that came without usage, for counting output tokens; null when not JSON. */
    public static String answerText(Buffer raw) {
        try {
            StringBuilder out = new StringBuilder();
            for (ResponseText.Field f : ResponseText.of(Json.parse(raw))) out.append(f.text());
            return out.toString();
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Whether the JSON text has a "usage" key whose value is an object. Inside a JSON string a
     * quote is always escaped, so this cannot match string content; every chunk of a stream with
     * include_usage carries {@code "usage":null}, which this skips without parsing.
     */
    static boolean hasUsageObject(String data) {
        int from = 0;
        while (true) {
            int i = data.indexOf("\"usage\"", from);
            if (i < 0) return false;
            int j = i + 7;
            while (j < data.length() && Character.isWhitespace(data.charAt(j))) j++;
            if (j < data.length() && data.charAt(j) == ':') {
                j++;
                while (j < data.length() && Character.isWhitespace(data.charAt(j))) j++;
                if (j < data.length() && data.charAt(j) == '{') return true;
            }
            from = i + 7;
        }
    }
}
