package dev.tollgate.policy.logging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.chain.ChunkAction;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;
import dev.tollgate.json.Json;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts the full request and response into the request log line when POLICY_LOG_REQUEST /
 * POLICY_LOG_RESPONSE are on. Last in the chain, so it records what was sent upstream and what
 * the caller received. Streams are logged as their assembled text, one entry per choice.
 */
public final class RequestLoggingPolicy implements Policy {

    public static final String ID = "request-logging";

    public static final Setting<Boolean> LOG_REQUEST = Setting.restriction("POLICY_LOG_REQUEST", "log-request",
            SettingType.bool(), false, Strictness.checkOn(),
            "Put the full request body, as sent upstream, in the request log line (`request.body`). Header: may "
            + "turn logging on, not off.");

    public static final Setting<Boolean> LOG_RESPONSE = Setting.restriction("POLICY_LOG_RESPONSE", "log-response",
            SettingType.bool(), false, Strictness.checkOn(),
            "Put the full response (for streams: the assembled text of each choice) in the request log line "
            + "(`response.body`). Header: may turn logging on, not off.");

    private static final class StreamText {
        final List<StringBuilder> choices = new ArrayList<>(1);

        void append(int index, String text) {
            if (index < 0 || index > 128) return;
            while (choices.size() <= index) choices.add(new StringBuilder());
            choices.get(index).append(text);
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(LOG_REQUEST, LOG_RESPONSE);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        return ex.settings().get(LOG_REQUEST) || ex.settings().get(LOG_RESPONSE);
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        return Verdict.PROCEED_FUTURE; // the log line reads the final request body itself
    }

    @Override
    public boolean readsRequest(Exchange ex) {
        return ex.settings().get(LOG_REQUEST);
    }

    @Override
    public boolean readsResponse(Exchange ex) {
        return ex.settings().get(LOG_RESPONSE);
    }

    @Override
    public Verdict onResponse(Exchange ex, ObjectNode body) {
        if (ex.settings().get(LOG_RESPONSE)) ex.loggedResponse(body);
        return Verdict.proceed();
    }

    @Override
    public ChunkAction onChunk(Exchange ex, StreamChunk chunk) {
        if (!ex.settings().get(LOG_RESPONSE) || chunk.data() == null || chunk.isDone()) return ChunkAction.EMIT;
        JsonNode json = chunk.json();
        if (json == null) return ChunkAction.EMIT;
        StreamText text = ex.state(this, StreamText::new);
        if ("response.output_text.delta".equals(Json.text(json, "type"))) {
            String delta = Json.text(json, "delta");
            if (delta != null) text.append(json.path("output_index").asInt(0), delta);
            return ChunkAction.EMIT;
        }
        for (JsonNode choice : json.path("choices")) {
            int index = choice.path("index").asInt(0);
            String piece = choice.has("delta") ? Json.text(choice.get("delta"), "content") : Json.text(choice, "text");
            if (piece != null) text.append(index, piece);
        }
        return ChunkAction.EMIT;
    }

    @Override
    public void onComplete(Exchange ex) {
        if (!ex.stream() || !ex.settings().get(LOG_RESPONSE)) return;
        StreamText text = ex.state(this, StreamText::new);
        ObjectNode logged = Json.object();
        ArrayNode out = logged.putArray("choices");
        for (int i = 0; i < text.choices.size(); i++) {
            out.addObject().put("index", i).put("text", text.choices.get(i).toString());
        }
        ex.loggedResponse(logged);
    }
}
