package dev.tollgate.caller.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.api.TranslationException;

import java.io.IOException;

/**
 * Anthropic Messages API ({@code POST /v1/messages}) in front of an OpenAI chat-completions
 * gateway: an application built on the Anthropic SDK points its base URL at Tollgate, the request
 * is translated to the canonical OpenAI chat body (so every policy sees the shape it knows), and
 * the OpenAI answer is translated back. Pure functions: no I/O, inputs are never modified.
 *
 * <h2>Request: what maps, what is dropped, what is refused</h2>
 * <ul>
 *   <li>{@code system} (a string, or text blocks) becomes the first {@code system} message; text
 *       blocks become text content parts, so no separator is invented between them.</li>
 *   <li>Message content given as a string stays a string; given as blocks it becomes an array of
 *       content parts ({@code text}, {@code image_url}). An image's {@code base64} source becomes a
 *       {@code data:} URL, a {@code url} source its URL.</li>
 *   <li>Assistant {@code tool_use} blocks become {@code tool_calls}; the Anthropic id is kept as the
 *       OpenAI id (and the OpenAI id as the Anthropic id on the way back), so {@code tool_result}
 *       ids round-trip unchanged.</li>
 *   <li>User {@code tool_result} blocks become {@code tool} messages placed before the rest of that
 *       user turn, because OpenAI requires the tool answers to follow the assistant's calls
 *       directly. Their content is plain text (text blocks joined by a newline). OpenAI has no error
 *       flag, so {@code is_error: true} is kept as a {@code "Error: "} prefix on that text (plain
 *       {@code "Error"} when the result is empty): the model still learns the call failed.</li>
 *   <li>{@code tools}, {@code tool_choice} ({@code auto}, {@code any} → {@code required},
 *       {@code tool} → named function, {@code none}) and {@code disable_parallel_tool_use} →
 *       {@code parallel_tool_calls: false}. {@code tool_choice} and {@code parallel_tool_calls}
 *       are sent only with at least one tool, since OpenAI rejects them otherwise.</li>
 *   <li>{@code max_tokens}, {@code stop_sequences} → {@code stop}, {@code temperature},
 *       {@code top_p}, {@code metadata.user_id} → {@code user}; {@code stream: true} adds
 *       {@code stream_options.include_usage} so the streamed answer can report usage.</li>
 *   <li>Extended thinking: {@code thinking} (other than {@code disabled}) is kept as the chat
 *       body's {@code thinking} field (LiteLLM's convention), which the Anthropic translation
 *       sends back as it came and an OpenAI-compatible server gets as sent; an assistant's
 *       {@code thinking} and {@code redacted_thinking} blocks become its {@code thinking_blocks}
 *       (LiteLLM's field), signatures kept, so a multi-turn conversation with tools can send
 *       them back to Anthropic.</li>
 *   <li>Dropped, because chat completions has no equivalent and they do not change what the caller
 *       asked for: {@code top_k}, {@code cache_control} on any block or tool,
 *       {@code service_tier}, {@code thinking: {"type": "disabled"}}, and any other unknown
 *       top-level field.</li>
 *   <li>Refused with {@link TranslationException} (the gateway answers 400), because silently
 *       dropping them would change the answer: {@code document} and {@code search_result} blocks,
 *       {@code file} image sources, images inside {@code tool_result}, server tools (any tool
 *       with a {@code type} other than {@code custom}), and blocks in the wrong role.</li>
 * </ul>
 * Validation messages follow the Anthropic API's own ({@code "max_tokens: Field required"}), and
 * {@link TranslationException#param()} is the dotted path of the offending field.
 *
 * <h2>Answer</h2>
 * See {@link #fromOpenAi(JsonNode)} and {@link #errorFromOpenAi(int, JsonNode)}; streams are
 * translated by {@link MessagesStream}.
 */
public final class MessagesInbound {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String UNSUPPORTED = " are not supported by Tollgate's Anthropic-to-OpenAI translation";

    private MessagesInbound() {}

    /** An Anthropic error body and the HTTP status to send it with. */
    public record Error(int status, ObjectNode anthropicError) {}

    // ---------------------------------------------------------------- request

    /**
     * Translates an Anthropic Messages request into an OpenAI chat-completions body.
     *
     * @throws TranslationException when a required field is missing or malformed, or the request
     *                              uses a feature that cannot be carried over (see the class doc)
     */
    public static ObjectNode toOpenAi(ObjectNode req) {
        return translate(req, true);
    }

    /**
     * The prompt of a {@code POST /v1/messages/count_tokens} body (a Messages request without
     * {@code max_tokens}) as an OpenAI chat body: model, messages (system first) and tools, the
     * parts a prompt's tokens are counted from, translated and validated as {@link #toOpenAi} does.
     *
     * @throws TranslationException as {@link #toOpenAi} does
     */
    public static ObjectNode promptOf(ObjectNode req) {
        ObjectNode out = translate(req, false);
        out.retain("model", "messages", "tools", "tool_choice", "parallel_tool_calls");
        return out;
    }

    private static ObjectNode translate(ObjectNode req, boolean answer) {
        // The required fields first, in the reference's order, so a bare request names them.
        JsonNode model = required(req, "model", "model");
        if (!model.isTextual()) throw invalid("model", "Input should be a valid string");
        JsonNode maxTokens = answer ? required(req, "max_tokens", "max_tokens") : present(req, "max_tokens");
        if (maxTokens != null && (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToLong())) {
            throw invalid("max_tokens", "Input should be a valid integer");
        }
        if (maxTokens != null && maxTokens.longValue() < 1) throw invalid("max_tokens", "Input should be greater than or equal to 1");
        JsonNode msgs = required(req, "messages", "messages");
        if (!msgs.isArray()) throw invalid("messages", "Input should be a valid list");

        ObjectNode out = Json.object();
        out.put("model", model.textValue());
        ArrayNode messages = out.putArray("messages");
        JsonNode system = present(req, "system");
        if (system != null && !(system.isArray() && system.isEmpty())) messages.add(system(system));
        for (int i = 0; i < msgs.size(); i++) message(msgs.get(i), "messages." + i, messages);
        if (maxTokens != null) out.put("max_tokens", maxTokens.longValue());

        JsonNode stops = present(req, "stop_sequences");
        if (stops != null) {
            if (!stops.isArray()) throw invalid("stop_sequences", "Input should be a valid list");
            ArrayNode stop = NODES.arrayNode();
            for (int i = 0; i < stops.size(); i++) {
                if (!stops.get(i).isTextual()) throw invalid("stop_sequences." + i, "Input should be a valid string");
                stop.add(stops.get(i).textValue());
            }
            if (!stop.isEmpty()) out.set("stop", stop);
        }
        number(req, "temperature", out);
        number(req, "top_p", out);

        JsonNode thinking = present(req, "thinking");
        if (thinking != null) {
            if (!thinking.isObject()) throw invalid("thinking", "Input should be a valid dictionary");
            // Carried as LiteLLM's chat field: an Anthropic deployment gets it back as it was sent.
            if (!"disabled".equals(Json.text(thinking, "type"))) out.set("thinking", thinking.deepCopy());
        }

        JsonNode stream = present(req, "stream");
        if (stream != null) {
            if (!stream.isBoolean()) throw invalid("stream", "Input should be a valid boolean");
            out.put("stream", stream.booleanValue());
            if (stream.booleanValue()) out.putObject("stream_options").put("include_usage", true);
        }

        tools(req, out);

        JsonNode metadata = present(req, "metadata");
        if (metadata != null) {
            if (!metadata.isObject()) throw invalid("metadata", "Input should be a valid dictionary");
            JsonNode user = present(metadata, "user_id");
            if (user != null) {
                if (!user.isTextual()) throw invalid("metadata.user_id", "Input should be a valid string");
                out.put("user", user.textValue());
            }
        }
        return out;
    }

    private static ObjectNode system(JsonNode system) {
        ObjectNode msg = Json.object().put("role", "system");
        if (system.isTextual()) {
            msg.put("content", system.textValue());
            return msg;
        }
        if (!system.isArray()) throw invalid("system", "Input should be a valid string or a list of text blocks");
        ArrayNode parts = msg.putArray("content");
        for (int i = 0; i < system.size(); i++) {
            String path = "system." + i;
            JsonNode block = object(system.get(i), path);
            if (!"text".equals(Json.text(block, "type"))) throw invalid(path + ".type", "Input should be 'text'");
            parts.add(textPart(block, path));
        }
        return msg;
    }

    private static void message(JsonNode raw, String path, ArrayNode out) {
        JsonNode msg = object(raw, path);
        String role = Json.text(msg, "role");
        if (!"user".equals(role) && !"assistant".equals(role)) {
            throw invalid(path + ".role", "Input should be 'user' or 'assistant'");
        }
        JsonNode content = required(msg, "content", path + ".content");
        if (content.isTextual()) {
            out.add(Json.object().put("role", role).put("content", content.textValue()));
            return;
        }
        if (!content.isArray()) throw invalid(path + ".content", "Input should be a valid string or a list of content blocks");
        if ("assistant".equals(role)) assistant(content, path + ".content", out);
        else user(content, path + ".content", out);
    }

    private static void user(JsonNode blocks, String path, ArrayNode out) {
        ArrayNode parts = NODES.arrayNode();
        for (int i = 0; i < blocks.size(); i++) {
            String at = path + "." + i;
            JsonNode block = object(blocks.get(i), at);
            String type = blockType(block, at);
            switch (type) {
                case "text" -> parts.add(textPart(block, at));
                case "image" -> parts.add(imagePart(block, at));
                case "tool_result" -> out.add(toolResult(block, at));
                case "tool_use", "thinking", "redacted_thinking" ->
                        throw invalid(at + ".type", "'" + type + "' blocks are only allowed in assistant messages");
                default -> throw unsupported(at, type);
            }
        }
        // A turn of only tool results needs no user message; an empty content list is passed on as
        // sent, for the upstream to judge.
        if (!parts.isEmpty() || blocks.isEmpty()) out.add(Json.object().put("role", "user").set("content", parts));
    }

    private static void assistant(JsonNode blocks, String path, ArrayNode out) {
        ArrayNode parts = NODES.arrayNode();
        ArrayNode calls = NODES.arrayNode();
        ArrayNode thinking = NODES.arrayNode();
        for (int i = 0; i < blocks.size(); i++) {
            String at = path + "." + i;
            JsonNode block = object(blocks.get(i), at);
            String type = blockType(block, at);
            switch (type) {
                case "text" -> parts.add(textPart(block, at));
                case "tool_use" -> calls.add(toolCall(block, at));
                case "thinking" -> thinking.add(Json.object().put("type", "thinking").put("thinking", string(block, "thinking", at))
                        .put("signature", string(block, "signature", at)));
                case "redacted_thinking" -> thinking.add(Json.object().put("type", "redacted_thinking").put("data", string(block, "data", at)));
                case "tool_result" -> throw invalid(at + ".type", "'tool_result' blocks are only allowed in user messages");
                case "image" -> throw invalid(at + ".type", "'image' blocks are only allowed in user messages");
                default -> throw unsupported(at, type);
            }
        }
        ObjectNode msg = Json.object().put("role", "assistant");
        if (parts.isEmpty() && !calls.isEmpty()) msg.putNull("content");
        else msg.set("content", parts);
        if (!calls.isEmpty()) msg.set("tool_calls", calls);
        if (!thinking.isEmpty()) msg.set("thinking_blocks", thinking);
        out.add(msg);
    }

    private static String blockType(JsonNode block, String path) {
        JsonNode type = required(block, "type", path + ".type");
        if (!type.isTextual()) throw invalid(path + ".type", "Input should be a valid string");
        return type.textValue();
    }

    private static ObjectNode textPart(JsonNode block, String path) {
        JsonNode text = required(block, "text", path + ".text");
        if (!text.isTextual()) throw invalid(path + ".text", "Input should be a valid string");
        return Json.object().put("type", "text").put("text", text.textValue());
    }

    private static ObjectNode imagePart(JsonNode block, String path) {
        JsonNode source = object(required(block, "source", path + ".source"), path + ".source");
        String at = path + ".source";
        String type = Json.text(source, "type");
        String url;
        if ("base64".equals(type)) {
            url = "data:" + string(source, "media_type", at) + ";base64," + string(source, "data", at);
        } else if ("url".equals(type)) {
            url = string(source, "url", at);
        } else if (type == null) {
            throw invalid(at + ".type", "Input should be 'base64' or 'url'");
        } else {
            throw new TranslationException(at + ".type", at + ".type: '" + type + "' image sources" + UNSUPPORTED + "; use 'base64' or 'url'");
        }
        ObjectNode part = Json.object().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private static ObjectNode toolCall(JsonNode block, String path) {
        ObjectNode call = Json.object().put("id", string(block, "id", path)).put("type", "function");
        JsonNode input = block.get("input");
        String arguments = input == null || input.isNull() ? "{}" : Json.toString(input);
        call.putObject("function").put("name", string(block, "name", path)).put("arguments", arguments);
        return call;
    }

    private static ObjectNode toolResult(JsonNode block, String path) {
        String id = string(block, "tool_use_id", path);
        JsonNode content = block.get("content");
        StringBuilder text = new StringBuilder();
        if (content == null || content.isNull()) {
            // no content: an empty result
        } else if (content.isTextual()) {
            text.append(content.textValue());
        } else if (content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                String at = path + ".content." + i;
                JsonNode part = object(content.get(i), at);
                String type = blockType(part, at);
                if ("image".equals(type)) {
                    throw new TranslationException(at + ".type", at + ".type: 'image' blocks inside tool_result" + UNSUPPORTED);
                }
                if (!"text".equals(type)) throw unsupported(at, type);
                if (i > 0) text.append('\n');
                text.append(textPart(part, at).get("text").textValue());
            }
        } else {
            throw invalid(path + ".content", "Input should be a valid string or a list of content blocks");
        }
        JsonNode isError = block.get("is_error");
        if (isError != null && isError.asBoolean(false)) {
            text.insert(0, text.length() == 0 ? "Error" : "Error: ");
        }
        return Json.object().put("role", "tool").put("tool_call_id", id).put("content", text.toString());
    }

    private static void tools(JsonNode req, ObjectNode out) {
        JsonNode tools = present(req, "tools");
        ArrayNode fns = NODES.arrayNode();
        if (tools != null) {
            if (!tools.isArray()) throw invalid("tools", "Input should be a valid list");
            for (int i = 0; i < tools.size(); i++) {
                String at = "tools." + i;
                JsonNode tool = object(tools.get(i), at);
                String type = Json.text(tool, "type");
                if (type != null && !"custom".equals(type)) {
                    throw new TranslationException(at + ".type", at + ".type: '" + type + "' tools" + UNSUPPORTED);
                }
                ObjectNode fn = Json.object().put("name", string(tool, "name", at));
                JsonNode description = present(tool, "description");
                if (description != null) {
                    if (!description.isTextual()) throw invalid(at + ".description", "Input should be a valid string");
                    fn.put("description", description.textValue());
                }
                JsonNode schema = required(tool, "input_schema", at + ".input_schema");
                if (!schema.isObject()) throw invalid(at + ".input_schema", "Input should be a valid dictionary");
                fn.set("parameters", schema.deepCopy());
                JsonNode strict = tool.get("strict");
                if (strict != null && strict.isBoolean()) fn.put("strict", strict.booleanValue());
                fns.add(Json.object().put("type", "function").set("function", fn));
            }
        }
        if (!fns.isEmpty()) out.set("tools", fns);

        JsonNode choice = present(req, "tool_choice");
        if (choice == null) return;
        JsonNode c = object(choice, "tool_choice");
        String type = Json.text(c, "type");
        JsonNode mapped = switch (type == null ? "" : type) {
            case "auto" -> NODES.textNode("auto");
            case "any" -> NODES.textNode("required");
            case "none" -> NODES.textNode("none");
            case "tool" -> {
                ObjectNode named = Json.object().put("type", "function");
                named.putObject("function").put("name", string(c, "name", "tool_choice"));
                yield named;
            }
            default -> throw invalid("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'");
        };
        if (fns.isEmpty()) return;
        out.set("tool_choice", mapped);
        JsonNode disable = c.get("disable_parallel_tool_use");
        if (disable != null && disable.asBoolean(false)) out.put("parallel_tool_calls", false);
    }

    // ---------------------------------------------------------------- answer

    /**
     * Translates an OpenAI {@code chat.completion} into an Anthropic {@code message}. Only the first
     * choice is read (Anthropic has one). A tool call whose {@code arguments} are not a JSON object
     * (a model can emit broken JSON) gets {@code input: {}}, since Anthropic's {@code input} must be
     * an object. A {@code refusal} with no content becomes a text block and stop reason
     * {@code refusal}. See {@link #stopReason} for the stop-sequence limit.
     */
    public static ObjectNode fromOpenAi(JsonNode completion) {
        ObjectNode out = Json.object();
        out.put("id", messageId(Json.text(completion, "id")));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", textOr(completion, "model", ""));
        ArrayNode content = out.putArray("content");

        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        String text = contentText(message.get("content"));
        String refusal = Json.text(message, "refusal");
        boolean refused = text.isEmpty() && refusal != null && !refusal.isEmpty();
        if (refused) text = refusal;
        thinkingBlocks(message, content);
        if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text);
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode fn = call.path("function");
            ObjectNode block = content.addObject().put("type", "tool_use");
            block.put("id", textOr(call, "id", ""));
            block.put("name", textOr(fn, "name", ""));
            block.set("input", arguments(Json.text(fn, "arguments")));
        }

        String[] stop = stopReason(Json.text(choice, "finish_reason"), choice.get("stop_reason"));
        out.put("stop_reason", refused ? "refusal" : stop[0]);
        if (stop[1] == null) out.putNull("stop_sequence"); else out.put("stop_sequence", stop[1]);
        out.set("usage", usage(completion.get("usage")));
        return out;
    }

    /**
     * The answer's thinking, first in the content as Anthropic puts it: LiteLLM's
     * {@code thinking_blocks} (an Anthropic deployment's blocks, signatures kept) when present, else
     * the reasoning text of an OpenAI-compatible server ({@code reasoning_content}, or
     * {@code reasoning} as some servers name it) as one thinking block with an empty signature.
     */
    private static void thinkingBlocks(JsonNode message, ArrayNode content) {
        JsonNode blocks = message.get("thinking_blocks");
        if (blocks != null && blocks.isArray() && !blocks.isEmpty()) {
            for (JsonNode b : blocks) {
                String type = Json.text(b, "type");
                if ("thinking".equals(type)) {
                    content.addObject().put("type", "thinking").put("thinking", textOr(b, "thinking", ""))
                            .put("signature", textOr(b, "signature", ""));
                } else if ("redacted_thinking".equals(type)) {
                    content.addObject().put("type", "redacted_thinking").put("data", textOr(b, "data", ""));
                }
            }
            return;
        }
        String reasoning = reasoningText(message);
        if (reasoning != null && !reasoning.isEmpty()) content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }

    /** {@code reasoning_content} (DeepSeek, vLLM, LiteLLM), else {@code reasoning} (OpenRouter, newer vLLM); null for neither. */
    static String reasoningText(JsonNode messageOrDelta) {
        String r = Json.text(messageOrDelta, "reasoning_content");
        return r != null ? r : Json.text(messageOrDelta, "reasoning");
    }

    /**
     * Translates an OpenAI error answer into Anthropic's error shape, keeping the status. The type
     * follows Anthropic's table: 400 (and any other 4xx) {@code invalid_request_error}, 401
     * {@code authentication_error}, 403 {@code permission_error}, 404 {@code not_found_error}, 413
     * {@code request_too_large}, 429 {@code rate_limit_error}, 503 and 529
     * {@code overloaded_error}, other 5xx (and anything else) {@code api_error}. The message is the
     * OpenAI {@code error.message} (also read from {@code error} as a string or a top-level
     * {@code message}, as some OpenAI-compatible servers send), else one naming the status.
     */
    public static Error errorFromOpenAi(int status, JsonNode body) {
        String message = null;
        if (body != null) {
            JsonNode error = body.get("error");
            if (error != null && error.isTextual()) message = error.textValue();
            else if (error != null) message = Json.text(error, "message");
            if (message == null) message = Json.text(body, "message");
        }
        if (message == null || message.isEmpty()) message = "Upstream error (HTTP " + status + ")";
        ObjectNode root = Json.object().put("type", "error");
        root.putObject("error").put("type", errorType(status)).put("message", message);
        return new Error(status, root);
    }

    static String errorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
        };
    }

    // ------------------------------------------------- shared with MessagesStream

    /**
     * An Anthropic message id from an OpenAI one: {@code chatcmpl-abc} → {@code msg_abc}, so the
     * id in the gateway's log and the caller's id still match up; an Anthropic deployment's
     * {@code msg_…} id stays as it is. No id → {@code msg_unknown}.
     */
    static String messageId(String openAiId) {
        if (openAiId == null || openAiId.isEmpty()) return "msg_unknown";
        if (openAiId.startsWith("msg_")) return openAiId; // an Anthropic deployment's own id
        return "msg_" + (openAiId.startsWith("chatcmpl-") ? openAiId.substring("chatcmpl-".length()) : openAiId);
    }

    /**
     * {@code [stop_reason, stop_sequence]} for an OpenAI finish reason: stop → end_turn, length →
     * max_tokens, tool_calls (and legacy function_call) → tool_use, content_filter → refusal; null
     * or unknown → end_turn. OpenAI does not say which stop sequence ended the answer, so a stop
     * on one is reported as end_turn with {@code stop_sequence: null}; only when the server names
     * the matched string in the choice's {@code stop_reason} (a vLLM extension) is it reported as
     * {@code stop_sequence} with that string.
     */
    static String[] stopReason(String finish, JsonNode matched) {
        if ("stop".equals(finish) && matched != null && matched.isTextual()) {
            return new String[]{"stop_sequence", matched.textValue()};
        }
        String reason = finish == null ? "end_turn" : switch (finish) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
        return new String[]{reason, null};
    }

    /**
     * Anthropic usage from OpenAI usage. Anthropic's {@code input_tokens} excludes the cache, so
     * cached tokens ({@code prompt_tokens_details.cached_tokens}) and cache writes (a top-level
     * {@code cache_creation_input_tokens}, as some OpenAI-compatible servers report) are taken
     * out of {@code prompt_tokens} and reported in their own fields. No usage → zeros.
     */
    static ObjectNode usage(JsonNode usage) {
        long prompt = count(usage, "prompt_tokens");
        long cached = count(usage == null ? null : usage.get("prompt_tokens_details"), "cached_tokens");
        long created = count(usage, "cache_creation_input_tokens");
        ObjectNode out = Json.object();
        out.put("input_tokens", Math.max(0, prompt - cached - created));
        out.put("cache_creation_input_tokens", created);
        out.put("cache_read_input_tokens", cached);
        out.put("output_tokens", count(usage, "completion_tokens"));
        return out;
    }

    private static long count(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.canConvertToLong() && v.isNumber() ? Math.max(0, v.longValue()) : 0;
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.textValue();
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("text").isTextual()) sb.append(part.get("text").textValue());
        }
        return sb.toString();
    }

    private static JsonNode arguments(String arguments) {
        if (arguments == null || arguments.isBlank()) return Json.object();
        try {
            JsonNode parsed = Json.parse(arguments);
            return parsed.isObject() ? parsed : Json.object();
        } catch (IOException e) {
            return Json.object();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String textOr(JsonNode node, String field, String fallback) {
        String v = Json.text(node, field);
        return v == null ? fallback : v;
    }

    /** The field's value; null when absent or JSON null (Anthropic treats both as "not given"). */
    private static JsonNode present(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    private static JsonNode required(JsonNode node, String field, String path) {
        JsonNode v = present(node, field);
        if (v == null) throw invalid(path, "Field required");
        return v;
    }

    private static String string(JsonNode node, String field, String parent) {
        String path = parent + "." + field;
        JsonNode v = required(node, field, path);
        if (!v.isTextual()) throw invalid(path, "Input should be a valid string");
        return v.textValue();
    }

    private static JsonNode object(JsonNode node, String path) {
        if (node == null || !node.isObject()) throw invalid(path, "Input should be a valid dictionary");
        return node;
    }

    private static void number(JsonNode req, String field, ObjectNode out) {
        JsonNode v = present(req, field);
        if (v == null) return;
        if (!v.isNumber()) throw invalid(field, "Input should be a valid number");
        out.set(field, v.deepCopy());
    }

    private static TranslationException invalid(String path, String problem) {
        return new TranslationException(path, path + ": " + problem);
    }

    private static TranslationException unsupported(String path, String type) {
        return new TranslationException(path + ".type", path + ".type: '" + type + "' blocks" + UNSUPPORTED);
    }
}
