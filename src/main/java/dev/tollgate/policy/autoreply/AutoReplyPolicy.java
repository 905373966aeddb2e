package dev.tollgate.policy.autoreply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.json.Json;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * POLICY_AUTOREPLY: when the last user message (chat) or the prompt (legacy completions) equals an
 * entry's {@code request} (exactly, after trimming), the gateway answers with the entry's
 * {@code response} without calling the upstream, in the endpoint's response shape (a stream when
 * asked for one), with zero usage. It sits after every blocking check in the chain, so auth,
 * model rules and limits still apply (the seed skipped them).
 */
public final class AutoReplyPolicy implements Policy {

    public static final String ID = "auto-reply";

    /** One configured entry. */
    record Entry(String type, String request, String response) {}

    public static final Setting<List<Entry>> AUTOREPLY = Setting.global("POLICY_AUTOREPLY", entries(), List.of(),
            "Canned answers, in the seeds' format: entries `{type: chat|completion, request, response}`. When the "
            + "last user message (chat) or the prompt (completions) equals an entry's `request` after trimming, the "
            + "gateway answers with its `response` without calling the upstream.");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(AUTOREPLY);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        Endpoint.Kind k = ex.endpoint().kind();
        return ex.hasJsonBody() && (k == Endpoint.Kind.CHAT_COMPLETIONS || k == Endpoint.Kind.COMPLETIONS)
                && !ex.settings().get(AUTOREPLY).isEmpty();
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        boolean chat = ex.endpoint().kind() == Endpoint.Kind.CHAT_COMPLETIONS;
        String asked = chat ? lastUserMessage(ex.body()) : prompt(ex.body());
        if (asked == null) return Verdict.PROCEED_FUTURE;
        String trimmed = asked.trim();
        for (Entry e : ex.settings().get(AUTOREPLY)) {
            if (e.type().equals(chat ? "chat" : "completion") && e.request().trim().equals(trimmed)) {
                return Future.succeededFuture(new Verdict.Respond(answer(chat, ex.model(), e.response()),
                        List.of(new Finding(ID, "auto_reply", "answered from POLICY_AUTOREPLY", Finding.Action.AUDIT))));
            }
        }
        return Verdict.PROCEED_FUTURE;
    }

    static ObjectNode answer(boolean chat, String model, String text) {
        ObjectNode o = Json.object();
        o.put("id", (chat ? "chatcmpl-" : "cmpl-") + "tollgate" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        o.put("object", chat ? "chat.completion" : "text_completion");
        o.put("created", System.currentTimeMillis() / 1000);
        o.put("model", model == null ? "" : model);
        ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
        if (chat) {
            choice.putObject("message").put("role", "assistant").put("content", text).putNull("refusal");
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        o.putObject("usage").put("prompt_tokens", 0).put("completion_tokens", 0).put("total_tokens", 0);
        return o;
    }

    private static String lastUserMessage(ObjectNode body) {
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) continue;
            JsonNode c = m.get("content");
            if (c == null) return null;
            if (c.isTextual()) return c.textValue();
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) if (part.path("text").isTextual()) sb.append(part.get("text").textValue());
            return sb.toString();
        }
        return null;
    }

    private static String prompt(ObjectNode body) {
        JsonNode p = body.get("prompt");
        if (p == null) return null;
        if (p.isTextual()) return p.textValue();
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return p.get(0).textValue();
        return null;
    }

    /** Entries as in the seeds' config: a list of {type, request, response}. */
    private static SettingType<List<Entry>> entries() {
        SettingType<JsonNode> array = SettingType.jsonArray();
        return new SettingType<>() {
            @Override public List<Entry> fromString(String raw) { return parse(array.fromString(raw)); }
            @Override public List<Entry> fromYaml(JsonNode node) { return parse(array.fromYaml(node)); }
            @Override public String describe() { return "a list of {type: chat|completion, request, response}"; }

            private List<Entry> parse(JsonNode list) {
                List<Entry> out = new ArrayList<>();
                int i = 0;
                for (JsonNode item : list) {
                    String type = item.path("type").asText("").toLowerCase(Locale.ROOT);
                    if (!item.isObject() || !(type.equals("chat") || type.equals("completion"))
                            || !item.path("request").isTextual() || !item.path("response").isTextual()) {
                        throw new IllegalArgumentException("entry " + i + " must be {type: chat|completion, request: text, response: text}");
                    }
                    out.add(new Entry(type, item.get("request").textValue(), item.get("response").textValue()));
                    i++;
                }
                return List.copyOf(out);
            }
        };
    }
}
