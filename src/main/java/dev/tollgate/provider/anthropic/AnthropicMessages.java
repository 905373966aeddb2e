package dev.tollgate.provider.anthropic;

import dev.tollgate.api.TranslationException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static dev.tollgate.api.TranslationException.invalid;
import static dev.tollgate.api.TranslationException.unsupported;

/**
 * OpenAI's {@code messages} array → Anthropic's top-level {@code system} and alternating
 * {@code messages}.
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages are hoisted to the top-level
 *       {@code system} wherever they stand (Anthropic has no mid-conversation system turn): one
 *       string message stays a string; several, or content-part arrays, become text blocks in
 *       order.</li>
 *   <li>Consecutive messages of the same Anthropic role are merged into one turn, because
 *       Anthropic requires user and assistant to alternate. {@code tool} messages become
 *       {@code tool_result} blocks of a user turn, so a run of tool results (and a user message
 *       right after them) is one user turn, tool results first, as Anthropic requires.</li>
 *   <li>The conversation must start with a user turn. Nothing is inserted: a conversation that
 *       starts with an assistant message is rejected, since an invented user turn would change
 *       what the model sees.</li>
 *   <li>A final assistant turn is sent as is: Anthropic continues it (prefill).</li>
 *   <li>A message's {@code name} and an image's {@code detail} have no equivalent and are
 *       dropped; so is an assistant's {@code reasoning_content} (text without the signature
 *       Anthropic needs), while its {@code thinking_blocks} are sent back as they came.</li>
 * </ul>
 */
final class AnthropicMessages {

    /** The image types Anthropic accepts in a base64 source. */
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    /** The translated conversation: {@code system} is a string, an array of text blocks, or null. */
    record Translated(JsonNode system, ArrayNode messages) {}

    /** One Anthropic turn being built; {@code plain} (with one block) while it is exactly one string-content message. */
    private static final class Turn {
        final String role;
        final ArrayNode blocks = JsonNodeFactory.instance.arrayNode();
        boolean plain;
        String text;

        Turn(String role) {
            this.role = role;
        }
    }

    private AnthropicMessages() {}

    static Translated translate(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw invalid("messages", "'messages' must be a non-empty array.");
        }
        List<ObjectNode> systemBlocks = new ArrayList<>();
        String systemString = null;
        int systemMessages = 0;
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = messages.get(i);
            if (!m.isObject()) throw invalid(at, "Each message must be an object.");
            String role = Json.text(m, "role");
            if (role == null) throw invalid(at + ".role", "Each message needs a string 'role'.");
            switch (role) {
                case "system", "developer" -> {
                    systemMessages++;
                    JsonNode c = m.get("content");
                    if (c != null && c.isTextual()) {
                        systemString = c.textValue();
                        systemBlocks.add(textBlock(c.textValue()));
                    } else {
                        systemString = null;
                        systemBlocks.addAll(textParts(c, at + ".content"));
                    }
                    if (systemMessages > 1) systemString = null;
                }
                case "user" -> {
                    Turn t = turn(turns, "user");
                    JsonNode c = m.get("content");
                    if (c != null && c.isTextual()) addText(t, c.textValue());
                    else t.blocks.addAll(userParts(c, at + ".content"));
                }
                case "assistant" -> assistant(m, at, turn(turns, "assistant"));
                case "tool" -> {
                    String id = Json.text(m, "tool_call_id");
                    if (id == null) throw invalid(at + ".tool_call_id", "A tool message needs a string 'tool_call_id'.");
                    ObjectNode result = Json.object().put("type", "tool_result").put("tool_use_id", id);
                    JsonNode c = m.get("content");
                    if (c != null && c.isTextual()) result.put("content", c.textValue());
                    else result.set("content", JsonNodeFactory.instance.arrayNode().addAll(textParts(c, at + ".content")));
                    turn(turns, "user").blocks.add(result);
                }
                case "function" -> throw unsupported(at + ".role",
                        "The deprecated 'function' role is not supported for Anthropic models; use 'tool' messages.");
                default -> throw invalid(at + ".role", "Unknown message role '" + role + "'.");
            }
        }
        if (turns.isEmpty()) {
            throw invalid("messages", "Anthropic models need at least one user message.");
        }
        if (!turns.get(0).role.equals("user")) {
            throw unsupported("messages",
                    "Anthropic models need the conversation to start with a user message; it starts with 'assistant'.");
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Turn t : turns) {
            ObjectNode msg = out.addObject().put("role", t.role);
            if (t.plain && t.blocks.size() == 1) msg.put("content", t.text);
            else msg.set("content", t.blocks);
        }
        JsonNode system = null;
        if (systemString != null) system = JsonNodeFactory.instance.textNode(systemString);
        else if (!systemBlocks.isEmpty()) system = JsonNodeFactory.instance.arrayNode().addAll(systemBlocks);
        return new Translated(system, out);
    }

    /** The current turn if it has this role (merging), else a new one. */
    private static Turn turn(List<Turn> turns, String role) {
        Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.role.equals(role)) {
            last.plain = false;
            return last;
        }
        Turn t = new Turn(role);
        turns.add(t);
        return t;
    }

    private static void addText(Turn t, String text) {
        if (t.blocks.isEmpty()) {
            t.plain = true;
            t.text = text;
        }
        t.blocks.add(textBlock(text));
    }

    private static void assistant(JsonNode m, String at, Turn t) {
        if (m.hasNonNull("function_call")) {
            throw unsupported(at + ".function_call",
                    "The deprecated 'function_call' is not supported for Anthropic models; use 'tool_calls'.");
        }
        if (m.hasNonNull("audio")) {
            throw unsupported(at + ".audio", "Audio is not supported for Anthropic models.");
        }
        int before = t.blocks.size();
        thinkingBlocks(m.get("thinking_blocks"), at + ".thinking_blocks", t);
        JsonNode c = m.get("content");
        JsonNode calls = m.get("tool_calls");
        boolean hasCalls = calls != null && !calls.isNull();
        if (c != null && c.isTextual()) {
            // An empty string beside tool calls means "no text"; Anthropic rejects empty text blocks.
            if (!c.textValue().isEmpty() || !hasCalls) addText(t, c.textValue());
        } else if (c != null && c.isArray()) {
            for (int j = 0; j < c.size(); j++) {
                JsonNode part = c.get(j);
                String type = Json.text(part, "type");
                String p = at + ".content[" + j + "]";
                if ("text".equals(type)) t.blocks.add(textBlock(requireText(part, "text", p + ".text")));
                // A refusal the assistant gave earlier is what it said: send it back as text.
                else if ("refusal".equals(type)) t.blocks.add(textBlock(requireText(part, "refusal", p + ".refusal")));
                else throw unsupportedPart(p, type);
            }
        } else if (c != null && !c.isNull()) {
            throw invalid(at + ".content", "Message content must be a string or an array of content parts.");
        }
        if (hasCalls) {
            if (!calls.isArray()) throw invalid(at + ".tool_calls", "'tool_calls' must be an array.");
            for (int j = 0; j < calls.size(); j++) t.blocks.add(toolUse(calls.get(j), at + ".tool_calls[" + j + "]"));
        }
        if (t.blocks.size() == before) {
            throw invalid(at + ".content", "An assistant message needs content or tool_calls.");
        }
    }

    /**
     * LiteLLM's {@code thinking_blocks} of an earlier answer, first in the turn as Anthropic
     * requires: thinking with its signature, redacted thinking with its data, both unchanged.
     */
    private static void thinkingBlocks(JsonNode blocks, String at, Turn t) {
        if (blocks == null || blocks.isNull()) return;
        if (!blocks.isArray()) throw invalid(at, "'thinking_blocks' must be an array.");
        for (int j = 0; j < blocks.size(); j++) {
            JsonNode b = blocks.get(j);
            String p = at + "[" + j + "]";
            String type = Json.text(b, "type");
            if ("thinking".equals(type)) {
                t.blocks.add(Json.object().put("type", "thinking").put("thinking", requireText(b, "thinking", p + ".thinking"))
                        .put("signature", requireText(b, "signature", p + ".signature")));
            } else if ("redacted_thinking".equals(type)) {
                t.blocks.add(Json.object().put("type", "redacted_thinking").put("data", requireText(b, "data", p + ".data")));
            } else {
                throw invalid(p + ".type", "A thinking block's type must be 'thinking' or 'redacted_thinking'.");
            }
        }
    }

    private static ObjectNode toolUse(JsonNode call, String at) {
        String type = Json.text(call, "type");
        if (type != null && !type.equals("function")) {
            throw unsupported(at + ".type", "Tool call type '" + type + "' is not supported for Anthropic models.");
        }
        String id = Json.text(call, "id");
        if (id == null) throw invalid(at + ".id", "A tool call needs a string 'id'.");
        JsonNode fn = call.path("function");
        String name = Json.text(fn, "name");
        if (name == null) throw invalid(at + ".function.name", "A tool call needs a string 'function.name'.");
        JsonNode args = fn.get("arguments");
        JsonNode input;
        if (args == null || args.isNull() || (args.isTextual() && args.textValue().isBlank())) {
            input = Json.object(); // a call without arguments
        } else if (!args.isTextual()) {
            throw invalid(at + ".function.arguments", "Tool call arguments must be a JSON string.");
        } else {
            try {
                input = Json.parse(args.textValue());
            } catch (IOException e) {
                throw invalid(at + ".function.arguments", "Tool call arguments are not valid JSON.");
            }
            if (!input.isObject()) {
                throw invalid(at + ".function.arguments", "Tool call arguments must be a JSON object for Anthropic models.");
            }
        }
        ObjectNode block = Json.object().put("type", "tool_use").put("id", id).put("name", name);
        block.set("input", input);
        return block;
    }

    /** User content parts: text, images, PDF files. */
    private static List<ObjectNode> userParts(JsonNode c, String at) {
        if (c == null || !c.isArray()) {
            throw invalid(at, "Message content must be a string or an array of content parts.");
        }
        List<ObjectNode> blocks = new ArrayList<>();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String type = Json.text(part, "type");
            String p = at + "[" + j + "]";
            if ("text".equals(type)) blocks.add(textBlock(requireText(part, "text", p + ".text")));
            else if ("image_url".equals(type)) blocks.add(image(part.path("image_url"), p + ".image_url"));
            else if ("file".equals(type)) blocks.add(file(part.path("file"), p + ".file"));
            else throw unsupportedPart(p, type);
        }
        return blocks;
    }

    /** Content that may only hold text: system messages and tool results. */
    private static List<ObjectNode> textParts(JsonNode c, String at) {
        if (c == null || !c.isArray()) {
            throw invalid(at, "Message content must be a string or an array of content parts.");
        }
        List<ObjectNode> blocks = new ArrayList<>();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String type = Json.text(part, "type");
            String p = at + "[" + j + "]";
            if (!"text".equals(type)) throw unsupportedPart(p, type);
            blocks.add(textBlock(requireText(part, "text", p + ".text")));
        }
        return blocks;
    }

    private static ObjectNode image(JsonNode imageUrl, String at) {
        String url = Json.text(imageUrl, "url");
        if (url == null) throw invalid(at + ".url", "An image_url part needs a string 'url'.");
        ObjectNode block = Json.object().put("type", "image");
        String lower = url.substring(0, Math.min(8, url.length())).toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://") || lower.startsWith("http://")) {
            block.putObject("source").put("type", "url").put("url", url);
            return block;
        }
        DataUrl data = DataUrl.parse(url);
        if (data == null) {
            throw invalid(at + ".url", "An image URL must be an http(s) URL or a base64 data: URL.");
        }
        if (!IMAGE_TYPES.contains(data.mediaType)) {
            throw unsupported(at + ".url", "Image type '" + data.mediaType
                    + "' is not supported for Anthropic models; use image/jpeg, image/png, image/gif or image/webp.");
        }
        block.set("source", data.source());
        return block;
    }

    /** A PDF sent inline ({@code file_data}) becomes a document block; uploaded file ids live at OpenAI only. */
    private static ObjectNode file(JsonNode file, String at) {
        if (file.hasNonNull("file_id")) {
            throw unsupported(at + ".file_id", "Uploaded files (file_id) are not available to Anthropic models; send file_data.");
        }
        String fileData = Json.text(file, "file_data");
        DataUrl data = fileData == null ? null : DataUrl.parse(fileData);
        if (data == null) {
            throw invalid(at + ".file_data", "file_data must be a base64 data: URL.");
        }
        if (!data.mediaType.equals("application/pdf")) {
            throw unsupported(at + ".file_data", "File type '" + data.mediaType + "' is not supported for Anthropic models; only application/pdf is.");
        }
        ObjectNode block = Json.object().put("type", "document");
        block.set("source", data.source());
        return block;
    }

    /** {@code data:<media type>[;param…];base64,<data>}; null when it is not one. */
    private record DataUrl(String mediaType, String data) {
        static DataUrl parse(String url) {
            if (!url.regionMatches(true, 0, "data:", 0, 5)) return null;
            int comma = url.indexOf(',');
            if (comma < 0) return null;
            String[] header = url.substring(5, comma).split(";");
            boolean base64 = false;
            for (int k = 1; k < header.length; k++) base64 |= header[k].equalsIgnoreCase("base64");
            if (!base64 || header[0].isEmpty()) return null;
            return new DataUrl(header[0].toLowerCase(Locale.ROOT), url.substring(comma + 1));
        }

        ObjectNode source() {
            return Json.object().put("type", "base64").put("media_type", mediaType).put("data", data);
        }
    }

    private static String requireText(JsonNode part, String field, String at) {
        String s = Json.text(part, field);
        if (s == null) throw invalid(at, "A '" + Json.text(part, "type") + "' part needs a string '" + field + "'.");
        return s;
    }

    private static TranslationException unsupportedPart(String at, String type) {
        if ("input_audio".equals(type)) {
            return unsupported(at, "Audio input is not supported for Anthropic models.");
        }
        if (type == null) return invalid(at + ".type", "Each content part needs a string 'type'.");
        return unsupported(at + ".type", "Content part type '" + type + "' is not supported here for Anthropic models.");
    }

    static ObjectNode textBlock(String text) {
        return Json.object().put("type", "text").put("text", text);
    }
}
