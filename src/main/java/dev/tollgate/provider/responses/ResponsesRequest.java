package dev.tollgate.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.api.TranslationException;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static dev.tollgate.api.TranslationException.invalid;
import static dev.tollgate.api.TranslationException.unsupported;

/**
 * A Responses API request ({@code POST /v1/responses}) → the chat completions request a
 * chat-speaking provider adapter translates further. A pure function.
 *
 * <ul>
 *   <li>{@code instructions} → a first {@code system} message; {@code input} (a string, or items:
 *       messages with {@code input_text} / {@code output_text} / {@code input_image} /
 *       {@code input_file} parts, {@code function_call} → an assistant message's
 *       {@code tool_calls}, {@code function_call_output} → a {@code tool} message) →
 *       {@code messages}. {@code reasoning} items a client replays are dropped: this model
 *       made none.</li>
 *   <li>{@code tools} of type {@code function} → chat tools; {@code tool_choice};
 *       {@code max_output_tokens} → {@code max_completion_tokens}; {@code text.format}
 *       ({@code json_object}, {@code json_schema}) → {@code response_format};
 *       {@code text.verbosity} → {@code verbosity}; {@code reasoning.effort} →
 *       {@code reasoning_effort}; {@code temperature}, {@code top_p}, {@code stream},
 *       {@code parallel_tool_calls}, {@code user}, {@code safety_identifier},
 *       {@code prompt_cache_key}, {@code service_tier} as they are.</li>
 *   <li>Dropped: {@link #DROPPED} ({@code store: false} is what the gateway does anyway).</li>
 *   <li>Refused (400): hosted tools (web search, file search, code interpreter, ...), anything that
 *       needs a response stored by OpenAI ({@code previous_response_id}, {@code conversation},
 *       {@code store: true}, {@code item_reference} items), {@code background: true},
 *       {@code prompt} templates, log probabilities, and any field or item type not named here.</li>
 * </ul>
 */
public final class ResponsesRequest {

    /** Fields with nothing to do when no response is stored and no hosted tool runs. */
    static final Set<String> DROPPED = Set.of("metadata", "truncation", "stream_options", "max_tool_calls");

    /** Parameters passed to the chat request under the same name. */
    private static final Set<String> SAME = Set.of("temperature", "top_p", "stream", "parallel_tool_calls", "user",
            "safety_identifier", "prompt_cache_key", "service_tier");

    /** {@code include} values that ask for nothing this translation could lack. */
    private static final Set<String> HARMLESS_INCLUDES = Set.of("reasoning.encrypted_content");

    private ResponsesRequest() {}

    /** The chat completions body for a Responses body. */
    public static ObjectNode toChat(ObjectNode responses) {
        ObjectNode chat = Json.object();
        JsonNode model = responses.get("model");
        if (model != null) chat.set("model", model);
        chat.set("messages", messages(responses.get("instructions"), responses.get("input")));
        Iterator<Map.Entry<String, JsonNode>> fields = responses.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (v.isNull() || DROPPED.contains(name)) continue;
            if (SAME.contains(name)) {
                chat.set(name, v);
                continue;
            }
            switch (name) {
                case "model", "input", "instructions" -> { }
                case "max_output_tokens" -> chat.set("max_completion_tokens", v);
                case "tools" -> chat.set("tools", tools(v));
                case "tool_choice" -> chat.set("tool_choice", toolChoice(v));
                case "text" -> text(v, chat);
                case "reasoning" -> reasoning(v, chat);
                case "include" -> include(v);
                case "store" -> {
                    if (v.asBoolean(false)) throw stateful("store", "Stored responses (store: true) are not available for this model; "
                            + "send store: false and the whole conversation in 'input'.");
                }
                case "background" -> {
                    if (v.asBoolean(false)) throw unsupported("background", "Background responses are not available for this model.");
                }
                case "previous_response_id", "conversation" -> throw stateful(name, "'" + name + "' needs a conversation stored by "
                        + "OpenAI and is not available for this model; send the whole conversation in 'input'.");
                case "prompt" -> throw unsupported(name, "Stored prompt templates ('prompt') are not available for this model.");
                case "top_logprobs" -> {
                    if (v.asInt(0) > 0) throw unsupported(name, "Log probabilities are not available for this model.");
                }
                default -> throw unsupported(name, "Parameter '" + name + "' is not supported for this model.");
            }
        }
        return chat;
    }

    private static TranslationException stateful(String param, String message) {
        return unsupported(param, message);
    }

    // ---- input -------------------------------------------------------------------------------

    private static ArrayNode messages(JsonNode instructions, JsonNode input) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (instructions != null && !instructions.isNull()) {
            if (!instructions.isTextual()) throw invalid("instructions", "'instructions' must be a string.");
            out.addObject().put("role", "system").put("content", instructions.textValue());
        }
        if (input == null || input.isNull()) throw invalid("input", "'input' is required for this model.");
        if (input.isTextual()) {
            out.addObject().put("role", "user").put("content", input.textValue());
            return out;
        }
        if (!input.isArray()) throw invalid("input", "'input' must be a string or an array of items.");
        for (int i = 0; i < input.size(); i++) item(input.get(i), "input[" + i + "]", out);
        return out;
    }

    private static void item(JsonNode item, String at, ArrayNode out) {
        if (!item.isObject()) throw invalid(at, "Each input item must be an object.");
        String type = Json.text(item, "type");
        if (type == null && item.has("role")) type = "message";
        if (type == null) throw invalid(at + ".type", "An input item needs a 'type'.");
        switch (type) {
            case "message" -> out.add(message(item, at));
            case "function_call" -> functionCall(item, at, out);
            case "function_call_output" -> out.add(functionOutput(item, at));
            case "reasoning" -> { } // a reasoning item from an earlier answer: this translation has none to give back
            case "item_reference" -> throw stateful(at, "Item references need responses stored by OpenAI and are not available "
                    + "for this model; send the items themselves.");
            default -> throw unsupported(at + ".type", "Input items of type '" + type + "' are not supported for this model.");
        }
    }

    private static ObjectNode message(JsonNode item, String at) {
        String role = Json.text(item, "role");
        if (role == null || !Set.of("user", "system", "developer", "assistant").contains(role)) {
            throw invalid(at + ".role", "A message's role must be user, system, developer or assistant.");
        }
        ObjectNode m = Json.object().put("role", role);
        JsonNode content = item.get("content");
        if (content != null && content.isTextual()) {
            m.put("content", content.textValue());
            return m;
        }
        if (content == null || !content.isArray()) throw invalid(at + ".content", "A message's content must be a string or an array of parts.");
        boolean textOnly = !role.equals("user");
        StringBuilder joined = new StringBuilder();
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            ObjectNode part = part(content.get(j), at + ".content[" + j + "]");
            if (textOnly && !"text".equals(Json.text(part, "type"))) {
                throw unsupported(at + ".content[" + j + "]", "Only text parts are supported in " + role + " messages for this model.");
            }
            if (textOnly) joined.append(part.get("text").textValue());
            else parts.add(part);
        }
        if (textOnly) m.put("content", joined.toString());
        else m.set("content", parts);
        return m;
    }

    private static ObjectNode part(JsonNode p, String at) {
        String type = p.isObject() ? Json.text(p, "type") : null;
        if (type == null) throw invalid(at, "A content part must be an object with a 'type'.");
        switch (type) {
            case "input_text", "output_text" -> {
                JsonNode text = p.get("text");
                if (text == null || !text.isTextual()) throw invalid(at + ".text", "A text part needs a string 'text'.");
                return Json.object().put("type", "text").put("text", text.textValue());
            }
            case "refusal" -> {
                return Json.object().put("type", "text").put("text", p.path("refusal").asText(""));
            }
            case "input_image" -> {
                String url = Json.text(p, "image_url");
                if (url == null) throw unsupported(at, "Images must be given by 'image_url' (a URL or data URL) for this model; file ids are not supported.");
                ObjectNode image = Json.object().put("url", url);
                String detail = Json.text(p, "detail");
                if (detail != null) image.put("detail", detail);
                ObjectNode out = Json.object().put("type", "image_url");
                out.set("image_url", image);
                return out;
            }
            case "input_file" -> {
                String data = Json.text(p, "file_data");
                if (data == null) throw unsupported(at, "Files must be given inline by 'file_data' for this model; file ids and URLs are not supported.");
                ObjectNode file = Json.object().put("file_data", data);
                String name = Json.text(p, "filename");
                if (name != null) file.put("filename", name);
                ObjectNode out = Json.object().put("type", "file");
                out.set("file", file);
                return out;
            }
            default -> throw unsupported(at + ".type", "Content parts of type '" + type + "' are not supported for this model.");
        }
    }

    /** A call joins the assistant message just before it (its text, or the calls made with it), as chat keeps them. */
    private static void functionCall(JsonNode item, String at, ArrayNode out) {
        String callId = required(item, "call_id", at);
        String name = required(item, "name", at);
        JsonNode args = item.get("arguments");
        if (args != null && !args.isNull() && !args.isTextual()) throw invalid(at + ".arguments", "'arguments' must be a JSON string.");
        ObjectNode call = Json.object().put("id", callId).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", args == null || args.isNull() ? "{}" : args.textValue());
        JsonNode last = out.isEmpty() ? null : out.get(out.size() - 1);
        ObjectNode assistant;
        if (last instanceof ObjectNode o && "assistant".equals(Json.text(o, "role"))) {
            assistant = o;
        } else {
            assistant = out.addObject().put("role", "assistant");
            assistant.putNull("content");
        }
        JsonNode calls = assistant.get("tool_calls");
        (calls instanceof ArrayNode a ? a : assistant.putArray("tool_calls")).add(call);
    }

    private static ObjectNode functionOutput(JsonNode item, String at) {
        String callId = required(item, "call_id", at);
        ObjectNode m = Json.object().put("role", "tool").put("tool_call_id", callId);
        JsonNode output = item.get("output");
        if (output != null && output.isTextual()) {
            m.put("content", output.textValue());
            return m;
        }
        if (output == null || !output.isArray()) throw invalid(at + ".output", "'output' must be a string or an array of parts.");
        ArrayNode parts = m.putArray("content");
        for (int j = 0; j < output.size(); j++) {
            ObjectNode part = part(output.get(j), at + ".output[" + j + "]");
            if (!"text".equals(Json.text(part, "type"))) {
                throw unsupported(at + ".output[" + j + "]", "Only text is supported in function call outputs for this model.");
            }
            parts.add(part);
        }
        return m;
    }

    private static String required(JsonNode item, String field, String at) {
        String v = Json.text(item, field);
        if (v == null) throw invalid(at + "." + field, "A " + Json.text(item, "type") + " item needs a string '" + field + "'.");
        return v;
    }

    // ---- parameters --------------------------------------------------------------------------

    /** Function tools, flattened in the Responses API, nested under {@code function} in chat; no hosted tool. */
    private static ArrayNode tools(JsonNode tools) {
        if (!tools.isArray()) throw invalid("tools", "'tools' must be an array.");
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String type = Json.text(t, "type");
            if (!"function".equals(type)) {
                throw unsupported("tools[" + i + "].type", "The tool type '" + (type == null ? "" : type) + "' runs on OpenAI's servers "
                        + "and is not available for this model; only function tools are.");
            }
            ObjectNode fn = Json.object().put("name", required(t, "name", "tools[" + i + "]"));
            for (String field : new String[]{"description", "parameters", "strict"}) {
                JsonNode v = t.get(field);
                if (v != null && !v.isNull()) fn.set(field, v);
            }
            ObjectNode tool = out.addObject().put("type", "function");
            tool.set("function", fn);
        }
        return out;
    }

    private static JsonNode toolChoice(JsonNode v) {
        if (v.isTextual()) return v;
        String type = Json.text(v, "type");
        if ("function".equals(type) && Json.text(v, "name") != null) {
            ObjectNode out = Json.object().put("type", "function");
            out.putObject("function").put("name", Json.text(v, "name"));
            return out;
        }
        throw unsupported("tool_choice", "A tool_choice of type '" + (type == null ? "" : type) + "' is not available for this model; "
                + "use auto, none, required or a function.");
    }

    private static void text(JsonNode text, ObjectNode chat) {
        if (!text.isObject()) throw invalid("text", "'text' must be an object.");
        JsonNode format = text.get("format");
        if (format != null && !format.isNull()) {
            String type = Json.text(format, "type");
            if ("json_object".equals(type)) {
                chat.putObject("response_format").put("type", "json_object");
            } else if ("json_schema".equals(type)) {
                ObjectNode schema = Json.object();
                for (String field : new String[]{"name", "description", "schema", "strict"}) {
                    JsonNode v = format.get(field);
                    if (v != null && !v.isNull()) schema.set(field, v);
                }
                ObjectNode rf = chat.putObject("response_format").put("type", "json_schema");
                rf.set("json_schema", schema);
            } else if (!"text".equals(type)) {
                throw unsupported("text.format.type", "The text format '" + (type == null ? "" : type) + "' is not supported for this model.");
            }
        }
        JsonNode verbosity = text.get("verbosity");
        if (verbosity != null && !verbosity.isNull()) chat.set("verbosity", verbosity);
    }

    private static void reasoning(JsonNode reasoning, ObjectNode chat) {
        if (!reasoning.isObject()) throw invalid("reasoning", "'reasoning' must be an object.");
        JsonNode effort = reasoning.get("effort");
        // summary / generate_summary ask for summaries of reasoning this translation never returns: nothing to honour.
        if (effort != null && !effort.isNull()) chat.set("reasoning_effort", effort);
    }

    private static void include(JsonNode include) {
        if (!include.isArray()) throw invalid("include", "'include' must be an array.");
        for (JsonNode v : include) {
            if (!HARMLESS_INCLUDES.contains(v.asText())) {
                throw unsupported("include", "'include' value '" + v.asText() + "' is not available for this model.");
            }
        }
    }

    /**
     * An error the chat adapter raised, in the caller's terms: chat parameter names are mapped to
     * the Responses parameter they came from.
     */
    static TranslationException inCallerTerms(TranslationException e) {
        String p = e.param();
        if (p == null) return e;
        String mapped;
        if (p.equals("max_completion_tokens") || p.equals("max_tokens")) mapped = "max_output_tokens";
        else if (p.startsWith("response_format")) mapped = "text.format";
        else if (p.equals("reasoning_effort")) mapped = "reasoning.effort";
        else if (p.equals("verbosity")) mapped = "text.verbosity";
        else if (p.startsWith("messages")) mapped = "input";
        else if (p.startsWith("tools[")) mapped = p.replace(".function.", ".");
        else mapped = p;
        return mapped.equals(p) ? e : new TranslationException(mapped, e.code(), e.getMessage());
    }
}
