package dev.tollgate.policy.logging;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.chain.EventAction;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Policy;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;
import dev.tollgate.json.Json;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Frame;
import dev.tollgate.wire.Interest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the full request and response into the request log line when POLICY_LOG_REQUEST /
 * POLICY_LOG_RESPONSE are on. Last in the chain, so it records what was sent upstream and what
 * the caller received. Streams are logged as their assembled text (and tool calls), one entry per choice,
 * and the upstream's error when one ended them; whole answers as their body.
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

    /** Per request: a whole answer's frame, or a stream's text and tool calls per choice. */
    private static final class AnswerLog {
        private static final int MAX_CHOICES = 128;
        Frame whole;
        String failure;
        final List<StringBuilder> texts = new ArrayList<>(1);
        final Map<String, ObjectNode> calls = new LinkedHashMap<>(0);

        StringBuilder text(int choice) {
            int i = Math.max(0, Math.min(choice, MAX_CHOICES));
            while (texts.size() <= i) texts.add(new StringBuilder());
            return texts.get(i);
        }

        void call(AnswerEvent.ToolCall c) {
            if (c.choice() < 0 || c.choice() > MAX_CHOICES) return;
            ObjectNode call = calls.computeIfAbsent(c.choice() + ":" + c.index(), k -> {
                ObjectNode o = Json.object().put("index", c.choice());
                o.put("call", c.index());
                text(c.choice());
                return o;
            });
            if (c.id() != null) call.put("id", c.id());
            if (c.name() != null) call.put("name", call.path("name").asText("") + c.name());
            if (c.arguments() != null) call.put("arguments", call.path("arguments").asText("") + c.arguments());
        }

        ObjectNode toJson() {
            ObjectNode logged = Json.object();
            ArrayNode out = logged.putArray("choices");
            for (int i = 0; i < texts.size(); i++) {
                ObjectNode choice = out.addObject().put("index", i).put("text", texts.get(i).toString());
                for (ObjectNode call : calls.values()) {
                    if (call.path("index").asInt() != i) continue;
                    ObjectNode c = choice.withArray("tool_calls").addObject();
                    if (call.has("id")) c.set("id", call.get("id"));
                    if (call.has("name")) c.set("name", call.get("name"));
                    c.put("arguments", call.path("arguments").asText(""));
                }
            }
            if (failure != null) logged.put("error", failure);
            return logged;
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
    public boolean readsRequest(Exchange ex) {
        return ex.settings().get(LOG_REQUEST);
    }

    @Override
    public Interest answerInterest(Exchange ex) {
        return ex.settings().get(LOG_RESPONSE) ? Interest.EVENTS : Interest.NONE;
    }

    @Override
    public EventAction onEvent(Exchange ex, AnswerEvent event) {
        AnswerLog log = ex.state(this, AnswerLog::new);
        if (event instanceof AnswerEvent.End end && end.frame().isWhole()) {
            log.whole = end.frame(); // logged as the caller gets it: the frame holds every change by then
        } else if (event instanceof AnswerEvent.Text t && t.form() == AnswerEvent.Form.DELTA && t.channel() == AnswerEvent.Channel.CONTENT) {
            log.text(t.choice()).append(t.text());
        } else if (event instanceof AnswerEvent.ToolCall c && c.form() == AnswerEvent.Form.DELTA) {
            log.call(c);
        } else if (event instanceof AnswerEvent.Failure f && log.failure == null) {
            log.failure = f.message(); // the stream ended in the upstream's error: logged with what came before it
        }
        return EventAction.EMIT;
    }

    @Override
    public void onComplete(Exchange ex) {
        if (ex.settings().get(LOG_REQUEST) && ex.hasJsonBody()) ex.loggedRequest(ex.body());
        if (!ex.settings().get(LOG_RESPONSE)) return;
        AnswerLog log = ex.state(this, AnswerLog::new);
        if (log.whole != null) {
            ex.loggedResponse(log.whole.json());
        } else if (ex.stream()) {
            ex.loggedResponse(log.toJson());
        }
    }
}
