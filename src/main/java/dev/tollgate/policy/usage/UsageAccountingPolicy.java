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
            SettingType.bool(), true,
            "Read the token usage of every model call (for cost, limits, budgets and the log); adds "
            + "`stream_options.include_usage: true` to streamed chat and completion requests (the caller still sees "
            + "usage only if it asked). See [Streaming](streaming.md).");

    /** Per-request: whether the caller asked for usage chunks itself; whether identity was read. */
    private static final class StreamState {
        boolean callerWantsUsage = true;
        boolean identified;
    }

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
        // Without usage the text streamed so far is counted instead (Exchange.streamedOutput).
        if (!hasUsageObject(data)) return ChunkAction.EMIT;
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
