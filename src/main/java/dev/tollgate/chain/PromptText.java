package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.api.Endpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * Every piece of text a request sends to the model, wherever the endpoint puts it: chat
 * {@code messages[].content} (a string or content parts) and the names and arguments of earlier tool
 * calls ({@code tool_calls[].function}, Responses {@code function_call} items), legacy {@code prompt} (string or array),
 * Responses {@code instructions} and {@code input} (string, or items with content), embeddings and
 * moderation {@code input}. Each segment knows its role and can be rewritten in place, so a policy
 * can read, count and redact without knowing each endpoint's shape.
 */
public final class PromptText {

    private PromptText() {}

    /** One text value in the request body. */
    public static final class Segment {
        private final String role;
        private final JsonNode parent;
        private final String field;
        private final int index;
        private final boolean toolCall;

        private Segment(String role, JsonNode parent, String field, int index) {
            this(role, parent, field, index, false);
        }

        private Segment(String role, JsonNode parent, String field, int index, boolean toolCall) {
            this.role = role;
            this.parent = parent;
            this.field = field;
            this.index = index;
            this.toolCall = toolCall;
        }

        /** "system", "developer", "user", "assistant", "tool"; prompts and inputs count as "user". */
        public String role() {
            return role;
        }

        /** Text the operator wrote (system or developer instructions) rather than the end user. */
        public boolean isInstruction() {
            return role.equals("system") || role.equals("developer");
        }

        /**
         * A function name or arguments of an earlier tool call. Though in an assistant turn, the
         * caller sends them back (and may have written them), so screening treats them as input.
         */
        public boolean isToolCall() {
            return toolCall;
        }

        public String text() {
            JsonNode v = field != null ? parent.get(field) : parent.get(index);
            return v == null ? "" : v.asText();
        }

        public void replace(String text) {
            if (field != null) ((ObjectNode) parent).put(field, text);
            else ((ArrayNode) parent).set(index, TextNode.valueOf(text));
        }
    }

    public static List<Segment> of(Endpoint.Kind kind, ObjectNode body) {
        List<Segment> out = new ArrayList<>();
        if (body == null) return out;
        switch (kind) {
            case CHAT_COMPLETIONS -> {
                for (JsonNode m : body.path("messages")) {
                    if (!(m instanceof ObjectNode msg)) continue;
                    content(roleOf(msg), msg, "content", out);
                    for (JsonNode call : msg.path("tool_calls")) toolCall(roleOf(msg), call.get("function"), out);
                    toolCall(roleOf(msg), msg.get("function_call"), out);
                }
            }
            case COMPLETIONS -> stringOrStrings("user", body, "prompt", out);
            case RESPONSES -> {
                if (body.path("instructions").isTextual()) out.add(new Segment("developer", body, "instructions", -1));
                JsonNode input = body.get("input");
                if (input != null && input.isTextual()) {
                    out.add(new Segment("user", body, "input", -1));
                } else if (input instanceof ArrayNode items) {
                    for (JsonNode item : items) {
                        if (item instanceof ObjectNode it) {
                            if (it.has("content")) content(roleOf(it), it, "content", out);
                            else if ("function_call".equals(it.path("type").asText())) toolCall("assistant", it, out);
                            else if (it.path("output").isTextual()) out.add(new Segment("tool", it, "output", -1));
                            else if (it.get("output") instanceof ArrayNode outputParts) parts("tool", outputParts, out);
                        }
                    }
                }
            }
            case EMBEDDINGS -> stringOrStrings("user", body, "input", out);
            case MODERATIONS -> {
                JsonNode input = body.get("input");
                if (input instanceof ArrayNode a && a.size() > 0 && a.get(0).isObject()) parts("user", a, out);
                else stringOrStrings("user", body, "input", out);
            }
            case IMAGES_GENERATIONS -> {
                if (body.path("prompt").isTextual()) out.add(new Segment("user", body, "prompt", -1));
            }
            case AUDIO_SPEECH -> {
                if (body.path("input").isTextual()) out.add(new Segment("user", body, "input", -1));
                if (body.path("instructions").isTextual()) out.add(new Segment("developer", body, "instructions", -1));
            }
            default -> { }
        }
        return out;
    }

    /** All text of the request, segments joined by a newline. */
    public static String joined(List<Segment> segments) {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            if (sb.length() > 0) sb.append('\n');
            sb.append(s.text());
        }
        return sb.toString();
    }

    private static String roleOf(ObjectNode msg) {
        JsonNode r = msg.get("role");
        return r != null && r.isTextual() ? r.textValue() : "user";
    }

    /** A content field: a string, or an array of parts whose text lives in "text". */
    private static void content(String role, ObjectNode holder, String field, List<Segment> out) {
        JsonNode c = holder.get(field);
        if (c == null) return;
        if (c.isTextual()) out.add(new Segment(role, holder, field, -1));
        else if (c instanceof ArrayNode parts) parts(role, parts, out);
    }

    /** A tool call the model made earlier in the conversation: its function's name and JSON arguments. */
    private static void toolCall(String role, JsonNode function, List<Segment> out) {
        if (!(function instanceof ObjectNode f)) return;
        if (f.path("name").isTextual()) out.add(new Segment(role, f, "name", -1, true));
        if (f.path("arguments").isTextual()) out.add(new Segment(role, f, "arguments", -1, true));
    }

    private static void parts(String role, ArrayNode parts, List<Segment> out) {
        for (JsonNode p : parts) {
            if (p instanceof ObjectNode part && part.path("text").isTextual()) out.add(new Segment(role, part, "text", -1));
        }
    }

    private static void stringOrStrings(String role, ObjectNode body, String field, List<Segment> out) {
        JsonNode v = body.get(field);
        if (v == null) return;
        if (v.isTextual()) {
            out.add(new Segment(role, body, field, -1));
        } else if (v instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) if (a.get(i).isTextual()) out.add(new Segment(role, a, null, i));
        }
    }
}
