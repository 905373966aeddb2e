package dev.tollgate.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.PromptText;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tollgate.api.Endpoint;

import java.util.Map;

/**
 * Token counts for a request and its answer when the upstream reports no {@code usage} (some
 * OpenAI-compatible servers omit it, streams without {@code stream_options.include_usage} never
 * send it), so accounting and budgets still see a number.
 *
 * <p>Chat messages follow the OpenAI cookbook "How to count tokens with tiktoken"
 * ({@code num_tokens_from_messages}): 3 tokens per message, every string value of the message
 * (role, content, name, tool_call_id...) encoded, +1 per {@code name}, +3 priming the reply; tool
 * definitions follow its {@code num_tokens_for_tools}. Each model is counted with its own encoding
 * ({@link TokenCounter}); the cookbook's snapshot table would count gpt-4.1 with cl100k_base and
 * refuses gpt-5 and the o-series. Where the cookbook has no rule, Tollgate's rules are:
 * <ul>
 *   <li>content parts: the {@code text} (or {@code refusal}) of each part, encoded separately; an
 *       image part counts a flat {@value #IMAGE_PART} tokens (gpt-4o's low-detail price; the real
 *       price depends on size and detail); audio and file parts count nothing;</li>
 *   <li>tool calls ({@code tool_calls}, legacy {@code function_call}): function name and arguments;</li>
 *   <li>tool definitions: only top-level parameters, as in the cookbook; 10 tokens per function on
 *       cl100k_base models, 7 on the others (the cookbook's gpt-4 / gpt-4o constants);</li>
 *   <li>Responses API: {@code instructions} as a developer message, a string {@code input} as a
 *       user message, each input item as a message (role, content parts, function call name and
 *       arguments, function call output), +3 priming;</li>
 *   <li>completions {@code prompt} and embeddings / moderations {@code input}: strings encoded,
 *       token ids one each, no overhead; the completions {@code suffix} is counted too.</li>
 * </ul>
 * The prompt is read by the same walk every policy uses ({@link PromptText}); only tool
 * definitions are counted here alone. Text is encoded as ordinary text: {@code <|endoftext|>} in a prompt is its characters, not the
 * special token. Wrong types are skipped, never thrown on: only what is countable is counted.
 * Reasoning tokens and hidden system prompts are invisible here, so counts are lower bounds for
 * reasoning models. Fixtures from the real tiktoken: {@code tools/token-fixtures}.
 */
public final class TokenEstimate {

    static final int TOKENS_PER_MESSAGE = 3;
    static final int TOKENS_PER_NAME = 1;
    static final int REPLY_PRIMING = 3;
    static final int IMAGE_PART = 85;

    private TokenEstimate() {}

    /** Prompt tokens of a request body for the endpoint kind; 0 for kinds without a prompt. */
    public static long promptTokens(String model, JsonNode requestBody, Endpoint.Kind kind) {
        if (!(requestBody instanceof ObjectNode body) || kind == null) return 0;
        Encoding enc = TokenCounter.encodingFor(model);
        return switch (kind) {
            case CHAT_COMPLETIONS -> {
                JsonNode messages = body.get("messages");
                long n = messages != null && messages.isArray() ? walk(enc, kind, body) + REPLY_PRIMING : 0;
                yield n + tools(enc, model, body.get("tools"));
            }
            case RESPONSES -> {
                JsonNode input = body.get("input");
                boolean any = body.path("instructions").isTextual() || input != null && (input.isTextual() || input.isArray());
                yield (any ? walk(enc, kind, body) + REPLY_PRIMING : 0) + tools(enc, model, body.get("tools"));
            }
            case COMPLETIONS, EMBEDDINGS, MODERATIONS -> walk(enc, kind, body);
            default -> 0;
        };
    }

    /** The request's prompt as {@link PromptText} walks it, counted: messages, labels, text, images, token ids. */
    private static long walk(Encoding enc, Endpoint.Kind kind, ObjectNode body) {
        long[] n = {0};
        PromptText.read(kind, body, new PromptText.Reader() {
            @Override
            public void message() {
                n[0] += TOKENS_PER_MESSAGE;
            }

            @Override
            public void label(String key, String value) {
                n[0] += count(enc, value) + (key.equals("name") ? TOKENS_PER_NAME : 0);
            }

            @Override
            public void text(PromptText.Segment s) {
                n[0] += count(enc, s.text());
            }

            @Override
            public void image() {
                n[0] += IMAGE_PART;
            }

            @Override
            public void tokenIds(long count) {
                n[0] += count;
            }
        });
        return n[0];
    }

    /** Tokens of generated text (the concatenated output of one answer). */
    public static long completionTokens(String model, String text) {
        return text == null || text.isEmpty() ? 0 : TokenCounter.encodingFor(model).countTokensOrdinary(text);
    }

    private static long count(Encoding enc, String s) {
        return s.isEmpty() ? 0 : enc.countTokensOrdinary(s);
    }

    /** A string node's tokens; anything else counts nothing. */
    private static long text(Encoding enc, JsonNode n) {
        return n != null && n.isTextual() ? count(enc, n.textValue()) : 0;
    }

    /**
     * The cookbook's {@code num_tokens_for_tools}, made lenient: chat ({@code {type, function}})
     * and Responses (flat) shapes, missing strings read as empty, non-function tools skipped.
     */
    private static long tools(Encoding enc, String model, JsonNode tools) {
        if (tools == null || !tools.isArray()) return 0;
        int funcInit = TokenCounter.encodingTypeFor(model) == EncodingType.CL100K_BASE ? 10 : 7;
        long n = 0;
        boolean any = false;
        for (JsonNode t : tools) {
            if (!t.isObject()) continue;
            JsonNode type = t.get("type");
            if (type != null && !(type.isTextual() && type.textValue().equals("function"))) continue;
            JsonNode f = t.get("function");
            if (f == null || !f.isObject()) f = t;
            any = true;
            n += funcInit + count(enc, str(f.get("name")) + ":" + withoutFinalDot(str(f.get("description"))));
            JsonNode params = f.get("parameters");
            JsonNode props = params == null ? null : params.get("properties");
            if (props == null || !props.isObject() || props.isEmpty()) continue;
            n += 3;
            for (Map.Entry<String, JsonNode> e : props.properties()) {
                JsonNode p = e.getValue();
                n += 3;
                JsonNode enumValues = p.get("enum");
                if (enumValues != null) {
                    n -= 3;
                    if (enumValues.isArray()) {
                        for (JsonNode item : enumValues) n += 3 + text(enc, item);
                    }
                }
                n += count(enc, e.getKey() + ":" + str(p.get("type")) + ":" + withoutFinalDot(str(p.get("description"))));
            }
        }
        return any ? n + 12 : 0;
    }

    private static String str(JsonNode n) {
        return n != null && n.isTextual() ? n.textValue() : "";
    }

    private static String withoutFinalDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
