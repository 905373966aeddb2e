package dev.tollgate.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Responses API ({@code /v1/responses}): an answer is a list of output items; a message item's
 * {@code output_text} parts hold its text, a {@code function_call} item a tool call. Its stream
 * sends typed events: text and argument deltas, then each text and item again whole in
 * {@code *.done} events and the final {@code response.completed} (decoded as
 * {@link AnswerEvent.Form#REPEAT}). Choice = output index, part = content index.
 */
final class ResponsesCodec extends AnswerCodec {

    /** Output index → the item's id, for delta events the gateway adds. */
    private final Map<Integer, String> itemIds = new HashMap<>(4);
    /** The last sequence number sent (-1: none known), and how many events the gateway has added so far. */
    private long lastSequence = -1;
    private long added;
    /** The upstream's last event while nothing was added: read for its number only if the gateway adds one after it. */
    private StreamChunk lastUpstream;

    /**
     * Every event of a Responses stream carries a {@code sequence_number}, increasing. An event the
     * gateway adds takes the next one, and the upstream's later events move up by one each: they
     * are rewritten then (only then), so an untouched stream keeps its bytes and is not parsed for this.
     */
    @Override
    protected List<StreamChunk> sequenced(Frame f, List<StreamChunk> chunks) {
        List<StreamChunk> out = chunks;
        for (int i = 0; i < chunks.size(); i++) {
            StreamChunk c = chunks.get(i);
            StreamChunk n = number(c, c == f.event() || f.json() != null && c.json() == f.json());
            if (n == c) continue;
            if (out == chunks) out = new java.util.ArrayList<>(chunks);
            out.set(i, n);
        }
        return out;
    }

    @Override
    public void passedUndecoded(StreamChunk upstream) {
        if (added == 0) lastUpstream = upstream;
    }

    private StreamChunk number(StreamChunk c, boolean upstreams) {
        if (upstreams && added == 0) {
            lastUpstream = c;
            return c;
        }
        if (!(c.json() instanceof ObjectNode o)) return c;
        if (lastUpstream != null) {
            // The first event the gateway adds: the number to follow is the upstream's last.
            JsonNode n = lastUpstream.json() instanceof ObjectNode last ? last.get("sequence_number") : null;
            if (n != null && n.canConvertToLong()) lastSequence = Math.max(lastSequence, n.asLong());
            lastUpstream = null;
        }
        if (upstreams) {
            JsonNode n = o.get("sequence_number");
            if (n == null || !n.canConvertToLong()) return c; // an upstream that does not number its events
            lastSequence = n.asLong() + added;
        } else {
            lastSequence++;
            added++;
        }
        o.put("sequence_number", lastSequence);
        return StreamChunk.of(c.event(), o);
    }

    @Override
    protected AnswerEvent.Start start(ObjectNode first) {
        JsonNode r = first.get("response");
        if (r == null) return null;
        return new AnswerEvent.Start(Json.text(r, "id"), Json.text(r, "model"));
    }

    @Override
    protected JsonNode usageOf(ObjectNode frame) {
        JsonNode u = frame.path("response").get("usage");
        return u != null && u.isObject() ? u : null;
    }

    /**
     * Also a stream whose events carry their type only in the data (servers that send no SSE
     * {@code event:} lines): read from the JSON then, and only then.
     */
    @Override
    public boolean isTerminal(StreamChunk chunk) {
        if (super.isTerminal(chunk)) return true;
        if (chunk.event() != null) return false;
        String data = chunk.data();
        if (data == null || !(data.contains("\"response.") || data.contains("\"error\""))) return false;
        String type = chunk.json() instanceof ObjectNode o ? Json.text(o, "type") : null;
        return type != null && END_EVENTS.contains(type);
    }

    /**
     * A Responses stream reports errors as an {@code error} event ({@code message} at the top) or a
     * {@code response.failed} whose response holds the {@code error}; a chunk with a top-level
     * error object (chat style, from some servers) counts too.
     */
    @Override
    public String failureOf(StreamChunk chunk) {
        String data = chunk.data();
        if (data == null || !data.contains("\"error\"")) return null;
        if (!(chunk.json() instanceof ObjectNode o)) return null;
        String type = Json.text(o, "type");
        if (type == null) type = chunk.event();
        if ("error".equals(type)) {
            JsonNode m = o.get("message");
            if (m != null && m.isTextual()) return m.textValue();
            String nested = errorMessage(o.get("error"));
            return nested != null ? nested : "upstream error";
        }
        if ("response.failed".equals(type)) {
            String m = errorMessage(o.path("response").get("error"));
            return m != null ? m : "upstream error";
        }
        return type == null || !type.startsWith("response.") ? errorMessage(o.get("error")) : null;
    }

    /** The Responses API's {@code error} event: {@code type}, {@code code}, {@code message}, {@code param}. */
    @Override
    public StreamChunk failureEvent(ObjectNode openAiError) {
        JsonNode error = openAiError.path("error");
        ObjectNode e = Json.object().put("type", "error");
        e.set("code", error.hasNonNull("code") ? error.get("code") : error.path("type").isTextual() ? error.get("type") : Json.MAPPER.getNodeFactory().nullNode());
        e.put("message", error.path("message").asText("upstream error"));
        e.set("param", error.hasNonNull("param") ? error.get("param") : Json.MAPPER.getNodeFactory().nullNode());
        return StreamChunk.of("error", e);
    }

    @Override
    protected boolean carriesOnlyUsage(ObjectNode frame) {
        return false;
    }

    @Override
    protected Slot usageSlot(Frame f, ObjectNode frame) {
        return new Slot(f, (ObjectNode) frame.get("response"), "usage");
    }

    @Override
    protected void streamEvents(Frame f, ObjectNode e, List<AnswerEvent> out) {
        String type = Json.text(e, "type");
        if (type == null) type = f.event().event() == null ? "" : f.event().event();
        int item = e.path("output_index").asInt(0);
        int part = e.path("content_index").asInt(0);
        String itemId = Json.text(e, "item_id");
        if (itemId != null) itemIds.putIfAbsent(item, itemId);
        switch (type) {
            case "response.output_text.delta" -> out.add(textEvent(f, e, "delta", item, part, AnswerEvent.Channel.CONTENT, AnswerEvent.Form.DELTA));
            case "response.refusal.delta" -> out.add(textEvent(f, e, "delta", item, part, AnswerEvent.Channel.REFUSAL, AnswerEvent.Form.DELTA));
            case "response.reasoning_text.delta", "response.reasoning_summary_text.delta" ->
                    out.add(textEvent(f, e, "delta", item, part, AnswerEvent.Channel.REASONING, AnswerEvent.Form.DELTA));
            case "response.output_text.done" -> {
                out.add(new AnswerEvent.Finish(item, part, null));
                out.add(textEvent(f, e, "text", item, part, AnswerEvent.Channel.CONTENT, AnswerEvent.Form.REPEAT));
            }
            case "response.refusal.done" -> {
                out.add(new AnswerEvent.Finish(item, part, null));
                out.add(textEvent(f, e, "refusal", item, part, AnswerEvent.Channel.REFUSAL, AnswerEvent.Form.REPEAT));
            }
            case "response.function_call_arguments.delta" ->
                    out.add(new AnswerEvent.ToolCall(item, 0, null, null, Json.text(e, "delta"), AnswerEvent.Form.DELTA, new Slot(f, e, "delta")));
            case "response.function_call_arguments.done" -> {
                out.add(new AnswerEvent.Finish(item, 0, null));
                out.add(new AnswerEvent.ToolCall(item, 0, null, Json.text(e, "name"), Json.text(e, "arguments"), AnswerEvent.Form.REPEAT,
                        new Slot(f, e, "arguments")));
            }
            case "response.output_item.added" -> {
                if (e.get("item") instanceof ObjectNode it) {
                    String id = Json.text(it, "id");
                    if (id != null) itemIds.put(item, id);
                    boolean fresh = "function_call".equals(Json.text(it, "type"));
                    outputItem(f, item, it, fresh ? AnswerEvent.Form.DELTA : AnswerEvent.Form.REPEAT, out);
                }
            }
            case "response.output_item.done" -> {
                if (e.get("item") instanceof ObjectNode it) outputItem(f, item, it, AnswerEvent.Form.REPEAT, out);
            }
            case "response.content_part.added", "response.content_part.done" -> {
                if (e.get("part") instanceof ObjectNode p) contentPart(f, item, part, p, AnswerEvent.Form.REPEAT, out);
            }
            default -> {
                if (e.get("response") instanceof ObjectNode r) {
                    output(f, r, AnswerEvent.Form.REPEAT, out);
                    JsonNode usage = usageOf(e);
                    if (usage != null) out.add(new AnswerEvent.Usage(usage, usageSlot(f, e)));
                }
            }
        }
    }

    @Override
    protected void wholeEvents(Frame f, List<AnswerEvent> out) {
        if (!(f.json() instanceof ObjectNode body)) return;
        out.add(new AnswerEvent.Start(Json.text(body, "id"), Json.text(body, "model")));
        output(f, body, AnswerEvent.Form.WHOLE, out);
        JsonNode usage = body.get("usage");
        if (usage != null && usage.isObject()) out.add(new AnswerEvent.Usage(usage, new Slot(f, body, "usage")));
    }

    /** Every output item of a response object. */
    private static void output(Frame f, ObjectNode response, AnswerEvent.Form form, List<AnswerEvent> out) {
        int index = 0;
        for (JsonNode item : response.path("output")) {
            if (item instanceof ObjectNode it) outputItem(f, index, it, form, out);
            if (form == AnswerEvent.Form.WHOLE && isMessageOrCall(item)) out.add(new AnswerEvent.Finish(index, 0, null));
            index++;
        }
    }

    private static boolean isMessageOrCall(JsonNode item) {
        String type = item.path("type").asText();
        return type.equals("message") || type.equals("function_call");
    }

    private static void outputItem(Frame f, int index, ObjectNode item, AnswerEvent.Form form, List<AnswerEvent> out) {
        String type = Json.text(item, "type");
        if ("function_call".equals(type)) {
            out.add(new AnswerEvent.ToolCall(index, 0, Json.text(item, "call_id"), Json.text(item, "name"), Json.text(item, "arguments"), form,
                    new Slot(f, item, "arguments")));
            return;
        }
        int part = 0;
        for (JsonNode p : item.path("content")) {
            if (p instanceof ObjectNode po) contentPart(f, index, part, po, form, out);
            part++;
        }
    }

    private static void contentPart(Frame f, int item, int part, ObjectNode p, AnswerEvent.Form form, List<AnswerEvent> out) {
        String type = Json.text(p, "type");
        if ("output_text".equals(type) && p.path("text").isTextual()) {
            out.add(new AnswerEvent.Text(item, part, AnswerEvent.Channel.CONTENT, p.get("text").textValue(), form, new Slot(f, p, "text")));
        } else if ("refusal".equals(type) && p.path("refusal").isTextual()) {
            out.add(new AnswerEvent.Text(item, part, AnswerEvent.Channel.REFUSAL, p.get("refusal").textValue(), form, new Slot(f, p, "refusal")));
        }
    }

    private static AnswerEvent.Text textEvent(Frame f, ObjectNode e, String field, int item, int part, AnswerEvent.Channel channel,
                                         AnswerEvent.Form form) {
        String v = Json.text(e, field);
        return new AnswerEvent.Text(item, part, channel, v == null ? "" : v, form, new Slot(f, e, field));
    }

    @Override
    protected StreamChunk render(AnswerEvent added, Frame near) {
        ObjectNode e = Json.object();
        String type;
        int item;
        if (added instanceof AnswerEvent.Text t && t.channel() == AnswerEvent.Channel.CONTENT) {
            type = "response.output_text.delta";
            item = t.choice();
            e.put("type", type);
            e.put("item_id", itemIds.get(item));
            e.put("output_index", item);
            e.put("content_index", t.part());
            e.put("delta", t.text());
        } else if (added instanceof AnswerEvent.ToolCall c && c.arguments() != null) {
            type = "response.function_call_arguments.delta";
            item = c.choice();
            e.put("type", type);
            e.put("item_id", itemIds.get(item));
            e.put("output_index", item);
            e.put("delta", c.arguments());
        } else {
            return null;
        }
        return StreamChunk.of(type, e);
    }
}
