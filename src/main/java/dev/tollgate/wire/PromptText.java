package dev.tollgate.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.api.Endpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The canonical view of what a request asks the model: one walk over the request body, whatever
 * the endpoint's shape, that every reader shares (policies screen and rewrite its text, the token
 * estimate counts it). It finds chat {@code messages[].content} (a string or content parts) and the
 * names and arguments of earlier tool calls ({@code tool_calls[].function}, Responses
 * {@code function_call} items), legacy {@code prompt} and {@code suffix}, Responses
 * {@code instructions} and {@code input} (a string, or items with content or tool output),
 * embeddings and moderation {@code input}, image and speech prompts. Wrong types are skipped,
 * never thrown on.
 */
public final class PromptText {

    private PromptText() {}

    /** One text value in the request body: it knows its role and can be rewritten in place. */
    public static final class Segment {
        private final String role;
        private final JsonNode parent;
        private final String field;
        private final int index;
        private final boolean toolCall;

        Segment(String role, JsonNode parent, String field, int index) {
            this(role, parent, field, index, false);
        }

        Segment(String role, JsonNode parent, String field, int index, boolean toolCall) {
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

    /** What the walk finds, in order. Only {@link #text} is required. */
    public interface Reader {

        /** A message begins: a chat message, a Responses input item, or one the API implies (instructions, a string input). */
        default void message() {}

        /** A string a message carries beside its content (its role, a name, a tool call id): read by the model, not prompt text. */
        default void label(String key, String value) {}

        /** Text the model reads. */
        void text(Segment s);

        /** An image part. */
        default void image() {}

        /** Token ids given instead of text (legacy prompts, embeddings). */
        default void tokenIds(long count) {}
    }

    /** Every text segment of the request. */
    public static List<Segment> of(Endpoint.Kind kind, ObjectNode body) {
        List<Segment> out = new ArrayList<>();
        read(kind, body, out::add);
        return out;
    }

    public static void read(Endpoint.Kind kind, ObjectNode body, Reader r) {
        if (body == null || kind == null) return;
        switch (kind) {
            case CHAT_COMPLETIONS -> {
                for (JsonNode m : body.path("messages")) {
                    if (m instanceof ObjectNode msg) chatMessage(msg, r);
                }
            }
            case COMPLETIONS -> {
                input("user", body, "prompt", r);
                if (body.path("suffix").isTextual()) r.text(new Segment("user", body, "suffix", -1));
            }
            case RESPONSES -> responses(body, r);
            case EMBEDDINGS, MODERATIONS -> input("user", body, "input", r);
            case IMAGES_GENERATIONS -> {
                if (body.path("prompt").isTextual()) r.text(new Segment("user", body, "prompt", -1));
            }
            case AUDIO_SPEECH -> {
                if (body.path("input").isTextual()) r.text(new Segment("user", body, "input", -1));
                if (body.path("instructions").isTextual()) r.text(new Segment("developer", body, "instructions", -1));
            }
            default -> { }
        }
    }

    /** A chat message: every string it carries is read by the model; its content and tool calls are prompt text. */
    private static void chatMessage(ObjectNode msg, Reader r) {
        String role = roleOf(msg);
        r.message();
        for (Map.Entry<String, JsonNode> e : msg.properties()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("content")) {
                content(role, msg, "content", r);
            } else if (v.isTextual()) {
                r.label(key, v.textValue());
            } else if (key.equals("tool_calls")) {
                for (JsonNode call : v) toolCall(role, call.get("function"), r);
            } else if (key.equals("function_call")) {
                toolCall(role, v, r);
            }
        }
    }

    private static void responses(ObjectNode body, Reader r) {
        if (body.path("instructions").isTextual()) {
            r.message();
            r.label("role", "developer");
            r.text(new Segment("developer", body, "instructions", -1));
        }
        JsonNode input = body.get("input");
        if (input != null && input.isTextual()) {
            r.message();
            r.label("role", "user");
            r.text(new Segment("user", body, "input", -1));
        } else if (input instanceof ArrayNode items) {
            for (JsonNode item : items) {
                if (!(item instanceof ObjectNode it)) continue;
                r.message();
                if (it.path("role").isTextual()) r.label("role", it.get("role").textValue());
                String type = it.path("type").asText();
                if (it.has("content")) {
                    content(roleOf(it), it, "content", r);
                } else if (type.equals("function_call")) {
                    toolCall("assistant", it, r);
                } else if (type.equals("function_call_output")) {
                    content("tool", it, "output", r);
                }
            }
        }
    }

    private static String roleOf(ObjectNode msg) {
        JsonNode role = msg.get("role");
        return role != null && role.isTextual() ? role.textValue() : "user";
    }

    /** A content field: a string, or an array of parts whose text lives in "text" (or "refusal"). */
    private static void content(String role, ObjectNode holder, String field, Reader r) {
        JsonNode c = holder.get(field);
        if (c == null) return;
        if (c.isTextual()) {
            r.text(new Segment(role, holder, field, -1));
        } else if (c instanceof ArrayNode parts) {
            for (int i = 0; i < parts.size(); i++) {
                JsonNode p = parts.get(i);
                if (p.isTextual()) {
                    r.text(new Segment(role, parts, null, i));
                } else if (p instanceof ObjectNode part) {
                    if (part.path("text").isTextual()) r.text(new Segment(role, part, "text", -1));
                    else if (part.path("refusal").isTextual()) r.text(new Segment(role, part, "refusal", -1));
                    else if (isImage(part.get("type"))) r.image();
                }
            }
        }
    }

    private static boolean isImage(JsonNode type) {
        return type != null && type.isTextual() && (type.textValue().equals("image_url") || type.textValue().equals("input_image"));
    }

    /** A tool call the model made earlier in the conversation: its function's name and JSON arguments. */
    private static void toolCall(String role, JsonNode function, Reader r) {
        if (!(function instanceof ObjectNode f)) return;
        if (f.path("name").isTextual()) r.text(new Segment(role, f, "name", -1, true));
        if (f.path("arguments").isTextual()) r.text(new Segment(role, f, "arguments", -1, true));
    }

    /**
     * A prompt or input: a string, or an array of strings, token ids, token arrays (one level deep)
     * and, for moderation, parts with text.
     */
    private static void input(String role, ObjectNode body, String field, Reader r) {
        JsonNode v = body.get(field);
        if (v == null) return;
        if (v.isTextual()) {
            r.text(new Segment(role, body, field, -1));
        } else if (v instanceof ArrayNode a) {
            elements(role, a, 1, r);
        }
    }

    private static void elements(String role, ArrayNode a, int depth, Reader r) {
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            if (e.isTextual()) r.text(new Segment(role, a, null, i));
            else if (e.isNumber()) r.tokenIds(1);
            else if (e instanceof ArrayNode inner && depth < 2) elements(role, inner, depth + 1, r);
            else if (e instanceof ObjectNode part && part.path("text").isTextual()) r.text(new Segment(role, part, "text", -1));
        }
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
}
