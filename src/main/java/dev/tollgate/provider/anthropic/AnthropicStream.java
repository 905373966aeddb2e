package dev.tollgate.provider.anthropic;

import dev.tollgate.provider.StreamError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's streamed message events → OpenAI {@code chat.completion.chunk} objects, one
 * instance per streamed request (it remembers the message id, the model, the usage so far and
 * which content blocks are tool calls). Translating before the policy chain means policies only
 * ever see OpenAI chunks, whichever provider answered.
 *
 * <p>Mapping: {@code message_start} → a first chunk with {@code role:"assistant"};
 * {@code text_delta} → {@code delta.content}; a {@code tool_use} block → a tool call whose
 * {@code index} counts tool calls (not content blocks, as OpenAI clients expect), then its
 * {@code input_json_delta}s → {@code function.arguments} pieces; {@code message_delta} → a chunk
 * with the {@code finish_reason}; {@code message_stop} → a final usage chunk
 * ({@code choices: []}), sent whether or not the caller asked for
 * {@code stream_options.include_usage}, so usage is always accounted. Thinking as LiteLLM
 * streams it: {@code thinking_delta} → {@code delta.reasoning_content}; the block's
 * {@code signature_delta} → {@code delta.thinking_blocks: [{type: thinking, signature}]} (the
 * thinking text since the last signature plus this signature is the block to send back); a
 * {@code redacted_thinking} block → {@code delta.thinking_blocks: [{type: redacted_thinking,
 * data}]}. {@code ping}, {@code content_block_stop} and event types Anthropic may add later
 * produce nothing. An {@code error} event throws {@link StreamError}. The gateway writes
 * {@code [DONE]} itself.
 */
public final class AnthropicStream {

    private final long created;
    private String id;
    private String model;
    private AnthropicUsage usage = AnthropicUsage.ZERO;
    /** Content block index → OpenAI tool call index, for tool_use blocks only. */
    private final Map<Integer, Integer> toolCalls = new HashMap<>();
    private boolean finished;

    /** @param createdSeconds the {@code created} of every chunk (Unix seconds): Anthropic sends none */
    public AnthropicStream(long createdSeconds) {
        this.created = createdSeconds;
    }

    /**
     * Translates one SSE event.
     *
     * @param eventName the SSE {@code event:} name; when null, the data's {@code type} is used
     * @param data      the event's JSON data
     * @return the chunks to send, in order; often none
     * @throws StreamError on an {@code error} event
     */
    public List<ObjectNode> onEvent(String eventName, JsonNode data) {
        String name = eventName != null ? eventName : Json.text(data, "type");
        if (name == null) return List.of();
        switch (name) {
            case "message_start" -> {
                JsonNode message = data.path("message");
                id = Json.text(message, "id");
                model = Json.text(message, "model");
                usage = AnthropicUsage.from(message.get("usage"));
                return List.of(chunk(Json.object().put("role", "assistant").put("content", ""), null));
            }
            case "content_block_start" -> {
                JsonNode block = data.path("content_block");
                String type = Json.text(block, "type");
                if ("tool_use".equals(type)) {
                    int index = toolCalls.size();
                    toolCalls.put(data.path("index").asInt(), index);
                    ObjectNode delta = Json.object();
                    ObjectNode call = delta.putArray("tool_calls").addObject();
                    call.put("index", index).put("id", Json.text(block, "id")).put("type", "function");
                    call.putObject("function").put("name", Json.text(block, "name")).put("arguments", "");
                    return List.of(chunk(delta, null));
                }
                if ("text".equals(type)) {
                    String text = Json.text(block, "text");
                    if (text != null && !text.isEmpty()) return List.of(content(text));
                }
                if ("thinking".equals(type)) {
                    String thinking = Json.text(block, "thinking");
                    if (thinking != null && !thinking.isEmpty()) return List.of(reasoning(thinking));
                }
                if ("redacted_thinking".equals(type)) {
                    return List.of(thinkingBlock(Json.object().put("type", "redacted_thinking").put("data", block.path("data").asText(""))));
                }
                return List.of();
            }
            case "content_block_delta" -> {
                JsonNode delta = data.path("delta");
                String type = Json.text(delta, "type");
                if ("text_delta".equals(type)) {
                    return List.of(content(delta.path("text").asText("")));
                }
                if ("input_json_delta".equals(type)) {
                    Integer index = toolCalls.get(data.path("index").asInt());
                    String partial = Json.text(delta, "partial_json");
                    if (index == null || partial == null || partial.isEmpty()) return List.of();
                    ObjectNode d = Json.object();
                    d.putArray("tool_calls").addObject().put("index", index).putObject("function").put("arguments", partial);
                    return List.of(chunk(d, null));
                }
                if ("thinking_delta".equals(type)) {
                    String thinking = Json.text(delta, "thinking");
                    return thinking == null || thinking.isEmpty() ? List.of() : List.of(reasoning(thinking));
                }
                if ("signature_delta".equals(type)) {
                    String signature = Json.text(delta, "signature");
                    if (signature == null) return List.of();
                    return List.of(thinkingBlock(Json.object().put("type", "thinking").put("signature", signature)));
                }
                return List.of(); // citations_delta, …
            }
            case "message_delta" -> {
                usage = usage.update(data.get("usage"));
                String finish = AnthropicChat.finishReason(Json.text(data.path("delta"), "stop_reason"));
                if (finish == null || finished) return List.of();
                finished = true;
                return List.of(chunk(Json.object(), finish));
            }
            case "message_stop" -> {
                ObjectNode c = header();
                c.putArray("choices");
                c.set("usage", usage.toOpenAi());
                return List.of(c);
            }
            case "error" -> throw streamError(AnthropicChat.error(200, data));
            default -> {
                return List.of(); // ping, content_block_stop, and event types added later
            }
        }
    }

    private ObjectNode reasoning(String text) {
        return chunk(Json.object().put("reasoning_content", text), null);
    }

    /** One block for {@code delta.thinking_blocks}: a thinking block's signature, or a redacted block. */
    private ObjectNode thinkingBlock(ObjectNode block) {
        ObjectNode delta = Json.object();
        delta.putArray("thinking_blocks").add(block);
        return chunk(delta, null);
    }

    private ObjectNode content(String text) {
        return chunk(Json.object().put("content", text), null);
    }

    /** A chunk with one choice. */
    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode c = header();
        ObjectNode ch = c.putArray("choices").addObject();
        ch.put("index", 0);
        ch.set("delta", delta);
        ch.putNull("logprobs");
        if (finishReason == null) ch.putNull("finish_reason"); else ch.put("finish_reason", finishReason);
        return c;
    }

    /** The fields every chunk of the stream shares. */
    private ObjectNode header() {
        return StreamChunk.chatChunk(id, created, model);
    }

    private static StreamError streamError(AnthropicChat.Error e) {
        return new StreamError(e.status(), e.openAiError());
    }
}
