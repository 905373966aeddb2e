package dev.tollgate.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;

import java.util.List;

/**
 * Chat completions ({@code chat.completion} / {@code chat.completion.chunk}) and legacy completions
 * ({@code text_completion}): answers made of {@code choices}. Chat text sits in
 * {@code message}/{@code delta} {@code content}, {@code refusal} and {@code reasoning_content}, tool
 * calls in {@code tool_calls} (and the older {@code function_call}); legacy text in {@code text}.
 */
final class ChoicesCodec extends AnswerCodec {

    private final boolean chat;
    /** The stream's last chunk with choices: its shared fields shape the chunks the gateway adds. */
    private ObjectNode lastChunk;

    ChoicesCodec(boolean chat) {
        this.chat = chat;
    }

    @Override
    protected AnswerEvent.Start start(ObjectNode first) {
        return new AnswerEvent.Start(Json.text(first, "id"), Json.text(first, "model"));
    }

    @Override
    protected void streamEvents(Frame f, ObjectNode chunk, List<AnswerEvent> out) {
        if (chunk.has("choices")) lastChunk = chunk;
        choices(f, chunk, AnswerEvent.Form.DELTA, out);
    }

    @Override
    protected void wholeEvents(Frame f, List<AnswerEvent> out) {
        if (!(f.json() instanceof ObjectNode body)) return;
        out.add(start(body));
        choices(f, body, AnswerEvent.Form.WHOLE, out);
    }

    /** A chunk's deltas or a whole answer's messages, per choice, then the usage. A whole choice always finishes. */
    private static void choices(Frame f, ObjectNode answer, AnswerEvent.Form form, List<AnswerEvent> out) {
        boolean whole = form == AnswerEvent.Form.WHOLE;
        for (JsonNode c : answer.path("choices")) {
            if (!(c instanceof ObjectNode choice)) continue;
            int index = choice.path("index").asInt(0);
            if (choice.get(whole ? "message" : "delta") instanceof ObjectNode m) message(f, index, m, form, out);
            if (choice.path("text").isTextual()) {
                out.add(new AnswerEvent.Text(index, 0, AnswerEvent.Channel.CONTENT, choice.get("text").textValue(), form,
                        new Slot(f, choice, "text")));
            }
            JsonNode finish = choice.get("finish_reason");
            boolean finished = finish != null && !finish.isNull();
            if (finished || whole) out.add(new AnswerEvent.Finish(index, 0, finished ? finish.asText() : null));
        }
        JsonNode usage = answer.get("usage");
        if (usage != null && usage.isObject()) out.add(new AnswerEvent.Usage(usage, new Slot(f, answer, "usage")));
    }

    /** The texts and tool calls of a chat message or delta. */
    private static void message(Frame f, int index, ObjectNode m, AnswerEvent.Form form, List<AnswerEvent> out) {
        channel(f, index, m, "reasoning_content", AnswerEvent.Channel.REASONING, form, out);
        channel(f, index, m, "content", AnswerEvent.Channel.CONTENT, form, out);
        channel(f, index, m, "refusal", AnswerEvent.Channel.REFUSAL, form, out);
        int position = 0;
        for (JsonNode call : m.path("tool_calls")) {
            int callIndex = call.path("index").asInt(position++);
            JsonNode fn = call.get("function");
            if (!(fn instanceof ObjectNode function)) continue;
            out.add(new AnswerEvent.ToolCall(index, callIndex, Json.text(call, "id"), Json.text(function, "name"),
                    Json.text(function, "arguments"), form,
                    new Slot(f, function, "arguments")));
        }
        if (m.get("function_call") instanceof ObjectNode fc) {
            out.add(new AnswerEvent.ToolCall(index, 0, null, Json.text(fc, "name"),
                    Json.text(fc, "arguments"), form, new Slot(f, fc, "arguments")));
        }
    }

    private static void channel(Frame f, int index, ObjectNode m, String field, AnswerEvent.Channel channel, AnswerEvent.Form form,
                                List<AnswerEvent> out) {
        JsonNode v = m.get(field);
        if (v != null && v.isTextual()) out.add(new AnswerEvent.Text(index, 0, channel, v.textValue(), form, new Slot(f, m, field)));
    }

    @Override
    protected StreamChunk render(AnswerEvent added, Frame near) {
        ObjectNode like = near.json() instanceof ObjectNode o && o.has("choices") ? o : lastChunk;
        if (like == null) return null;
        ObjectNode chunk = envelope(like);
        ObjectNode choice = chunk.putArray("choices").addObject();
        if (added instanceof AnswerEvent.Text t) {
            choice.put("index", t.choice());
            if (chat) choice.putObject("delta").put(field(t.channel()), t.text());
            else choice.put("text", t.text());
        } else if (added instanceof AnswerEvent.ToolCall c && chat) {
            choice.put("index", c.choice());
            ObjectNode call = choice.putObject("delta").putArray("tool_calls").addObject().put("index", c.index());
            ObjectNode fn = call.putObject("function");
            if (c.name() != null) fn.put("name", c.name());
            fn.put("arguments", c.arguments() == null ? "" : c.arguments());
        } else {
            return null;
        }
        choice.putNull("finish_reason");
        return StreamChunk.of(null, chunk);
    }

    @Override
    protected boolean addToWhole(Frame f, AnswerEvent added) {
        if (!(added instanceof AnswerEvent.Text t) || !(f.json() instanceof ObjectNode body)) return false;
        for (JsonNode c : body.path("choices")) {
            if (c.path("index").asInt(0) != t.choice() || !(c instanceof ObjectNode choice)) continue;
            ObjectNode holder = chat ? (choice.get("message") instanceof ObjectNode m ? m : null) : choice;
            if (holder == null) return false;
            String field = chat ? field(t.channel()) : "text";
            JsonNode v = holder.get(field);
            holder.put(field, (v != null && v.isTextual() ? v.textValue() : "") + t.text());
            return true;
        }
        return false;
    }

    private static String field(AnswerEvent.Channel channel) {
        return switch (channel) {
            case CONTENT -> "content";
            case REFUSAL -> "refusal";
            case REASONING -> "reasoning_content";
        };
    }

    private static ObjectNode envelope(ObjectNode chunk) {
        ObjectNode o = Json.object();
        for (String f : new String[]{"id", "object", "created", "model", "system_fingerprint"}) {
            if (chunk.has(f)) o.set(f, chunk.get(f));
        }
        return o;
    }
}
