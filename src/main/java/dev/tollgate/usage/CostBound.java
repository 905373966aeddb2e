package dev.tollgate.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;

import java.util.Map;
import java.util.Set;

/**
 * What a request's prompt can bill beyond its text, for reservations: text is bounded by its bytes
 * or its count, but an image URL of 60 bytes can bill 48,000 tokens, an audio clip bills by its
 * length, and a Responses call that continues a stored conversation bills context the body does
 * not show. The scan walks the prompt (chat {@code messages}, Responses {@code input}) and finds:
 * <ul>
 *   <li>images ({@code image_url}, {@code input_image}, {@code computer_screenshot}): the model's
 *       {@link ImageTokens#max} for the detail asked (the size behind a URL is unseen);</li>
 *   <li>audio ({@code input_audio}): one token per byte of decoded audio. The formats accepted
 *       (wav, mp3) carry at least ~660 bytes per second, providers bill at most 32 tokens per
 *       second, so this holds even for audio priced up to 20x the text rate;</li>
 *   <li>content the body does not show: files ({@code file}, {@code input_file}: a PDF page
 *       becomes text and an image, which its size does not bound), {@code item_reference},
 *       {@code previous_response_id}, {@code conversation}, {@code prompt} templates, and an
 *       earlier answer's audio by id: bounded by the model's context window;</li>
 *   <li>what cannot be bounded: an image for a model without an image formula, a content part
 *       type this scan does not know, hosted tools billed per call (web search, file search...).</li>
 * </ul>
 *
 * @param mediaTokens    tokens the images and audio found can bill at most
 * @param mediaChars     characters of inline media data (data: URLs, base64 audio) that
 *                       {@code mediaTokens} stands for, so the byte bound need not count them too
 * @param unseenParam    the first field whose content the body does not show, or null
 * @param unboundedParam the first field that no bound is known for, or null
 * @param unboundedWhy   why, for the error message
 */
public record CostBound(long mediaTokens, long mediaChars, String unseenParam, String unboundedParam, String unboundedWhy) {

    public static final CostBound NONE = new CostBound(0, 0, null, null, null);

    /** Text-like content parts: bounded by their bytes like any other text. */
    private static final Set<String> TEXT_PARTS = Set.of("text", "input_text", "output_text", "refusal", "summary_text",
            "reasoning_text");
    /** Parts this scan bounds (images, audio) or knows to be unseen (files). */
    private static final Set<String> MEDIA_PARTS = Set.of("image_url", "input_image", "computer_screenshot", "input_audio",
            "file", "input_file");
    /** Responses tools priced by their tokens alone; every other (hosted) tool bills per call or adds unseen content. */
    private static final Set<String> TOKEN_TOOLS = Set.of("function", "custom");
    /** Responses fields that bring stored context into the prompt. */
    private static final String[] STATEFUL = {"previous_response_id", "conversation", "prompt"};

    /**
     * Words every field the scan acts on is spelled with ({@code "type"} of a part, a tool or an
     * item; a chat message's {@code audio}; the stateful Responses fields), and a backslash-u,
     * since a JSON key may be spelled with escapes.
     */
    private static final String[] TRIGGERS = {"type", "audio", "previous_response_id", "conversation", "prompt",
            "web_search_options", "\\u"};

    /**
     * True when the raw body holds none of the words the scan looks for, so it cannot find
     * anything: lets a text-only request skip building the JSON tree. False positives only cost a scan.
     */
    public static boolean plainText(io.vertx.core.buffer.Buffer raw) {
        dev.tollgate.json.Json.Bytes bytes = dev.tollgate.json.Json.bytes(raw);
        byte[] a = bytes.array();
        int from = bytes.offset();
        int to = from + bytes.length();
        // One pass: only a byte that starts some trigger is looked at further.
        for (int i = from; i < to; i++) {
            byte b = a[i];
            if (b != 't' && b != 'a' && b != 'p' && b != 'c' && b != 'w' && b != '\\') continue;
            for (byte[] t : TRIGGER_BYTES) if (t[0] == b && startsWith(a, i, to, t)) return false;
        }
        return true;
    }

    private static final byte[][] TRIGGER_BYTES = java.util.Arrays.stream(TRIGGERS)
            .map(t -> t.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).toArray(byte[][]::new);

    private static boolean startsWith(byte[] a, int at, int end, byte[] t) {
        if (end - at < t.length) return false;
        for (int j = 1; j < t.length; j++) if (a[at + j] != t[j]) return false;
        return true;
    }

    /** Scans the prompt of a request to this endpoint kind; {@code price} may be null (images then unbounded). */
    public static CostBound of(JsonNode body, Endpoint.Kind kind, ModelPrice price) {
        if (body == null || !body.isObject()) return NONE;
        Scan s = new Scan(price);
        switch (kind) {
            case CHAT_COMPLETIONS -> {
                s.walk(body.get("messages"), "messages");
                if (present(body.get("web_search_options"))) {
                    s.unbounded("web_search_options", "web search is billed per call, and its results add tokens the request does not show");
                }
            }
            case RESPONSES -> {
                for (String f : STATEFUL) if (present(body.get(f))) s.unseen(f);
                s.walk(body.get("input"), "input");
                JsonNode tools = body.get("tools");
                if (tools != null && tools.isArray()) {
                    for (int i = 0; i < tools.size(); i++) {
                        String type = tools.get(i).path("type").asText("");
                        if (!TOKEN_TOOLS.contains(type)) {
                            s.unbounded("tools[" + i + "]", "the hosted tool '" + ApiError.clip(type)
                                    + "' is billed per call and adds content the request does not show");
                        }
                    }
                }
            }
            default -> { }
        }
        return new CostBound(s.tokens, s.chars, s.unseen, s.unboundedParam, s.unboundedWhy);
    }

    private static boolean present(JsonNode v) {
        return v != null && !v.isNull();
    }

    /** The byte bound of the prompt: text bytes (a token is at least one byte) + reply priming + media. */
    public long byteBound(long bodyBytes) {
        return Saturating.add(Math.max(0, bodyBytes - mediaChars) + 3, mediaTokens);
    }

    /** Bytes of the body that are text (what the tokenizer would see). */
    public long textBytes(long bodyBytes) {
        return Math.max(0, bodyBytes - mediaChars);
    }

    /** A counted (or bounded) text prompt with the media on top. */
    public long withMedia(long textTokens) {
        return Saturating.add(textTokens, mediaTokens);
    }

    /** The prompt a budget reserves: at least the context window when part of the context is unseen. */
    public long forBudget(long promptTokens, ModelPrice price) {
        return unseenParam == null ? promptTokens : Math.max(promptTokens, price.contextWindow());
    }

    /**
     * The 403 {@code cost_not_bounded} for a budgeted key, or null when the reservation can bound
     * this request with this price.
     */
    public ApiError refusal(String model, ModelPrice price) {
        if (unboundedParam != null) {
            return notBounded(unboundedParam, "The cost of " + unboundedParam + " cannot be bounded before the call, and this key has a budget: "
                    + unboundedWhy + ".");
        }
        if (unseenParam != null && price.contextWindow() < 0) {
            return notBounded(unseenParam, "The cost of " + unseenParam + " cannot be bounded before the call, and this key has a budget: "
                    + "it brings content the request does not show, which is bounded by the model's context window, and model '"
                    + ApiError.clip(model) + "' has no context_window in the price table.");
        }
        return null;
    }

    private static ApiError notBounded(String param, String message) {
        return new ApiError(403, "permission_error", "cost_not_bounded", message, param);
    }


    /** One walk over a prompt; keeps the first unseen and unbounded fields, for the error. */
    private static final class Scan {
        final ModelPrice price;
        long tokens;
        long chars;
        String unseen;
        String unboundedParam;
        String unboundedWhy;

        Scan(ModelPrice price) {
            this.price = price;
        }

        void unseen(String param) {
            if (unseen == null) unseen = param;
        }

        void unbounded(String param, String why) {
            if (unboundedParam == null) {
                unboundedParam = param;
                unboundedWhy = why;
            }
        }

        void walk(JsonNode node, String path) {
            if (node == null) return;
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) walk(node.get(i), path + "[" + i + "]");
                return;
            }
            if (!node.isObject()) return;
            JsonNode type = node.get("type");
            if (type != null && type.isTextual() && MEDIA_PARTS.contains(type.textValue())) {
                media(node, type.textValue(), path);
                return;
            }
            if (type != null && type.isTextual() && type.textValue().equals("item_reference")) {
                unseen(path + ".id");
                return;
            }
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                JsonNode v = e.getValue();
                String key = e.getKey();
                if (!v.isContainerNode()) continue;
                String at = path + "." + key;
                if (key.equals("audio") && v.isObject() && v.has("id")) {
                    unseen(at); // an earlier answer's audio, by id (chat)
                } else if ((key.equals("content") || key.equals("output")) && v.isArray()) {
                    for (int i = 0; i < v.size(); i++) part(v.get(i), at + "[" + i + "]");
                } else {
                    walk(v, at);
                }
            }
        }

        /** A content part: text, media, or a type nothing here can bound. */
        void part(JsonNode part, String path) {
            JsonNode type = part.get("type");
            if (part.isObject() && type != null && type.isTextual()) {
                String t = type.textValue();
                if (!TEXT_PARTS.contains(t) && !MEDIA_PARTS.contains(t)) {
                    unbounded(path, "content part type '" + ApiError.clip(t) + "' is not one the gateway can bound");
                    return;
                }
            }
            walk(part, path);
        }

        void media(JsonNode part, String type, String path) {
            switch (type) {
                case "image_url" -> {
                    JsonNode img = part.get("image_url");
                    String url = img != null && img.isObject() ? img.path("url").asText(null) : img != null ? img.asText(null) : null;
                    String detail = img != null && img.isObject() ? img.path("detail").asText(null) : null;
                    image(path + ".image_url", url, detail);
                }
                case "input_image", "computer_screenshot" -> {
                    String field = part.has("file_id") && !part.has("image_url") ? "file_id" : "image_url";
                    JsonNode url = part.get("image_url");
                    image(path + "." + field, url != null && url.isTextual() ? url.textValue() : null, part.path("detail").asText(null));
                }
                case "input_audio" -> {
                    JsonNode audio = part.has("input_audio") ? part.get("input_audio") : part;
                    JsonNode data = audio.get("data");
                    String at = path + (part.has("input_audio") ? ".input_audio" : "");
                    if (data != null && data.isTextual()) {
                        long chars = data.textValue().length();
                        tokens = Saturating.add(tokens, chars / 4 * 3 + 3); // decoded bytes, rounded up
                        this.chars = Saturating.add(this.chars, chars);
                    } else {
                        unseen(at);
                    }
                }
                default -> { // file, input_file: content unseen or not bounded by its size
                    String field = part.has("file") ? "file" : part.has("file_id") ? "file_id" : part.has("file_data") ? "file_data"
                            : part.has("file_url") ? "file_url" : null;
                    unseen(field == null ? path : path + "." + field);
                }
            }
        }

        void image(String param, String url, String detail) {
            if (price == null || price.imageTokens() == null) {
                unbounded(param, "model '" + (price == null ? "?" : price.name()) + "' has no image_tokens formula in the price table");
                return;
            }
            tokens = Saturating.add(tokens, price.imageTokens().max(detail));
            if (url != null && url.startsWith("data:")) chars = Saturating.add(chars, url.length());
        }
    }
}
