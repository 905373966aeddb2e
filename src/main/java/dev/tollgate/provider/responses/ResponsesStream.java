package dev.tollgate.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat completion stream → the Responses API's event stream, one instance per request.
 * The first chunk opens the response ({@code response.created}, {@code response.in_progress});
 * reasoning ({@code reasoning_content}, e.g. Anthropic's thinking) opens a {@code reasoning} item
 * with one summary part and streams {@code response.reasoning_summary_text.delta} events;
 * text opens a message item with one {@code output_text} part and streams its deltas; each tool
 * call opens a {@code function_call} item and streams its argument deltas; an item is closed
 * ({@code *.done} events carrying the whole text or arguments) when the next one opens or the
 * chat stream's {@code [DONE]} comes, which becomes {@code response.completed} (or
 * {@code response.incomplete}) with the output and usage. Every event has a
 * {@code sequence_number}, and its SSE event name is its {@code type}. Only the first choice is read:
 * a Responses request cannot ask for more.
 */
final class ResponsesStream {

    private final ResponseShape shape;
    private final ArrayNode output = Json.MAPPER.createArrayNode();
    private List<StreamChunk> out;
    private int sequence;
    private boolean started;
    private String base;
    private long created;
    private String model;
    private String finishReason;
    private JsonNode usage;

    /** The open item: a message's text, or a call's arguments (null: none open). */
    private StringBuilder open;
    private boolean openIsCall;
    private boolean openIsReasoning;
    private int openIndex;
    private int openCall = -1;
    private String callId;
    private String callName;

    ResponsesStream(ResponseShape shape) {
        this.shape = shape;
    }

    /** The Responses events for one chat chunk (the chat stream's {@code [DONE]} included). */
    List<StreamChunk> onChunk(StreamChunk chat) {
        out = new ArrayList<>(4);
        if (chat.isDone()) {
            if (!started) start(null);
            finish();
            return out;
        }
        JsonNode c = chat.json();
        if (c == null) return out;
        if (!started) start(c);
        JsonNode u = c.get("usage");
        if (u != null && u.isObject()) usage = u;
        for (JsonNode choice : c.path("choices")) {
            if (choice.path("index").asInt(0) != 0) continue;
            JsonNode delta = choice.path("delta");
            String thinking = Json.text(delta, "reasoning_content");
            if (thinking != null && !thinking.isEmpty()) reasoning(thinking);
            String text = Json.text(delta, "content");
            if (text != null && !text.isEmpty()) text(text);
            for (JsonNode call : delta.path("tool_calls")) toolCall(call);
            String reason = Json.text(choice, "finish_reason");
            if (reason != null) finishReason = reason;
        }
        return out;
    }

    private void start(JsonNode first) {
        started = true;
        base = ResponseShape.base(first == null ? null : Json.text(first, "id"));
        created = first == null ? System.currentTimeMillis() / 1000 : first.path("created").asLong(System.currentTimeMillis() / 1000);
        model = first == null ? null : Json.text(first, "model");
        ObjectNode inProgress = shape.response(ResponseShape.responseId(base), created, model, "in_progress", null,
                Json.MAPPER.createArrayNode(), null);
        emit(event("response.created").set("response", inProgress));
        emit(event("response.in_progress").set("response", inProgress.deepCopy()));
    }

    /** Reasoning text: a reasoning item with one summary part, its text streamed as summary deltas. */
    private void reasoning(String delta) {
        if (open != null && !openIsReasoning) close("completed");
        if (open == null) {
            open = new StringBuilder();
            openIsCall = false;
            openIsReasoning = true;
            openIndex = output.size();
            String id = ResponseShape.reasoningId(base, openIndex);
            ObjectNode added = event("response.output_item.added").put("output_index", openIndex);
            added.set("item", ResponseShape.reasoningItem(id, Json.MAPPER.createArrayNode()));
            emit(added);
            emit(summaryPart("response.reasoning_summary_part.added", id, ""));
        }
        open.append(delta);
        emit(event("response.reasoning_summary_text.delta").put("item_id", ResponseShape.reasoningId(base, openIndex))
                .put("output_index", openIndex).put("summary_index", 0).put("delta", delta));
    }

    private ObjectNode summaryPart(String type, String itemId, String text) {
        ObjectNode e = event(type).put("item_id", itemId).put("output_index", openIndex).put("summary_index", 0);
        e.set("part", ResponseShape.summaryText(text));
        return e;
    }

    private void text(String delta) {
        if (open != null && (openIsCall || openIsReasoning)) close("completed");
        if (open == null) {
            open = new StringBuilder();
            openIsCall = false;
            openIndex = output.size();
            ObjectNode added = event("response.output_item.added").put("output_index", openIndex);
            added.set("item", ResponseShape.messageItem(ResponseShape.messageId(base, openIndex), "in_progress", Json.MAPPER.createArrayNode()));
            emit(added);
            emit(part("response.content_part.added", ResponseShape.messageId(base, openIndex), ""));
        }
        String id = ResponseShape.messageId(base, openIndex);
        open.append(delta);
        emit(event("response.output_text.delta").put("item_id", id).put("output_index", openIndex).put("content_index", 0)
                .put("delta", delta).set("logprobs", Json.MAPPER.createArrayNode()));
    }

    /** A chat tool-call delta: a new index (or id) opens a function_call item; arguments stream into it. */
    private void toolCall(JsonNode call) {
        int index = call.path("index").asInt(0);
        String id = Json.text(call, "id");
        JsonNode fn = call.path("function");
        if (!openIsCall || open == null || index != openCall || id != null && !id.equals(callId)) {
            if (open != null) close("completed");
            open = new StringBuilder();
            openIsCall = true;
            openIsReasoning = false;
            openIndex = output.size();
            openCall = index;
            callId = id == null ? "call_" + base + "_" + index : id;
            callName = fn.path("name").asText("");
            ObjectNode added = event("response.output_item.added").put("output_index", openIndex);
            added.set("item", ResponseShape.functionCall(callId, callName, "", "in_progress"));
            emit(added);
        }
        String args = Json.text(fn, "arguments");
        if (args == null || args.isEmpty()) return;
        open.append(args);
        emit(event("response.function_call_arguments.delta").put("item_id", ResponseShape.functionCallId(callId))
                .put("output_index", openIndex).put("delta", args));
    }

    /** Ends the open item: its whole text or arguments again, then the item. */
    private void close(String status) {
        ObjectNode item;
        if (openIsReasoning) {
            String id = ResponseShape.reasoningId(base, openIndex);
            String text = open.toString();
            emit(event("response.reasoning_summary_text.done").put("item_id", id).put("output_index", openIndex).put("summary_index", 0)
                    .put("text", text));
            emit(summaryPart("response.reasoning_summary_part.done", id, text));
            item = ResponseShape.reasoningItem(id, Json.MAPPER.createArrayNode().add(ResponseShape.summaryText(text)));
        } else if (openIsCall) {
            String itemId = ResponseShape.functionCallId(callId);
            emit(event("response.function_call_arguments.done").put("item_id", itemId).put("output_index", openIndex)
                    .put("name", callName).put("arguments", open.toString()));
            item = ResponseShape.functionCall(callId, callName, open.toString(), "completed");
        } else {
            String id = ResponseShape.messageId(base, openIndex);
            String text = open.toString();
            emit(event("response.output_text.done").put("item_id", id).put("output_index", openIndex).put("content_index", 0)
                    .put("text", text).set("logprobs", Json.MAPPER.createArrayNode()));
            emit(part("response.content_part.done", id, text));
            ArrayNode content = Json.MAPPER.createArrayNode().add(ResponseShape.outputText(text));
            item = ResponseShape.messageItem(id, status, content);
        }
        output.add(item);
        ObjectNode done = event("response.output_item.done").put("output_index", openIndex);
        done.set("item", item.deepCopy());
        emit(done);
        open = null;
        openIsReasoning = false;
        openCall = -1;
    }

    private void finish() {
        ResponseShape.Outcome outcome = ResponseShape.Outcome.of(finishReason);
        boolean complete = outcome.status().equals("completed");
        if (open != null) close(complete || openIsCall || openIsReasoning ? "completed" : "incomplete");
        ObjectNode response = shape.response(ResponseShape.responseId(base), created, model, outcome.status(),
                outcome.incompleteReason(), output.deepCopy(), ResponseShape.usage(usage));
        emit(event(complete ? "response.completed" : "response.incomplete").set("response", response));
    }

    private ObjectNode part(String type, String itemId, String text) {
        ObjectNode e = event(type).put("item_id", itemId).put("output_index", openIndex).put("content_index", 0);
        e.set("part", ResponseShape.outputText(text));
        return e;
    }

    private ObjectNode event(String type) {
        return Json.object().put("type", type).put("sequence_number", sequence++);
    }

    private void emit(ObjectNode e) {
        out.add(StreamChunk.of(e.get("type").textValue(), e));
    }
}
