package dev.tollgate.provider.responses;

/** The exact Responses API texts the gateway writes, for tests to compare whole answers and event streams with. */
final class ResponsesShapes {

    private ResponsesShapes() {}

    static final String WEATHER_TOOL = "{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Current weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}";

    /** A response object for a request that set no echoed parameter except {@code tools}. */
    static String response(String id, String status, String model, String output, String tools, String usage) {
        return "{\"id\":\"" + id + "\",\"object\":\"response\",\"created_at\":0,\"status\":\"" + status + "\",\"error\":null,"
                + "\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":null,\"model\":\"" + model + "\","
                + "\"output\":" + output + ",\"parallel_tool_calls\":true,\"previous_response_id\":null,"
                + "\"reasoning\":{\"effort\":null,\"summary\":null},\"store\":false,\"temperature\":null,"
                + "\"text\":{\"format\":{\"type\":\"text\"}},\"tool_choice\":\"auto\",\"tools\":" + tools + ",\"top_p\":null,"
                + "\"truncation\":\"disabled\",\"usage\":" + usage + ",\"user\":null,\"metadata\":{}}";
    }

    static String usage(int input, int output) {
        return "{\"input_tokens\":" + input + ",\"input_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":0},\"output_tokens\":" + output
                + ",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":" + (input + output) + "}";
    }

    static String message(String id, String status, String text) {
        return "{\"id\":\"" + id + "\",\"type\":\"message\",\"status\":\"" + status + "\",\"content\":[" + outputText(text) + "],\"role\":\"assistant\"}";
    }

    static String outputText(String text) {
        return "{\"type\":\"output_text\",\"annotations\":[],\"text\":\"" + text + "\"}";
    }

    /** {@code argumentsJson}: the arguments as a JSON string literal, quotes included. */
    static String functionCall(String callId, String status, String argumentsJson) {
        return "{\"id\":\"fc_" + callId + "\",\"type\":\"function_call\",\"status\":\"" + status + "\",\"arguments\":" + argumentsJson
                + ",\"call_id\":\"" + callId + "\",\"name\":\"get_weather\"}";
    }

    /** One SSE event as the gateway writes it: its event name is its type. */
    static String event(String type, int sequence, String fields) {
        return "event: " + type + "\ndata: {\"type\":\"" + type + "\",\"sequence_number\":" + sequence + (fields.isEmpty() ? "" : "," + fields)
                + "}\n\n";
    }

    /** The opening events of a stream: created and in progress, with nothing out yet. */
    static String opening(String id, String model, String tools) {
        String r = response(id, "in_progress", model, "[]", tools, "null");
        return event("response.created", 0, "\"response\":" + r) + event("response.in_progress", 1, "\"response\":" + r);
    }

    /** The events of one streamed text item at output 0, starting at sequence 2. */
    static String textItem(String itemId, String... deltas) {
        StringBuilder sb = new StringBuilder();
        int seq = 2;
        sb.append(event("response.output_item.added", seq++, "\"output_index\":0,\"item\":{\"id\":\"" + itemId
                + "\",\"type\":\"message\",\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}"));
        sb.append(event("response.content_part.added", seq++, "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,\"part\":"
                + outputText("")));
        StringBuilder text = new StringBuilder();
        for (String d : deltas) {
            text.append(d);
            sb.append(event("response.output_text.delta", seq++, "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
                    + "\"delta\":\"" + d + "\",\"logprobs\":[]"));
        }
        sb.append(event("response.output_text.done", seq++, "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
                + "\"text\":\"" + text + "\",\"logprobs\":[]"));
        sb.append(event("response.content_part.done", seq++, "\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,\"part\":"
                + outputText(text.toString())));
        sb.append(event("response.output_item.done", seq, "\"output_index\":0,\"item\":" + message(itemId, "completed", text.toString())));
        return sb.toString();
    }

    /** Timestamps come from the clock: zeroed for comparison. */
    static String normalized(String body) {
        return body.replaceAll("\"created_at\":\\d+", "\"created_at\":0");
    }
}
