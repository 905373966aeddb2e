package dev.tollgate.caller.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one streamed OpenAI chat completion ({@code chat.completion.chunk}s) into the Anthropic
 * Messages SSE events, in the order the Anthropic API sends them:
 * {@code message_start}, then for each content block {@code content_block_start},
 * {@code content_block_delta}… and {@code content_block_stop}, then {@code message_delta} (stop
 * reason and usage) and {@code message_stop}. One instance per request: it keeps the open block
 * and the block index of each tool call. Not thread-safe (one stream is read in order).
 *
 * <p>Thinking: reasoning text ({@code delta.reasoning_content}, or {@code delta.reasoning}) opens
 * a {@code thinking} block fed by {@code thinking_delta}s; a signature in
 * {@code delta.thinking_blocks} (what AnthropicStream makes of Anthropic's {@code signature_delta})
 * becomes a {@code signature_delta} and closes the block; a redacted block in it becomes a
 * {@code redacted_thinking} block. A server that signs nothing leaves the signature empty.
 *
 * <p>Blocks: text is block 0 when the answer starts with text; each tool call gets its own block,
 * numbered in the order the calls start. A block is closed before the next one opens, as the
 * Anthropic API does. Argument fragments become {@code input_json_delta}s, relayed as they come.
 * OpenAI sends a tool call's fragments together; should a server interleave two calls, a late
 * fragment is still sent with its own (already closed) block's index rather than dropped, which
 * the SDKs' index-based accumulation handles.
 *
 * <p>Usage: the gateway asks for {@code stream_options.include_usage}, so OpenAI sends usage in a
 * last chunk with {@code choices: []}, after the one carrying {@code finish_reason}. The
 * {@code message_delta} is therefore held until usage has arrived (or {@link #onEnd()}), and then
 * carries the whole usage (input, cache read and write, output), which the Anthropic SDKs take
 * over into the final message; {@code message_start} reports zero input tokens because OpenAI has
 * not counted them yet. Without usage, {@code message_delta} reports {@code output_tokens: 0}.
 *
 * <p>{@code ping} events are not produced: they only keep idle connections open.
 */
public final class MessagesStream {

    /** One SSE event: its {@code event:} name and its {@code data:} JSON. */
    public record Event(String name, ObjectNode data) {
        /** The event as SSE text: {@code event: <name>\ndata: <compact json>\n\n}. */
        public String toSse() {
            return "event: " + name + "\ndata: " + Json.toString(data) + "\n\n";
        }
    }

    private boolean started;
    private boolean done;
    private int nextIndex;
    /** The index of the open block, or -1. */
    private int open = -1;
    private boolean textOpen;
    private boolean thinkingOpen;
    /** OpenAI tool-call index → Anthropic block index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private String finish;
    private JsonNode matchedStop;
    private boolean refused;
    private JsonNode usage;

    /** The events one chunk produces (often none or one). Chunks after the end are ignored. */
    public List<Event> onChunk(JsonNode chunk) {
        List<Event> out = new ArrayList<>();
        if (done) return out;
        if (chunk.get("error") != null && !chunk.get("error").isNull()) {
            // An error event mid-stream ends the stream; like the Anthropic API, no stop events follow.
            done = true;
            out.add(error(500, chunk));
            return out;
        }
        start(chunk, out);

        JsonNode choice = first(chunk.get("choices"));
        if (choice != null) {
            JsonNode delta = choice.path("delta");
            thinking(MessagesInbound.reasoningText(delta), out);
            for (JsonNode block : delta.path("thinking_blocks")) thinkingBlock(block, out);
            text(Json.text(delta, "content"), out);
            String refusal = Json.text(delta, "refusal");
            if (refusal != null && !refusal.isEmpty()) {
                refused = true;
                text(refusal, out);
            }
            for (JsonNode call : delta.path("tool_calls")) toolCall(call, out);
            String f = Json.text(choice, "finish_reason");
            if (f != null) {
                finish = f;
                matchedStop = choice.get("stop_reason");
                close(out);
            }
        }
        JsonNode u = chunk.get("usage");
        if (u != null && u.isObject()) usage = u;
        if (finish != null && usage != null) finish(out);
        return out;
    }

    /**
     * The events still owed when the upstream stream has ended: the held {@code message_delta}
     * and {@code message_stop} (a stream that ended without a finish reason reports
     * {@code end_turn}), preceded by {@code message_start} and a block stop if still needed, so
     * the caller always gets a complete message. Nothing after an error or a finished stream.
     */
    public List<Event> onEnd() {
        List<Event> out = new ArrayList<>();
        if (done) return out;
        start(Json.object(), out);
        finish(out);
        return out;
    }

    /**
     * The Anthropic {@code error} event for an OpenAI error (a body {@code {"error": {...}}}),
     * typed by status as in {@link MessagesInbound#errorFromOpenAi(int, JsonNode)}. A mid-stream
     * error carries no status of its own; {@link #onChunk} uses 500 ({@code api_error}).
     */
    public static Event error(int status, JsonNode openAiError) {
        return new Event("error", MessagesInbound.errorFromOpenAi(status, openAiError).anthropicError());
    }

    private void start(JsonNode chunk, List<Event> out) {
        if (started) return;
        started = true;
        ObjectNode data = Json.object().put("type", "message_start");
        ObjectNode message = data.putObject("message");
        message.put("id", MessagesInbound.messageId(Json.text(chunk, "id")));
        message.put("type", "message");
        message.put("role", "assistant");
        String model = Json.text(chunk, "model");
        message.put("model", model == null ? "" : model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        JsonNode u = chunk.get("usage");
        message.set("usage", MessagesInbound.usage(u != null && u.isObject() ? u : null));
        out.add(new Event("message_start", data));
    }

    private void text(String text, List<Event> out) {
        if (text == null || text.isEmpty()) return;
        if (!textOpen) {
            close(out);
            open = nextIndex++;
            textOpen = true;
            ObjectNode data = Json.object().put("type", "content_block_start").put("index", open);
            data.putObject("content_block").put("type", "text").put("text", "");
            out.add(new Event("content_block_start", data));
        }
        ObjectNode data = Json.object().put("type", "content_block_delta").put("index", open);
        data.putObject("delta").put("type", "text_delta").put("text", text);
        out.add(new Event("content_block_delta", data));
    }

    /** Reasoning text: a thinking block, opened with an empty signature (OpenAI-compatible servers sign nothing). */
    private void thinking(String text, List<Event> out) {
        if (text == null || text.isEmpty()) return;
        openThinking(out);
        ObjectNode data = Json.object().put("type", "content_block_delta").put("index", open);
        data.putObject("delta").put("type", "thinking_delta").put("thinking", text);
        out.add(new Event("content_block_delta", data));
    }

    private void openThinking(List<Event> out) {
        if (thinkingOpen) return;
        close(out);
        open = nextIndex++;
        thinkingOpen = true;
        ObjectNode data = Json.object().put("type", "content_block_start").put("index", open);
        data.putObject("content_block").put("type", "thinking").put("thinking", "").put("signature", "");
        out.add(new Event("content_block_start", data));
    }

    /**
     * A block of {@code delta.thinking_blocks} (an Anthropic deployment's, see AnthropicStream): a
     * signature ends the thinking block it signs; a redacted block is a block of its own.
     */
    private void thinkingBlock(JsonNode block, List<Event> out) {
        String type = Json.text(block, "type");
        if ("thinking".equals(type)) {
            String signature = Json.text(block, "signature");
            if (signature == null || signature.isEmpty()) return;
            openThinking(out);
            ObjectNode data = Json.object().put("type", "content_block_delta").put("index", open);
            data.putObject("delta").put("type", "signature_delta").put("signature", signature);
            out.add(new Event("content_block_delta", data));
            close(out);
        } else if ("redacted_thinking".equals(type)) {
            close(out);
            open = nextIndex++;
            ObjectNode data = Json.object().put("type", "content_block_start").put("index", open);
            data.putObject("content_block").put("type", "redacted_thinking").put("data", block.path("data").asText(""));
            out.add(new Event("content_block_start", data));
            close(out);
        }
    }

    private void toolCall(JsonNode call, List<Event> out) {
        int key = call.path("index").asInt(0);
        Integer block = toolBlocks.get(key);
        if (block == null) {
            close(out);
            block = nextIndex++;
            toolBlocks.put(key, block);
            open = block;
            ObjectNode data = Json.object().put("type", "content_block_start").put("index", block);
            ObjectNode tool = data.putObject("content_block").put("type", "tool_use");
            String id = Json.text(call, "id");
            tool.put("id", id == null ? "call_" + key : id);
            String name = Json.text(call.path("function"), "name");
            tool.put("name", name == null ? "" : name);
            tool.putObject("input");
            out.add(new Event("content_block_start", data));
        }
        String args = Json.text(call.path("function"), "arguments");
        if (args == null || args.isEmpty()) return;
        ObjectNode data = Json.object().put("type", "content_block_delta").put("index", block);
        data.putObject("delta").put("type", "input_json_delta").put("partial_json", args);
        out.add(new Event("content_block_delta", data));
    }

    private void close(List<Event> out) {
        if (open < 0) return;
        out.add(new Event("content_block_stop", Json.object().put("type", "content_block_stop").put("index", open)));
        open = -1;
        textOpen = false;
        thinkingOpen = false;
    }

    private void finish(List<Event> out) {
        close(out);
        String[] stop = MessagesInbound.stopReason(finish, matchedStop);
        ObjectNode data = Json.object().put("type", "message_delta");
        ObjectNode delta = data.putObject("delta");
        delta.put("stop_reason", refused && !"tool_use".equals(stop[0]) ? "refusal" : stop[0]);
        if (stop[1] == null) delta.putNull("stop_sequence"); else delta.put("stop_sequence", stop[1]);
        data.set("usage", usage == null ? Json.object().put("output_tokens", 0) : MessagesInbound.usage(usage));
        out.add(new Event("message_delta", data));
        out.add(new Event("message_stop", Json.object().put("type", "message_stop")));
        done = true;
    }

    private static JsonNode first(JsonNode choices) {
        if (choices == null || !choices.isArray()) return null;
        for (JsonNode c : choices) {
            if (c.path("index").asInt(0) == 0) return c;
        }
        return null;
    }
}
