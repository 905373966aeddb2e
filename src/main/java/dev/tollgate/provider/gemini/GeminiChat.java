package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.json.Json;
import dev.tollgate.api.TranslationException;

import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI chat completions ⇄ the Gemini API's {@code generateContent} (v1beta). Pure functions: no
 * I/O, so the adapter that does the HTTP call and the tests share exactly this code.
 *
 * <h2>Request</h2>
 * The body serves both {@code models/{model}:generateContent} and
 * {@code models/{model}:streamGenerateContent?alt=sse}; the model goes in the URL, never the body.
 * <ul>
 * <li>{@code system} and {@code developer} messages → {@code systemInstruction.parts} (text only),
 *     in order, wherever they stand in the conversation.</li>
 * <li>{@code user} → role {@code user}; {@code assistant} → role {@code model}; {@code tool} →
 *     a {@code functionResponse} part in a {@code user} turn. Consecutive turns of one role are
 *     merged (Gemini wants user and model turns to alternate; parallel tool results become one turn).</li>
 * <li>Content parts: {@code text}; {@code image_url} with a {@code data:} URL → {@code inlineData};
 *     with an {@code https://} or {@code http://} URL → {@code fileData} (the Gemini API fetches
 *     public and signed URLs and File API URIs itself; the MIME type is inferred from the file
 *     extension and left out when unknown); {@code file} with {@code file_data} (a data URL) →
 *     {@code inlineData}. {@code detail} is dropped. Audio ({@code input_audio}), {@code file_id} and
 *     other part types are refused.</li>
 * <li>Assistant {@code tool_calls} → {@code functionCall {name, args}} parts ({@code arguments} parsed;
 *     empty means {@code {}}). Gemini 3 refuses a replayed function call without the thought signature
 *     it issued: a signature the client kept in {@code extra_content.google.thought_signature} (where
 *     {@link #response} puts it, as Google's own OpenAI-compatible endpoint does) is sent back as
 *     {@code thoughtSignature}; when an assistant message carries none, its first function call gets
 *     the documented bypass value {@value #SKIP_SIGNATURE}.</li>
 * <li>{@code tool} messages: Gemini matches results by function <i>name</i>, found from the latest
 *     earlier assistant tool call with that {@code tool_call_id}. The {@code response} must be an
 *     object: content that is a JSON object is sent as is, anything else as {@code {"content": text}}.
 *     Tool call ids are not sent.</li>
 * <li>{@code tools} → one {@code {functionDeclarations: [...]}}, parameters cleaned by
 *     {@link GeminiSchema}; {@code tool_choice} → {@code toolConfig.functionCallingConfig.mode}
 *     ({@code auto}→AUTO, {@code none}→NONE, {@code required}→ANY, a named function → ANY with
 *     {@code allowedFunctionNames}).</li>
 * <li>{@code generationConfig}: {@code temperature}, {@code top_p}→{@code topP},
 *     {@code max_completion_tokens} (else {@code max_tokens})→{@code maxOutputTokens},
 *     {@code stop}→{@code stopSequences}, {@code n}→{@code candidateCount}, {@code seed},
 *     {@code presence_penalty}/{@code frequency_penalty}→{@code presencePenalty}/{@code frequencyPenalty};
 *     {@code response_format} {@code json_object} → {@code responseMimeType: application/json},
 *     {@code json_schema} → also {@code responseJsonSchema} with the schema as sent (that field
 *     takes JSON Schema, {@code $ref} and {@code additionalProperties} included, so nothing is lost).</li>
 * <li>Dropped, having no Gemini equivalent: {@link #DROPPED}. ({@code stream} and {@code model}
 *     choose the URL.)</li>
 * <li>Refused with a {@link TranslationException} (a 400 for the caller): {@code logprobs: true},
 *     {@code top_logprobs > 0}, {@code audio}, {@code modalities} other than text, legacy
 *     {@code functions}/{@code function_call}, and any other field not listed here — OpenAI, too,
 *     rejects arguments it does not know, and silently ignoring one would change the answer.</li>
 * </ul>
 *
 * <h2>Response</h2>
 * See {@link #response}. Tool call ids are made up deterministically, since Gemini has none to give:
 * {@code call_<completion id without its "chatcmpl-" prefix>_<n>}, n counting calls across the
 * whole answer from 0 — unique per answer, so a client that keys results by id across a
 * conversation never sees one twice.
 */
public final class GeminiChat {

    /** Request fields with no Gemini equivalent, dropped without a word. */
    public static final Set<String> DROPPED = Set.of("model", "stream", "stream_options", "user", "logit_bias",
            "parallel_tool_calls", "metadata", "store", "service_tier", "reasoning_effort", "verbosity",
            "safety_identifier", "prompt_cache_key", "prompt_cache_retention");

    private static final Set<String> TRANSLATED = Set.of("messages", "tools", "tool_choice", "temperature", "top_p",
            "max_tokens", "max_completion_tokens", "stop", "n", "seed", "presence_penalty", "frequency_penalty",
            "response_format", "logprobs", "top_logprobs", "modalities", "audio");

    /** The value Gemini documents for replayed function calls whose thought signature is unknown. */
    static final String SKIP_SIGNATURE = "skip_thought_signature_validator";

    private static final Pattern DATA_URL = Pattern.compile("^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$", Pattern.DOTALL);

    private static final Map<String, String> IMAGE_TYPES = Map.of(
            "png", "image/png", "jpg", "image/jpeg", "jpeg", "image/jpeg", "webp", "image/webp",
            "gif", "image/gif", "heic", "image/heic", "heif", "image/heif");

    private GeminiChat() {}

    // ---------------------------------------------------------------- request

    /** An OpenAI chat completions body → the Gemini {@code generateContent} body. */
    public static ObjectNode request(ObjectNode openAiChat) {
        Iterator<Map.Entry<String, JsonNode>> fields = openAiChat.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String name = f.getKey();
            if (f.getValue().isNull() || DROPPED.contains(name) || TRANSLATED.contains(name)) continue;
            throw new TranslationException(name, "Parameter '" + name + "' is not supported for Gemini models.");
        }
        refuseUnsupported(openAiChat);

        ObjectNode out = Json.object();
        Conversation conv = new Conversation();
        JsonNode messages = openAiChat.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new TranslationException("messages", "'messages' must be a non-empty array.");
        }
        for (int i = 0; i < messages.size(); i++) conv.add(messages.get(i), "messages[" + i + "]");
        out.set("contents", conv.contents);
        if (!conv.system.isEmpty()) out.putObject("systemInstruction").set("parts", conv.system);

        tools(openAiChat, out);
        ObjectNode config = generationConfig(openAiChat);
        if (!config.isEmpty()) out.set("generationConfig", config);
        return out;
    }

    private static void refuseUnsupported(ObjectNode req) {
        if (req.path("logprobs").asBoolean(false)) {
            throw new TranslationException("logprobs", "logprobs is not supported for Gemini models.");
        }
        if (req.path("top_logprobs").asInt(0) > 0) {
            throw new TranslationException("top_logprobs", "top_logprobs is not supported for Gemini models.");
        }
        if (present(req, "audio")) {
            throw new TranslationException("audio", "Audio output is not supported for Gemini models.");
        }
        for (JsonNode m : req.path("modalities")) {
            if (!"text".equals(m.asText())) {
                throw new TranslationException("modalities", "Only text output is supported for Gemini models.");
            }
        }
    }

    /** Builds {@code contents} and {@code systemInstruction} message by message. */
    private static final class Conversation {
        final ArrayNode contents = Json.MAPPER.createArrayNode();
        final ArrayNode system = Json.MAPPER.createArrayNode();
        /** tool_call_id → function name, from the latest assistant message that used the id. */
        final Map<String, String> callNames = new HashMap<>();

        void add(JsonNode m, String path) {
            String role = m.path("role").asText();
            if (present(m, "function_call")) {
                throw new TranslationException(path + ".function_call",
                        "Legacy function_call messages are not supported for Gemini models; use tool_calls.");
            }
            switch (role) {
                case "system", "developer" -> system.addAll(systemParts(m.get("content"), path + ".content"));
                case "user" -> turn("user", userParts(m.get("content"), path + ".content"));
                case "assistant" -> turn("model", assistantParts(m, path));
                case "tool" -> turn("user", toolResult(m, path));
                default -> throw new TranslationException(path + ".role", "Unsupported message role '" + role
                        + "' for Gemini models; use system, developer, user, assistant or tool.");
            }
        }

        /** Appends parts as a turn, merged into the previous turn when it has the same role. */
        void turn(String role, ArrayNode parts) {
            if (parts.isEmpty()) return; // Gemini refuses a turn without parts
            JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
            if (last != null && role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("parts")).addAll(parts);
            } else {
                ObjectNode c = contents.addObject();
                c.put("role", role);
                c.set("parts", parts);
            }
        }

        ArrayNode assistantParts(JsonNode m, String path) {
            ArrayNode parts = Json.MAPPER.createArrayNode();
            JsonNode content = m.get("content");
            if (content != null && content.isTextual()) {
                text(parts, content.textValue());
            } else if (content != null && content.isArray()) {
                for (int j = 0; j < content.size(); j++) {
                    JsonNode p = content.get(j);
                    String type = p.path("type").asText();
                    if (type.equals("text")) text(parts, p.path("text").asText());
                    else if (type.equals("refusal")) text(parts, p.path("refusal").asText());
                    else throw new TranslationException(path + ".content[" + j + "].type",
                            "Assistant messages may contain only text and refusal parts for Gemini models.");
                }
            }
            JsonNode calls = m.path("tool_calls");
            ObjectNode first = null;
            boolean signed = false;
            for (int j = 0; j < calls.size(); j++) {
                JsonNode call = calls.get(j);
                String callPath = path + ".tool_calls[" + j + "]";
                if (!"function".equals(call.path("type").asText("function"))) {
                    throw new TranslationException(callPath + ".type", "Only function tool calls are supported for Gemini models.");
                }
                String name = call.path("function").path("name").asText("");
                if (name.isEmpty()) throw new TranslationException(callPath + ".function.name", "A tool call needs a function name.");
                ObjectNode part = parts.addObject();
                ObjectNode fc = part.putObject("functionCall");
                fc.put("name", name);
                fc.set("args", arguments(call.path("function").get("arguments"), callPath + ".function.arguments"));
                JsonNode signature = call.path("extra_content").path("google").get("thought_signature");
                if (signature != null && signature.isTextual()) {
                    part.set("thoughtSignature", signature);
                    signed = true;
                }
                if (first == null) first = part;
                String id = call.path("id").asText("");
                if (!id.isEmpty()) callNames.put(id, name);
            }
            if (first != null && !signed) first.put("thoughtSignature", SKIP_SIGNATURE);
            return parts;
        }

        ArrayNode toolResult(JsonNode m, String path) {
            String id = m.path("tool_call_id").asText("");
            String name = callNames.get(id);
            if (name == null) {
                throw new TranslationException(path + ".tool_call_id", id.isEmpty()
                        ? "A tool message needs the tool_call_id of the assistant tool call it answers."
                        : "No earlier assistant tool call has the id '" + id + "'; Gemini needs the function name it answers.");
            }
            String text = textOf(m.get("content"), path + ".content");
            ObjectNode response;
            JsonNode parsed = tryParse(text);
            if (parsed != null && parsed.isObject()) {
                response = (ObjectNode) parsed;
            } else {
                response = Json.object().put("content", text);
            }
            ArrayNode parts = Json.MAPPER.createArrayNode();
            ObjectNode fr = parts.addObject().putObject("functionResponse");
            fr.put("name", name);
            fr.set("response", response);
            return parts;
        }
    }

    private static ArrayNode systemParts(JsonNode content, String path) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode p = content.get(j);
                if (!"text".equals(p.path("type").asText())) {
                    throw new TranslationException(path + "[" + j + "].type", "System messages may contain only text parts.");
                }
                text(parts, p.path("text").asText());
            }
        } else {
            text(parts, textOf(content, path));
        }
        return parts;
    }

    private static ArrayNode userParts(JsonNode content, String path) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        if (content == null || !content.isArray()) {
            text(parts, textOf(content, path));
            return parts;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode p = content.get(j);
            String partPath = path + "[" + j + "]";
            String type = p.path("type").asText();
            switch (type) {
                case "text" -> text(parts, p.path("text").asText());
                case "image_url" -> parts.add(image(p.path("image_url").path("url").asText(""), partPath + ".image_url.url"));
                case "file" -> parts.add(file(p.path("file"), partPath + ".file"));
                case "input_audio" -> throw new TranslationException(partPath + ".type", "Audio input is not supported for Gemini models.");
                default -> throw new TranslationException(partPath + ".type", "Unsupported content part type '" + type + "' for Gemini models.");
            }
        }
        return parts;
    }

    private static ObjectNode image(String url, String path) {
        if (url.startsWith("data:")) return inline(url, path);
        String lower = url.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("https://") && !lower.startsWith("http://")) {
            throw new TranslationException(path, "Image URLs must be https:// or http:// addresses or base64 data: URLs.");
        }
        ObjectNode part = Json.object();
        ObjectNode fd = part.putObject("fileData");
        String mime = imageType(lower);
        if (mime != null) fd.put("mimeType", mime);
        fd.put("fileUri", url);
        return part;
    }

    private static ObjectNode file(JsonNode file, String path) {
        String data = file.path("file_data").asText("");
        if (data.isEmpty()) {
            throw new TranslationException(path, "Files must be sent inline as file_data (a base64 data: URL) for Gemini models; file_id is not supported.");
        }
        return inline(data, path + ".file_data");
    }

    private static ObjectNode inline(String dataUrl, String path) {
        Matcher m = DATA_URL.matcher(dataUrl);
        if (!m.matches()) {
            throw new TranslationException(path, "Data URLs must have the form data:<mime type>;base64,<data>.");
        }
        ObjectNode part = Json.object();
        part.putObject("inlineData").put("mimeType", m.group(1)).put("data", m.group(2));
        return part;
    }

    /** The image MIME type a URL's file extension names, or null. */
    private static String imageType(String lowerUrl) {
        String path = lowerUrl.replaceFirst("[?#].*$", "");
        int dot = path.lastIndexOf('.');
        return dot < path.lastIndexOf('/') || dot < 0 ? null : IMAGE_TYPES.get(path.substring(dot + 1));
    }

    private static ObjectNode arguments(JsonNode args, String path) {
        String text = args == null || args.isNull() ? "" : args.asText();
        if (text.isBlank()) return Json.object();
        JsonNode parsed = tryParse(text);
        if (parsed == null || !parsed.isObject()) {
            throw new TranslationException(path, "Tool call arguments must be a JSON object encoded as a string.");
        }
        return (ObjectNode) parsed;
    }

    private static void tools(ObjectNode req, ObjectNode out) {
        JsonNode tools = req.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode decls = out.putArray("tools").addObject().putArray("functionDeclarations");
            for (int i = 0; i < tools.size(); i++) {
                JsonNode t = tools.get(i);
                if (!"function".equals(t.path("type").asText())) {
                    throw new TranslationException("tools[" + i + "].type", "Only function tools are supported for Gemini models.");
                }
                JsonNode fn = t.path("function");
                String name = fn.path("name").asText("");
                if (name.isEmpty()) throw new TranslationException("tools[" + i + "].function.name", "A function tool needs a name.");
                ObjectNode d = decls.addObject();
                d.put("name", name);
                if (fn.path("description").isTextual()) d.set("description", fn.get("description"));
                ObjectNode params = GeminiSchema.parameters(fn.get("parameters"), "tools[" + i + "].function.parameters");
                if (params != null) d.set("parameters", params);
            }
        }
        JsonNode choice = req.get("tool_choice");
        if (choice == null || choice.isNull()) return;
        ObjectNode fcc = Json.object();
        if (choice.isTextual()) {
            switch (choice.textValue()) {
                case "auto" -> fcc.put("mode", "AUTO");
                case "none" -> fcc.put("mode", "NONE");
                case "required" -> fcc.put("mode", "ANY");
                default -> throw new TranslationException("tool_choice", "tool_choice must be auto, none, required or a named function.");
            }
        } else if ("function".equals(choice.path("type").asText()) && choice.path("function").path("name").isTextual()) {
            fcc.put("mode", "ANY");
            fcc.putArray("allowedFunctionNames").add(choice.path("function").get("name"));
        } else {
            throw new TranslationException("tool_choice", "tool_choice must be auto, none, required or a named function.");
        }
        out.putObject("toolConfig").set("functionCallingConfig", fcc);
    }

    private static ObjectNode generationConfig(ObjectNode req) {
        ObjectNode g = Json.object();
        copy(req, "temperature", g, "temperature");
        copy(req, "top_p", g, "topP");
        if (present(req, "max_completion_tokens")) copy(req, "max_completion_tokens", g, "maxOutputTokens");
        else copy(req, "max_tokens", g, "maxOutputTokens");
        JsonNode stop = req.get("stop");
        if (stop != null && stop.isTextual()) g.putArray("stopSequences").add(stop);
        else if (stop != null && stop.isArray() && !stop.isEmpty()) g.set("stopSequences", stop);
        copy(req, "n", g, "candidateCount");
        copy(req, "seed", g, "seed");
        copy(req, "presence_penalty", g, "presencePenalty");
        copy(req, "frequency_penalty", g, "frequencyPenalty");
        JsonNode format = req.get("response_format");
        if (format != null && !format.isNull()) {
            switch (format.path("type").asText()) {
                case "text" -> { }
                case "json_object" -> g.put("responseMimeType", "application/json");
                case "json_schema" -> {
                    g.put("responseMimeType", "application/json");
                    JsonNode schema = format.path("json_schema").get("schema");
                    if (schema != null && schema.isObject()) g.set("responseJsonSchema", schema);
                }
                default -> throw new TranslationException("response_format.type", "response_format.type must be text, json_object or json_schema.");
            }
        }
        return g;
    }

    // ---------------------------------------------------------------- response

    /**
     * A {@code GenerateContentResponse} → an OpenAI {@code chat.completion}: one choice per candidate;
     * {@code content} joins the text parts (thought parts are not content; null when there is no
     * text); function calls become {@code tool_calls} with made-up ids (see the class comment) and
     * compact JSON {@code arguments}, carrying a thought signature in
     * {@code extra_content.google.thought_signature}. A prompt blocked before any candidate
     * ({@code promptFeedback.blockReason}) is one choice with null content and finish reason
     * {@code content_filter}. Usage per {@link #usage}.
     */
    public static ObjectNode response(JsonNode geminiResponse, String model, String id, long createdSeconds) {
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", "chat.completion");
        out.put("created", createdSeconds);
        out.put("model", model);
        ArrayNode choices = out.putArray("choices");
        JsonNode candidates = geminiResponse.path("candidates");
        CallIds ids = new CallIds(id);
        if (candidates.isEmpty()) {
            ObjectNode c = choices.addObject().put("index", 0);
            c.putObject("message").put("role", "assistant").putNull("content").putNull("refusal");
            c.putNull("logprobs");
            c.put("finish_reason", geminiResponse.path("promptFeedback").has("blockReason") ? "content_filter" : "stop");
        }
        for (int i = 0; i < candidates.size(); i++) {
            JsonNode cand = candidates.get(i);
            ObjectNode c = choices.addObject().put("index", cand.path("index").asInt(i));
            ObjectNode msg = c.putObject("message").put("role", "assistant");
            JsonNode parts = cand.path("content").path("parts");
            String text = text(parts);
            if (text == null) msg.putNull("content"); else msg.put("content", text);
            msg.putNull("refusal");
            ArrayNode calls = Json.MAPPER.createArrayNode();
            for (JsonNode p : parts) {
                if (p.has("functionCall")) calls.add(toolCall(p, ids.next(), -1));
            }
            if (!calls.isEmpty()) msg.set("tool_calls", calls);
            c.putNull("logprobs");
            c.put("finish_reason", finishReason(cand.path("finishReason").asText(""), !calls.isEmpty()));
        }
        ObjectNode usage = usage(geminiResponse.get("usageMetadata"));
        if (usage != null) out.set("usage", usage);
        return out;
    }

    /** The joined text of the non-thought text parts, or null when there is none. */
    static String text(JsonNode parts) {
        StringBuilder sb = null;
        for (JsonNode p : parts) {
            if (p.path("thought").asBoolean(false) || !p.path("text").isTextual()) continue;
            if (sb == null) sb = new StringBuilder();
            sb.append(p.get("text").textValue());
        }
        return sb == null ? null : sb.toString();
    }

    /** An OpenAI tool call for a {@code functionCall} part; {@code index} ≥ 0 adds the stream delta index. */
    static ObjectNode toolCall(JsonNode part, String id, int index) {
        JsonNode fc = part.get("functionCall");
        ObjectNode call = Json.object();
        if (index >= 0) call.put("index", index);
        call.put("id", id);
        call.put("type", "function");
        JsonNode args = fc.get("args");
        call.putObject("function")
                .put("name", fc.path("name").asText())
                .put("arguments", args == null || args.isNull() ? "{}" : Json.toString(args));
        JsonNode signature = part.get("thoughtSignature");
        if (signature != null && signature.isTextual()) {
            call.putObject("extra_content").putObject("google").set("thought_signature", signature);
        }
        return call;
    }

    /** Deterministic, answer-unique tool call ids: {@code call_<completion id suffix>_<n>}. */
    static final class CallIds {
        private final String prefix;
        private int n;

        CallIds(String completionId) {
            String base = completionId == null ? "" : completionId;
            if (base.startsWith("chatcmpl-")) base = base.substring("chatcmpl-".length());
            this.prefix = base.isEmpty() ? "call_" : "call_" + base + "_";
        }

        String next() {
            return prefix + n++;
        }
    }

    /**
     * Gemini's {@code finishReason} → OpenAI's: function calls → {@code tool_calls}; STOP → stop;
     * MAX_TOKENS → length; SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII (and their
     * IMAGE_ variants) → content_filter; anything else → stop.
     */
    static String finishReason(String reason, boolean calledFunctions) {
        if (calledFunctions) return "tool_calls";
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
                 "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> "content_filter";
            default -> "stop";
        };
    }

    /**
     * {@code usageMetadata} → OpenAI usage, or null without it. {@code prompt_tokens} =
     * promptTokenCount (which already includes cached tokens, as OpenAI's does);
     * {@code completion_tokens} = candidatesTokenCount + thoughtsTokenCount (thinking is billed as
     * output, like OpenAI's reasoning tokens); {@code total_tokens} = their sum;
     * {@code cached_tokens} = cachedContentTokenCount; {@code reasoning_tokens} = thoughtsTokenCount.
     * toolUsePromptTokenCount (server-side tools, which this translator never enables) is not counted.
     */
    static ObjectNode usage(JsonNode meta) {
        if (meta == null || !meta.isObject()) return null;
        long prompt = meta.path("promptTokenCount").asLong(0);
        long thoughts = meta.path("thoughtsTokenCount").asLong(0);
        long completion = meta.path("candidatesTokenCount").asLong(0) + thoughts;
        ObjectNode u = Json.object();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", meta.path("cachedContentTokenCount").asLong(0));
        u.putObject("completion_tokens_details").put("reasoning_tokens", thoughts);
        return u;
    }

    // ---------------------------------------------------------------- errors

    /** A translated upstream error: the status the gateway answers with and the OpenAI error body. */
    public record Error(int status, ObjectNode openAiError) {}

    /**
     * Google's {@code {"error":{"code","message","status"}}} → an OpenAI error. The status names the
     * mapping (the HTTP status decides when it is missing or unknown):
     * INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE → 400 {@code invalid_request_error};
     * NOT_FOUND → 404; RESOURCE_EXHAUSTED → 429 {@code upstream_rate_limited};
     * UNAUTHENTICATED and PERMISSION_DENIED → 502 {@code upstream_auth_failed}: the credentials at fault
     * are the gateway's provider key, not the caller's, so the caller must not be told to fix its own
     * key, and Google's text (which can name the operator's Cloud project) is replaced by a fixed one;
     * so is a 400 whose {@code details} carry an ErrorInfo reason API_KEY_* (Gemini's answer to an
     * invalid key); INTERNAL (and anything else) → 502; UNAVAILABLE → 503; DEADLINE_EXCEEDED → 504.
     * Only Google's {@code message} text is carried over, never {@code details}.
     */
    public static Error error(int status, JsonNode googleErrorBody) {
        JsonNode e = googleErrorBody == null ? null : googleErrorBody.path("error");
        String googleStatus = e == null ? "" : e.path("status").asText("");
        String message = e == null ? "" : e.path("message").asText("").strip();
        if (message.isEmpty()) message = "The Gemini API returned HTTP " + status + ".";
        String code = switch (googleStatus) {
            case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE" -> "400";
            case "UNAUTHENTICATED", "PERMISSION_DENIED" -> "auth";
            case "NOT_FOUND" -> "404";
            case "RESOURCE_EXHAUSTED" -> "429";
            case "UNAVAILABLE" -> "503";
            case "DEADLINE_EXCEEDED" -> "504";
            case "INTERNAL" -> "502";
            default -> switch (status) {
                case 400, 404, 429, 503, 504 -> String.valueOf(status);
                case 401, 403 -> "auth";
                default -> status >= 400 && status < 500 ? "400" : "502";
            };
        };
        if (keyRejected(e)) code = "auth";
        String lower = googleStatus.isEmpty() ? null : googleStatus.toLowerCase(Locale.ROOT);
        ApiError api = switch (code) {
            case "400" -> new ApiError(400, ApiError.INVALID_REQUEST, lower == null ? "invalid_request" : lower, message, null);
            case "404" -> new ApiError(404, ApiError.INVALID_REQUEST, "not_found", message, null);
            case "429" -> new ApiError(429, "rate_limit_exceeded", "upstream_rate_limited", message, null);
            case "auth" -> new ApiError(502, "upstream_error", "upstream_auth_failed",
                    "The Gemini API refused the gateway's provider credentials; the gateway operator must fix its Gemini API key.", null);
            case "503" -> new ApiError(503, "upstream_error", "upstream_unavailable", message, null);
            case "504" -> new ApiError(504, "upstream_error", "upstream_timeout", message, null);
            default -> new ApiError(502, "upstream_error", "upstream_error", message, null);
        };
        return new Error(api.status(), api.toJson());
    }

    /**
     * Whether Google says the API key itself is bad. The Gemini API answers an invalid key with
     * 400 INVALID_ARGUMENT ("API key not valid"), telling it apart only by an ErrorInfo
     * {@code reason} such as API_KEY_INVALID in {@code details}: that is the gateway's key, not a
     * mistake of the caller's.
     */
    private static boolean keyRejected(JsonNode e) {
        if (e == null) return false;
        for (JsonNode d : e.path("details")) {
            if (d.path("reason").asText("").startsWith("API_KEY_")) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- helpers

    private static void text(ArrayNode parts, String text) {
        if (text != null && !text.isEmpty()) parts.addObject().put("text", text);
    }

    /** A message content that must be text: a string, or (tool messages) an array of text parts joined. */
    private static String textOf(JsonNode content, String path) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.textValue();
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < content.size(); j++) {
                JsonNode p = content.get(j);
                if (!"text".equals(p.path("type").asText())) {
                    throw new TranslationException(path + "[" + j + "].type", "Tool messages may contain only text parts.");
                }
                sb.append(p.path("text").asText());
            }
            return sb.toString();
        }
        throw new TranslationException(path, "Message content must be a string or an array of content parts.");
    }

    private static JsonNode tryParse(String text) {
        try {
            return Json.parse(text);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean present(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode v = from.get(field);
        if (v != null && !v.isNull()) to.set(as, v);
    }
}
