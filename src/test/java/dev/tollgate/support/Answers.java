package dev.tollgate.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;

/**
 * Fake upstream answers carrying a given text, whole or streamed, in the three OpenAI caller APIs,
 * and the caller-visible result read back from either form (see {@link AnswerMode}).
 *
 * <p>Every answer reports the same usage (prompt 9, completion 2, total 11) so the usage the
 * gateway records can be compared across modes.
 */
public final class Answers {

    private Answers() {}

    /** Piece sizes that move chunk boundaries through words: 1, 4, 2, 7, 3, 11, 5, repeating. */
    static final int[] VARIED_PIECES = {1, 4, 2, 7, 3, 11, 5};

    /** A caller API whose answers carry text. */
    public enum Api {
        CHAT("/v1/chat/completions"), COMPLETIONS("/v1/completions"), RESPONSES("/v1/responses");

        private final String path;

        Api(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }

        /** A request of this API for gpt-4o with this end-user text (and optional system/instructions text). */
        public String request(String system, String user) {
            String u = Json.MAPPER.valueToTree(user).toString();
            return switch (this) {
                case CHAT -> "{\"model\":\"gpt-4o\",\"messages\":["
                        + (system == null ? "" : "{\"role\":\"system\",\"content\":" + Json.MAPPER.valueToTree(system) + "},")
                        + "{\"role\":\"user\",\"content\":" + u + "}]}";
                case COMPLETIONS -> "{\"model\":\"gpt-4o\",\"prompt\":"
                        + (system == null ? u : Json.MAPPER.valueToTree(system + "\n" + user).toString()) + "}";
                case RESPONSES -> "{\"model\":\"gpt-4o\","
                        + (system == null ? "" : "\"instructions\":" + Json.MAPPER.valueToTree(system) + ",")
                        + "\"input\":" + u + "}";
            };
        }
    }

    /**
     * What the caller saw: the HTTP status, the answer text (assembled from deltas when streamed),
     * the error object as JSON text ({@code {"error":{...}}}: the body of a refused whole answer or a
     * stream's error event; null if none), whether the answer ended cleanly ([DONE] or
     * response.completed; a whole answer: status 200), and the raw body.
     */
    public record Answer(int status, String text, String error, boolean complete, String raw) {}

    static String whole(Api api, String text) {
        String t = Json.MAPPER.valueToTree(text).toString();
        return switch (api) {
            case CHAT -> "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-2024\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":" + t + "},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}";
            case COMPLETIONS -> "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"gpt-4o-2024\",\"choices\":[{\"index\":0,"
                    + "\"text\":" + t + ",\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}";
            case RESPONSES -> responseObject(t, "completed");
        };
    }

    private static String responseObject(String textJson, String status) {
        return "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"model\":\"gpt-4o-2024\",\"status\":\"" + status + "\",\"output\":"
                + (textJson == null ? "[]" : "[{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"output_text\",\"text\":" + textJson + ",\"annotations\":[]}]}]")
                + ",\"usage\":" + (textJson == null ? "null" : "{\"input_tokens\":9,\"output_tokens\":2,\"total_tokens\":11}") + "}";
    }

    static void stream(FakeUpstream upstream, Api api, String text, int... pieces) {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            var resp = req.response();
            int[] seq = {0}; // a Responses stream numbers its events, as OpenAI's does
            if (api == Api.RESPONSES) {
                resp.write("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":" + seq[0]++ + ",\"response\":"
                        + responseObject(null, "in_progress") + "}\n\n");
            }
            int pos = 0;
            for (int i = 0; pos < text.length(); i++) {
                int end = Math.min(text.length(), pos + pieces[i % pieces.length]);
                String piece = Json.MAPPER.valueToTree(text.substring(pos, end)).toString();
                pos = end;
                switch (api) {
                    case CHAT -> FakeUpstream.event(req, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-2024\","
                            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + piece + "},\"finish_reason\":null}]}");
                    case COMPLETIONS -> FakeUpstream.event(req, "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"gpt-4o-2024\","
                            + "\"choices\":[{\"index\":0,\"text\":" + piece + ",\"logprobs\":null,\"finish_reason\":null}]}");
                    case RESPONSES -> resp.write("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":"
                            + seq[0]++ + ",\"item_id\":\"msg_1\","
                            + "\"output_index\":0,\"content_index\":0,\"delta\":" + piece + "}\n\n");
                }
            }
            String all = Json.MAPPER.valueToTree(text).toString();
            switch (api) {
                case CHAT -> {
                    FakeUpstream.event(req, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-2024\","
                            + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
                    FakeUpstream.event(req, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-2024\","
                            + "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}");
                    FakeUpstream.event(req, "[DONE]");
                }
                case COMPLETIONS -> {
                    FakeUpstream.event(req, "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"gpt-4o-2024\","
                            + "\"choices\":[{\"index\":0,\"text\":\"\",\"logprobs\":null,\"finish_reason\":\"stop\"}]}");
                    FakeUpstream.event(req, "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"gpt-4o-2024\","
                            + "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}");
                    FakeUpstream.event(req, "[DONE]");
                }
                case RESPONSES -> {
                    // As OpenAI does: the done and completed events repeat the whole text.
                    resp.write("event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\",\"sequence_number\":" + seq[0]++
                            + ",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"text\":" + all + "}\n\n");
                    resp.write("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":" + seq[0]++
                            + ",\"response\":" + responseObject(all, "completed") + "}\n\n");
                }
            }
            resp.end();
        });
    }

    private static JsonNode parseOrNull(String text) {
        try {
            return Json.parse(text);
        } catch (Exception notJson) {
            return null;
        }
    }

    static Answer readWhole(Api api, int status, String body) {
        JsonNode json = parseOrNull(body);
        if (status >= 400 || json == null) {
            return new Answer(status, null, json != null && json.has("error") ? json.toString() : null, false, body);
        }
        StringBuilder text = new StringBuilder();
        switch (api) {
            case CHAT -> json.path("choices").forEach(c -> text.append(c.path("message").path("content").asText("")));
            case COMPLETIONS -> json.path("choices").forEach(c -> text.append(c.path("text").asText("")));
            case RESPONSES -> json.path("output").forEach(item -> item.path("content").forEach(part -> {
                if ("output_text".equals(part.path("type").asText())) text.append(part.path("text").asText(""));
            }));
        }
        return new Answer(status, text.toString(), null, status == 200, body);
    }

    /**
     * The error a caller of this API and mode sees for an OpenAI error ({@code {"error": {...}}}):
     * that body, except in a Responses stream, whose error event says {@code code}, {@code message}
     * and {@code param} (its {@code sequence_number} is checked by {@link #readStream}).
     */
    public static String errorSeen(Api api, AnswerMode mode, String openAiError) {
        if (api != Api.RESPONSES || !mode.streamed()) return openAiError;
        JsonNode e = parseOrNull(openAiError).path("error");
        com.fasterxml.jackson.databind.node.ObjectNode event = Json.object().put("type", "error");
        event.set("code", e.get("code"));
        event.set("message", e.get("message"));
        event.set("param", e.get("param"));
        return event.toString();
    }

    static Answer readStream(Api api, int status, String body) {
        StringBuilder text = new StringBuilder();
        String error = null;
        boolean complete = false;
        long lastSequence = -1;
        for (String line : body.split("\n")) {
            if (!line.startsWith("data: ")) continue;
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                complete = true;
                continue;
            }
            JsonNode event = parseOrNull(data);
            if (event == null) continue;
            if (event.has("error") && !event.has("type")) {
                error = event.toString();
                continue;
            }
            switch (api) {
                case CHAT -> event.path("choices").forEach(c -> text.append(c.path("delta").path("content").asText("")));
                case COMPLETIONS -> event.path("choices").forEach(c -> text.append(c.path("text").asText("")));
                case RESPONSES -> {
                    // Every event of a Responses stream, the gateway's own too, carries an increasing sequence_number.
                    JsonNode n = event.get("sequence_number");
                    if (n == null || !n.canConvertToLong() || n.asLong() <= lastSequence) {
                        throw new AssertionError("sequence_number missing or not increasing (after " + lastSequence + "): " + data);
                    }
                    lastSequence = n.asLong();
                    ((com.fasterxml.jackson.databind.node.ObjectNode) event).remove("sequence_number");
                    String type = event.path("type").asText();
                    if (type.equals("response.output_text.delta")) text.append(event.path("delta").asText(""));
                    if (type.equals("response.completed")) complete = true;
                    if (type.equals("error") || type.equals("response.failed")) error = event.toString();
                }
            }
        }
        return new Answer(status, text.toString(), error, complete && error == null, body);
    }
}
