package dev.tollgate.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The Responses API's response object for one request, built from a chat completion's parts: ids,
 * the request parameters a response echoes, status, output items and usage. Shared by whole
 * answers and streams so both say the same.
 */
final class ResponseShape {

    private final ObjectNode request;

    /** {@code request}: the Responses request as the chain left it (its parameters are echoed). */
    ResponseShape(ObjectNode request) {
        this.request = request == null ? Json.object() : request;
    }

    /**
     * The id part shared by the response and its message item: the provider's answer id without
     * its own prefix, so {@code msg_01…} from Anthropic stays findable in Anthropic's console.
     */
    static String base(String chatId) {
        if (chatId == null || chatId.isBlank()) return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        for (String prefix : new String[]{"chatcmpl-", "msg_"}) {
            if (chatId.startsWith(prefix) && chatId.length() > prefix.length()) return chatId.substring(prefix.length());
        }
        return chatId;
    }

    static String responseId(String base) {
        return "resp_" + base;
    }

    /** The message item at {@code outputIndex}: the first keeps the bare base, so its id matches the provider's. */
    static String messageId(String base, int outputIndex) {
        return outputIndex == 0 ? "msg_" + base : "msg_" + base + "_" + outputIndex;
    }

    static String reasoningId(String base, int outputIndex) {
        return outputIndex == 0 ? "rs_" + base : "rs_" + base + "_" + outputIndex;
    }

    static String functionCallId(String callId) {
        return "fc_" + callId;
    }

    /** Status and why it is incomplete, from a chat finish reason. */
    record Outcome(String status, String incompleteReason) {
        static Outcome of(String finishReason) {
            if ("length".equals(finishReason)) return new Outcome("incomplete", "max_output_tokens");
            if ("content_filter".equals(finishReason)) return new Outcome("incomplete", "content_filter");
            return new Outcome("completed", null);
        }
    }

    /** The response object; {@code usage} in Responses shape or null. */
    ObjectNode response(String id, long createdAt, String model, String status, String incompleteReason, ArrayNode output, JsonNode usage) {
        ObjectNode r = Json.object();
        r.put("id", id);
        r.put("object", "response");
        r.put("created_at", createdAt);
        r.put("status", status);
        r.putNull("error");
        if (incompleteReason == null) r.putNull("incomplete_details");
        else r.putObject("incomplete_details").put("reason", incompleteReason);
        echo(r, "instructions", null);
        echo(r, "max_output_tokens", null);
        if (model == null) r.putNull("model"); else r.put("model", model);
        r.set("output", output);
        echo(r, "parallel_tool_calls", Json.MAPPER.getNodeFactory().booleanNode(true));
        r.putNull("previous_response_id");
        echo(r, "reasoning", Json.object().putNull("effort").putNull("summary"));
        r.put("store", false);
        echo(r, "temperature", null);
        ObjectNode text = Json.object();
        text.putObject("format").put("type", "text");
        echo(r, "text", text);
        echo(r, "tool_choice", Json.MAPPER.getNodeFactory().textNode("auto"));
        echo(r, "tools", Json.MAPPER.createArrayNode());
        echo(r, "top_p", null);
        echo(r, "truncation", Json.MAPPER.getNodeFactory().textNode("disabled"));
        if (usage == null) r.putNull("usage"); else r.set("usage", usage);
        echo(r, "user", null);
        echo(r, "metadata", Json.object());
        return r;
    }

    private void echo(ObjectNode r, String field, JsonNode otherwise) {
        JsonNode v = request.get(field);
        if (v == null || v.isNull()) v = otherwise;
        if (v == null) r.putNull(field); else r.set(field, v.deepCopy());
    }

    /** A chat usage object in the Responses API's terms (null for null). */
    static ObjectNode usage(JsonNode chat) {
        if (chat == null || !chat.isObject()) return null;
        long input = chat.path("prompt_tokens").asLong(0);
        long output = chat.path("completion_tokens").asLong(0);
        ObjectNode u = Json.object();
        u.put("input_tokens", input);
        JsonNode inDetails = chat.path("prompt_tokens_details");
        // Cache writes: OpenAI's own count, else Anthropic's raw count that its chat usage keeps beside it.
        long cacheWrites = inDetails.has("cache_write_tokens") ? inDetails.path("cache_write_tokens").asLong(0)
                : chat.path("cache_creation_input_tokens").asLong(0);
        u.putObject("input_tokens_details").put("cached_tokens", inDetails.path("cached_tokens").asLong(0))
                .put("cache_write_tokens", cacheWrites);
        u.put("output_tokens", output);
        u.putObject("output_tokens_details").put("reasoning_tokens",
                chat.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
        u.put("total_tokens", chat.has("total_tokens") ? chat.path("total_tokens").asLong(0) : input + output);
        return u;
    }

    static ObjectNode messageItem(String id, String status, ArrayNode content) {
        ObjectNode item = Json.object();
        item.put("id", id);
        item.put("type", "message");
        item.put("status", status);
        item.set("content", content);
        item.put("role", "assistant");
        return item;
    }

    /** A reasoning item: the model's thinking as one summary text (Anthropic's thinking is not summarised, but it is what there is). */
    static ObjectNode reasoningItem(String id, ArrayNode summary) {
        ObjectNode item = Json.object();
        item.put("id", id);
        item.put("type", "reasoning");
        item.set("summary", summary);
        return item;
    }

    static ObjectNode summaryText(String text) {
        return Json.object().put("type", "summary_text").put("text", text);
    }

    static ObjectNode outputText(String text) {
        ObjectNode p = Json.object();
        p.put("type", "output_text");
        p.putArray("annotations");
        p.put("text", text);
        return p;
    }

    static ObjectNode refusal(String text) {
        return Json.object().put("type", "refusal").put("refusal", text);
    }

    static ObjectNode functionCall(String callId, String name, String arguments, String status) {
        ObjectNode item = Json.object();
        item.put("id", functionCallId(callId));
        item.put("type", "function_call");
        item.put("status", status);
        item.put("arguments", arguments);
        item.put("call_id", callId);
        item.put("name", name);
        return item;
    }
}
