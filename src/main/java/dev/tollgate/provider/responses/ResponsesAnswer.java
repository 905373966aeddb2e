package dev.tollgate.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

/**
 * A whole chat completion → the Responses API's response object: the first choice's reasoning
 * ({@code reasoning_content}, e.g. Anthropic's thinking) as a {@code reasoning} item with one
 * summary text, its text (and refusal) as one message item with {@code output_text} parts, each tool call as a
 * {@code function_call} item, the finish reason as status, usage in Responses terms.
 */
final class ResponsesAnswer {

    private ResponsesAnswer() {}

    static ObjectNode of(JsonNode chat, ResponseShape shape) {
        String base = ResponseShape.base(Json.text(chat, "id"));
        JsonNode choice = chat.path("choices").path(0);
        JsonNode message = choice.path("message");
        ResponseShape.Outcome outcome = ResponseShape.Outcome.of(Json.text(choice, "finish_reason"));
        String itemStatus = outcome.status().equals("completed") ? "completed" : "incomplete";

        ArrayNode output = Json.MAPPER.createArrayNode();
        String reasoning = Json.text(message, "reasoning_content");
        if (reasoning != null && !reasoning.isEmpty()) {
            output.add(ResponseShape.reasoningItem(ResponseShape.reasoningId(base, 0),
                    Json.MAPPER.createArrayNode().add(ResponseShape.summaryText(reasoning))));
        }
        ArrayNode content = Json.MAPPER.createArrayNode();
        String text = text(message.get("content"));
        if (text != null && !text.isEmpty()) content.add(ResponseShape.outputText(text));
        String refusal = Json.text(message, "refusal");
        if (refusal != null && !refusal.isEmpty()) content.add(ResponseShape.refusal(refusal));
        if (!content.isEmpty()) output.add(ResponseShape.messageItem(ResponseShape.messageId(base, output.size()), itemStatus, content));
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode fn = call.path("function");
            output.add(ResponseShape.functionCall(call.path("id").asText(), fn.path("name").asText(), fn.path("arguments").asText(""),
                    "completed"));
        }
        return shape.response(ResponseShape.responseId(base), chat.path("created").asLong(0), Json.text(chat, "model"),
                outcome.status(), outcome.incompleteReason(), output, ResponseShape.usage(chat.get("usage")));
    }

    /** Chat content: a string, or text parts joined. */
    private static String text(JsonNode content) {
        if (content == null || content.isNull()) return null;
        if (content.isTextual()) return content.textValue();
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) if ("text".equals(Json.text(p, "type"))) sb.append(p.path("text").asText());
        return sb.toString();
    }
}
