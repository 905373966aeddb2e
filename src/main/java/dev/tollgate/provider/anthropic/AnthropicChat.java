package dev.tollgate.provider.anthropic;

import dev.tollgate.api.TranslationException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.json.Json;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static dev.tollgate.api.TranslationException.invalid;
import static dev.tollgate.api.TranslationException.unsupported;

/**
 * OpenAI chat completions ⇄ Anthropic's Messages API ({@code POST /v1/messages}), as pure
 * functions: the gateway keeps speaking OpenAI to callers and to its policies, and only the wire
 * to Anthropic changes. Streams go through {@link AnthropicStream}.
 *
 * <h2>Request: what is translated, dropped and refused</h2>
 * <ul>
 *   <li>Translated: {@code messages} (see {@link AnthropicMessages}), {@code max_completion_tokens}
 *       / {@code max_tokens} (the former wins; Anthropic requires one, so the caller of
 *       {@link #request} supplies a default), {@code temperature} (OpenAI allows 0–2, Anthropic
 *       0–1: values above 1 are clamped to 1, which is Anthropic's most random setting),
 *       {@code top_p}, {@code stop} (string or array) → {@code stop_sequences}, {@code stream},
 *       {@code safety_identifier} or else {@code user} → {@code metadata.user_id}, {@code tools},
 *       {@code tool_choice}, {@code parallel_tool_calls:false} →
 *       {@code tool_choice.disable_parallel_tool_use:true}. {@code n:1}, {@code logprobs:false},
 *       {@code response_format:{"type":"text"}}, {@code modalities:["text"]} and empty
 *       {@code logit_bias} mean the default and are accepted.</li>
 *   <li>Extended thinking: a {@code thinking} object (Anthropic's own, as LiteLLM accepts it)
 *       passes as it is; else {@code reasoning_effort} becomes {@code thinking: {type: enabled,
 *       budget_tokens}} with LiteLLM's budgets ({@link #EFFORT_BUDGETS}: minimal and low 1024,
 *       medium 2048, high 4096; {@code none} is no thinking). Anthropic counts thinking inside
 *       {@code max_tokens}: without a cap from the caller the default is added to the budget, and
 *       a cap not above the budget is refused. An assistant message's {@code thinking_blocks}
 *       go back as its first blocks (see {@link AnthropicMessages}).</li>
 *   <li>Dropped silently ({@link #DROPPED}): hints and bookkeeping Anthropic has no use for —
 *       {@code stream_options} (usage is always reported at the end of a stream),
 *       {@code seed}, {@code frequency_penalty}, {@code presence_penalty}, {@code store},
 *       {@code metadata} (OpenAI's stored-completion tags), {@code service_tier},
 *       {@code prediction}, {@code prompt_cache_key}, {@code verbosity}; also a message's
 *       {@code name}, an image's {@code detail} and a tool's {@code strict}.</li>
 *   <li>Refused with {@link TranslationException} (400): what would change the answer if
 *       ignored — {@code n > 1}, {@code logprobs}, {@code top_logprobs}, {@code response_format}
 *       other than text, {@code audio} / audio modalities / audio parts, {@code logit_bias},
 *       a {@code reasoning_effort} other than the five above, {@code web_search_options}, the deprecated {@code functions}
 *       / {@code function_call}, and any parameter this class does not know.</li>
 * </ul>
 *
 * <h2>Response</h2>
 * The answer keeps Anthropic's id ({@code msg_…}) so a request can be traced in Anthropic's
 * console; OpenAI SDKs do not interpret ids. Thinking becomes LiteLLM's fields: the thinking text
 * joined in {@code message.reasoning_content}, and every thinking and redacted-thinking block with
 * its signature in {@code message.thinking_blocks}, which a client sends back on its next turn.
 * Their tokens are in {@code completion_tokens} (Anthropic's {@code output_tokens} include them),
 * so they are priced as output; Anthropic does not report how many of them were thinking.
 */
public final class AnthropicChat {

    /** OpenAI request fields with no meaning for Anthropic, dropped without a word. */
    public static final Set<String> DROPPED = Set.of("stream_options", "seed", "frequency_penalty",
            "presence_penalty", "store", "metadata", "service_tier", "prediction", "prompt_cache_key", "verbosity");

    /** The mapped error of an Anthropic failure: the status to answer and OpenAI's error body. */
    public record Error(int status, ObjectNode openAiError) {}

    private AnthropicChat() {}

    /**
     * An OpenAI {@code POST /v1/chat/completions} body → the body for Anthropic's
     * {@code POST /v1/messages}.
     *
     * @param upstreamModel    the Anthropic model id to call (the caller's {@code model} is an alias)
     * @param defaultMaxTokens Anthropic requires {@code max_tokens}; used when the caller set none
     * @throws TranslationException when the request cannot be expressed for Anthropic
     */
    public static ObjectNode request(ObjectNode openAiChat, String upstreamModel, int defaultMaxTokens) {
        if (defaultMaxTokens < 1) throw new IllegalArgumentException("defaultMaxTokens must be positive");
        ObjectNode out = Json.object();
        out.put("model", upstreamModel);
        ObjectNode thinking = thinking(openAiChat);
        long budget = thinking == null ? 0 : thinking.path("budget_tokens").asLong(0);
        Integer asked = maxTokens(openAiChat);
        if (asked != null && budget > 0 && asked <= budget) {
            throw invalid(openAiChat.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", "The thinking budget ("
                    + budget + " tokens) is part of the answer's tokens for Anthropic models: max tokens must be greater than it.");
        }
        // Without a cap from the caller the answer gets the default on top of its thinking budget.
        out.put("max_tokens", asked != null ? asked : (int) Math.min(Integer.MAX_VALUE, defaultMaxTokens + budget));
        AnthropicMessages.Translated conv = AnthropicMessages.translate(openAiChat.get("messages"));
        if (conv.system() != null) out.set("system", conv.system());
        out.set("messages", conv.messages());

        for (Iterator<Map.Entry<String, JsonNode>> it = openAiChat.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (v.isNull()) continue; // OpenAI treats an explicit null as "not set"
            switch (name) {
                case "model", "messages", "max_tokens", "max_completion_tokens", "tools", "tool_choice",
                     "parallel_tool_calls", "user", "safety_identifier" -> { } // handled below or above
                case "temperature" -> {
                    requireNumber(v, name);
                    // Clamp to Anthropic's maximum; keep the caller's number node otherwise (0 stays 0).
                    out.set("temperature", v.doubleValue() > 1.0 ? Json.MAPPER.getNodeFactory().numberNode(1.0) : v);
                }
                case "top_p" -> out.set("top_p", requireNumber(v, name));
                case "stop" -> stop(v, out);
                case "stream" -> {
                    if (!v.isBoolean()) throw invalid(name, "'stream' must be a boolean.");
                    out.put("stream", v.booleanValue());
                }
                case "n" -> {
                    if (!v.isIntegralNumber() || v.longValue() != 1) {
                        throw unsupported(name, "Anthropic models return one choice per request; 'n' must be 1.");
                    }
                }
                case "logprobs" -> {
                    if (!v.isBoolean() || v.booleanValue()) {
                        throw unsupported(name, "Anthropic models do not return log probabilities.");
                    }
                }
                case "top_logprobs" -> throw unsupported(name, "Anthropic models do not return log probabilities.");
                case "response_format" -> {
                    String type = Json.text(v, "type");
                    if (!"text".equals(type)) {
                        throw unsupported(name, "response_format '" + (type == null ? "?" : type)
                                + "' is not supported for Anthropic models; only 'text' is.");
                    }
                }
                case "modalities" -> {
                    for (JsonNode m : v) {
                        if (!"text".equals(m.asText())) {
                            throw unsupported(name, "Anthropic models only produce text; remove '" + m.asText() + "' from 'modalities'.");
                        }
                    }
                }
                case "audio" -> throw unsupported(name, "Audio output is not supported for Anthropic models.");
                case "logit_bias" -> {
                    if (!v.isObject() || !v.isEmpty()) throw unsupported(name, "'logit_bias' is not supported for Anthropic models.");
                }
                case "thinking", "reasoning_effort" -> {
                    // The first of the two the caller gave places the field; 'thinking' wins over the effort.
                    if (thinking != null && !out.has("thinking")) out.set("thinking", thinking);
                }
                case "web_search_options" -> throw unsupported(name, "'web_search_options' is not supported for Anthropic models.");
                case "functions", "function_call" -> throw unsupported(name,
                        "The deprecated '" + name + "' parameter is not supported for Anthropic models; use 'tools' and 'tool_choice'.");
                default -> {
                    if (!DROPPED.contains(name)) {
                        throw unsupported(name, "Unrecognized parameter '" + name + "' for Anthropic models.");
                    }
                }
            }
        }
        tools(openAiChat, out);
        String userId = Json.text(openAiChat, "safety_identifier");
        if (userId == null) userId = Json.text(openAiChat, "user");
        if (userId != null) out.putObject("metadata").put("user_id", userId);
        return out;
    }

    /** The caller's cap ({@code max_completion_tokens} wins), or null when it set none. */
    private static Integer maxTokens(JsonNode req) {
        for (String name : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode v = req.get(name);
            if (v == null || v.isNull()) continue;
            if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
                throw invalid(name, "'" + name + "' must be a positive integer.");
            }
            return v.intValue();
        }
        return null;
    }

    /**
     * Thinking budgets for OpenAI's {@code reasoning_effort}, as LiteLLM maps them (its
     * DEFAULT_REASONING_EFFORT_*_THINKING_BUDGET): Anthropic's smallest budget is 1024, so
     * {@code minimal} gets it too; {@code none} asks for no thinking.
     */
    static final Map<String, Integer> EFFORT_BUDGETS = Map.of("minimal", 1024, "low", 1024, "medium", 2048, "high", 4096);

    /**
     * Anthropic's {@code thinking} for the request: the caller's own {@code thinking} object
     * (Anthropic's shape, as LiteLLM accepts it in chat completions) passed as it is, else one
     * made from {@code reasoning_effort}; null for neither.
     */
    private static ObjectNode thinking(JsonNode req) {
        JsonNode given = req.get("thinking");
        if (given != null && !given.isNull()) {
            if (!given.isObject() || !given.path("type").isTextual()) {
                throw invalid("thinking", "'thinking' must be an object with a string 'type', as Anthropic's API takes it.");
            }
            JsonNode budget = given.get("budget_tokens");
            if (budget != null && !(budget.isIntegralNumber() && budget.canConvertToInt() && budget.intValue() > 0)) {
                throw invalid("thinking.budget_tokens", "'thinking.budget_tokens' must be a positive integer.");
            }
            return given.deepCopy();
        }
        JsonNode effort = req.get("reasoning_effort");
        if (effort == null || effort.isNull()) return null;
        if (effort.isTextual() && effort.textValue().equals("none")) return null;
        Integer budget = effort.isTextual() ? EFFORT_BUDGETS.get(effort.textValue()) : null;
        if (budget == null) {
            throw invalid("reasoning_effort", "'reasoning_effort' must be one of 'none', 'minimal', 'low', 'medium' or 'high' for Anthropic models.");
        }
        return Json.object().put("type", "enabled").put("budget_tokens", budget);
    }

    private static JsonNode requireNumber(JsonNode v, String name) {
        if (!v.isNumber()) throw invalid(name, "'" + name + "' must be a number.");
        return v;
    }

    private static void stop(JsonNode v, ObjectNode out) {
        ArrayNode seqs = out.arrayNode();
        if (v.isTextual()) {
            seqs.add(v.textValue());
        } else if (v.isArray()) {
            for (JsonNode s : v) {
                if (!s.isTextual()) throw invalid("stop", "'stop' must be a string or an array of strings.");
                seqs.add(s.textValue());
            }
        } else {
            throw invalid("stop", "'stop' must be a string or an array of strings.");
        }
        if (!seqs.isEmpty()) out.set("stop_sequences", seqs);
    }

    /** {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}. */
    private static void tools(JsonNode req, ObjectNode out) {
        JsonNode tools = req.get("tools");
        boolean hasTools = false;
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) throw invalid("tools", "'tools' must be an array.");
            ArrayNode list = out.arrayNode();
            for (int i = 0; i < tools.size(); i++) {
                String at = "tools[" + i + "]";
                JsonNode t = tools.get(i);
                String type = Json.text(t, "type");
                if (!"function".equals(type)) {
                    throw unsupported(at + ".type", "Tool type '" + (type == null ? "?" : type)
                            + "' is not supported for Anthropic models; only 'function' is.");
                }
                JsonNode fn = t.path("function");
                String name = Json.text(fn, "name");
                if (name == null) throw invalid(at + ".function.name", "A tool needs a string 'function.name'.");
                ObjectNode tool = list.addObject().put("name", name);
                String description = Json.text(fn, "description");
                if (description != null) tool.put("description", description);
                JsonNode params = fn.get("parameters");
                if (params == null || params.isNull()) {
                    // OpenAI allows a function without parameters; Anthropic requires a schema.
                    tool.putObject("input_schema").put("type", "object").putObject("properties");
                } else if (params.isObject()) {
                    tool.set("input_schema", params);
                } else {
                    throw invalid(at + ".function.parameters", "'parameters' must be a JSON Schema object.");
                }
            }
            if (!list.isEmpty()) {
                out.set("tools", list);
                hasTools = true;
            }
        }
        ObjectNode choice = null;
        JsonNode tc = req.get("tool_choice");
        if (tc != null && !tc.isNull()) {
            if (tc.isTextual()) {
                choice = switch (tc.textValue()) {
                    case "auto" -> Json.object().put("type", "auto");
                    case "required" -> Json.object().put("type", "any");
                    case "none" -> Json.object().put("type", "none");
                    default -> throw invalid("tool_choice", "Unknown tool_choice '" + tc.textValue() + "'.");
                };
            } else if ("function".equals(Json.text(tc, "type"))) {
                String name = Json.text(tc.path("function"), "name");
                if (name == null) throw invalid("tool_choice.function.name", "tool_choice needs a string 'function.name'.");
                choice = Json.object().put("type", "tool").put("name", name);
            } else {
                String type = Json.text(tc, "type");
                throw unsupported("tool_choice", "tool_choice type '" + (type == null ? "?" : type)
                        + "' is not supported for Anthropic models.");
            }
        }
        JsonNode parallel = req.get("parallel_tool_calls");
        if (parallel != null && !parallel.isNull() && !parallel.isBoolean()) {
            throw invalid("parallel_tool_calls", "'parallel_tool_calls' must be a boolean.");
        }
        if (parallel != null && parallel.isBoolean() && !parallel.booleanValue()) {
            if (choice == null && hasTools) choice = Json.object().put("type", "auto");
            // Anthropic's "none" choice has no such field: with no tool calls there is nothing to serialise.
            if (choice != null && !"none".equals(Json.text(choice, "type"))) choice.put("disable_parallel_tool_use", true);
        }
        if (choice != null) out.set("tool_choice", choice);
    }

    /**
     * An Anthropic message (non-streamed answer) → an OpenAI {@code chat.completion}.
     *
     * @param createdSeconds the {@code created} timestamp (Unix seconds): Anthropic sends none, and
     *                       passing it keeps this function pure
     */
    public static ObjectNode response(JsonNode anthropicMessage, long createdSeconds) {
        StringBuilder text = new StringBuilder();
        boolean anyText = false;
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        StringBuilder reasoning = null;
        ArrayNode thinkingBlocks = Json.MAPPER.createArrayNode();
        for (JsonNode block : anthropicMessage.path("content")) {
            String type = Json.text(block, "type");
            if ("thinking".equals(type)) {
                if (reasoning == null) reasoning = new StringBuilder();
                reasoning.append(block.path("thinking").asText(""));
                thinkingBlocks.addObject().put("type", "thinking").put("thinking", block.path("thinking").asText(""))
                        .put("signature", block.path("signature").asText(""));
            } else if ("redacted_thinking".equals(type)) {
                thinkingBlocks.addObject().put("type", "redacted_thinking").put("data", block.path("data").asText(""));
            } else if ("text".equals(type)) {
                anyText = true;
                text.append(block.path("text").asText(""));
            } else if ("tool_use".equals(type)) {
                ObjectNode call = toolCalls.addObject().put("id", Json.text(block, "id")).put("type", "function");
                JsonNode input = block.get("input");
                call.putObject("function")
                        .put("name", Json.text(block, "name"))
                        .put("arguments", input == null || input.isNull() ? "{}" : Json.toString(input));
            }
            // anything newer: no place in OpenAI's chat format.
        }
        ObjectNode out = Json.object();
        out.put("id", Json.text(anthropicMessage, "id"));
        out.put("object", "chat.completion");
        out.put("created", createdSeconds);
        out.put("model", Json.text(anthropicMessage, "model"));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (anyText) message.put("content", text.toString());
        else message.putNull("content");
        // LiteLLM's fields: the text to show, and the signed blocks a next turn must send back.
        if (reasoning != null) message.put("reasoning_content", reasoning.toString());
        if (!thinkingBlocks.isEmpty()) message.set("thinking_blocks", thinkingBlocks);
        if (!toolCalls.isEmpty()) message.set("tool_calls", toolCalls);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(Json.text(anthropicMessage, "stop_reason")));
        out.set("usage", AnthropicUsage.from(anthropicMessage.get("usage")).toOpenAi());
        return out;
    }

    /**
     * Anthropic's {@code stop_reason} → OpenAI's {@code finish_reason}. {@code pause_turn} (a
     * server tool paused a long turn) is {@code stop}: the answer so far is complete as far as an
     * OpenAI client can tell. An unknown future reason is {@code stop} too; null stays null.
     */
    static String finishReason(String stopReason) {
        if (stopReason == null) return null;
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /**
     * An Anthropic error answer → the status and OpenAI error body the gateway sends. Only the
     * upstream's message text is kept (never its request id or other fields).
     *
     * <p>{@code authentication_error} and {@code billing_error} concern the gateway's own
     * Anthropic account, not the caller: they become 502 {@code upstream_error} with a fixed
     * message, so no caller is told their key is wrong or their credit low.
     * {@code invalid_request_error} keeps a 4xx upstream status (Anthropic uses it for unlisted
     * 4xx codes), else 400. Upstream failures map to gateway statuses: {@code api_error} 502,
     * {@code timeout_error} 504, {@code overloaded_error} (Anthropic's 529, unknown to most
     * clients) 503 so SDKs retry. A missing or unknown type is read from the HTTP status as
     * Anthropic documents it (401 authentication, 529 overloaded, other 4xx invalid request, else
     * api_error). {@code code} is Anthropic's error type, so operators can tell the cases apart.
     *
     * @param status the upstream HTTP status (for an error event inside a stream: 200)
     */
    public static Error error(int status, JsonNode anthropicErrorBody) {
        JsonNode err = anthropicErrorBody == null ? null : anthropicErrorBody.get("error");
        String message = Json.text(err, "message");
        if (message == null || message.isBlank()) message = "The upstream provider returned an error (HTTP " + status + ").";
        String type = Json.text(err, "type");
        if (type == null || !ERROR_TYPES.contains(type)) type = typeOf(status);
        return switch (type) {
            case "invalid_request_error" -> error(status >= 400 && status < 500 && status != 401 && status != 402 ? status : 400,
                    ApiError.INVALID_REQUEST, type, message);
            case "authentication_error" -> error(502, UPSTREAM, "upstream_auth_failed",
                    "The gateway's credentials for the upstream provider were rejected.");
            case "billing_error" -> error(502, UPSTREAM, "upstream_billing_error",
                    "The gateway's account with the upstream provider cannot be billed.");
            case "permission_error" -> error(403, "permission_error", type, message);
            case "not_found_error" -> error(404, ApiError.INVALID_REQUEST, type, message);
            case "request_too_large" -> error(413, ApiError.INVALID_REQUEST, type, message);
            case "rate_limit_error" -> error(429, "rate_limit_error", type, message);
            case "timeout_error" -> error(504, UPSTREAM, type, message);
            case "overloaded_error" -> error(503, UPSTREAM, type, message);
            default -> error(502, UPSTREAM, "api_error", message); // api_error
        };
    }

    private static final String UPSTREAM = "upstream_error";

    /** Anthropic's documented error types; any other is read from the HTTP status. */
    private static final Set<String> ERROR_TYPES = Set.of("invalid_request_error", "authentication_error",
            "billing_error", "permission_error", "not_found_error", "request_too_large", "rate_limit_error",
            "api_error", "timeout_error", "overloaded_error");

    /** The error type Anthropic documents for a status, for answers without a known type. */
    private static String typeOf(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 529 -> "overloaded_error";
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
        };
    }

    private static Error error(int status, String type, String code, String message) {
        return new Error(status, new ApiError(status, type, code, message, null).toJson());
    }
}
