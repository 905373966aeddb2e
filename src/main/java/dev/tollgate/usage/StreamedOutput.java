package dev.tollgate.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * What a model generated in one stream, so its output tokens can be counted when the stream ends
 * without the upstream's usage (the caller left, the upstream cut or stalled, a policy ended it).
 * Fed every event the upstream sent, before any policy changed or held it back: the upstream bills
 * what it generated, not what the caller was shown.
 *
 * <p>Events are kept as they came and parsed only if their tokens are asked for, so a stream whose
 * usage arrives costs no parsing. Memory stays bounded however long the stream: past
 * {@value #KEEP_EVENT_CHARS} characters of events they are reduced to their text, and past
 * {@value #KEEP_TEXT_CHARS} characters of text that text is counted and let go.
 */
public final class StreamedOutput {

    static final int KEEP_EVENT_CHARS = 4 << 20;
    static final int KEEP_TEXT_CHARS = 1 << 20;

    private final String model;
    private List<String> events = new ArrayList<>();
    private long eventChars;
    private StringBuilder text;
    private long countedTokens;

    /** @param model the model whose tokenizer counts the text */
    public StreamedOutput(String model) {
        this.model = model;
    }

    /** One event's data (a JSON object; anything else carries no text). */
    public void add(String data) {
        if (data == null || data.isEmpty() || data.charAt(0) != '{') return;
        if (events != null) {
            eventChars += data.length();
            events.add(data);
            if (eventChars <= KEEP_EVENT_CHARS) return;
            text = new StringBuilder();
            for (String e : events) appendText(e, text);
            events = null;
        } else {
            appendText(data, text);
        }
        if (text.length() > KEEP_TEXT_CHARS) {
            // Counting in pieces may differ from counting whole by a token at each cut; a bounded error.
            countedTokens = Saturating.add(countedTokens, TokenEstimate.completionTokens(model, text.toString()));
            text.setLength(0);
        }
    }

    /** Output tokens of everything added: text, refusals, reasoning text, tool-call names and arguments. */
    public long tokens() {
        return Saturating.add(countedTokens, TokenEstimate.completionTokens(model, text()));
    }

    /** The generated text not yet counted, in order. */
    String text() {
        if (events == null) return text.toString();
        StringBuilder out = new StringBuilder();
        for (String e : events) appendText(e, out);
        return out.toString();
    }

    private static void appendText(String data, StringBuilder out) {
        JsonNode event;
        try {
            event = Json.MAPPER.readTree(data);
        } catch (Exception notJson) {
            return; // an event that is not JSON carries no text to count
        }
        if (event != null) appendText(event, out);
    }

    /**
     * The text an event adds. Chat chunks: every choice's {@code delta} content, refusal, reasoning
     * text and tool calls (name and arguments, also the legacy {@code function_call}); legacy
     * completions: {@code choices[].text}; Responses API: every text {@code *.delta} event (output
     * text, refusal, reasoning, function-call arguments...) and the name of each function call.
     */
    static void appendText(JsonNode event, StringBuilder out) {
        for (JsonNode choice : event.path("choices")) {
            JsonNode delta = choice.path("delta");
            append(delta.get("content"), out);
            append(delta.get("refusal"), out);
            append(delta.get("reasoning_content"), out);
            for (JsonNode call : delta.path("tool_calls")) function(call.path("function"), out);
            function(delta.path("function_call"), out);
            append(choice.get("text"), out);
        }
        String type = event.path("type").asText();
        if (type.startsWith("response.") && type.endsWith(".delta") && !type.equals("response.audio.delta")) {
            append(event.get("delta"), out); // response.audio.delta is base64 audio, not text
        } else if (type.equals("response.output_item.added") && event.path("item").path("type").asText().equals("function_call")) {
            append(event.path("item").get("name"), out);
        }
    }

    private static void function(JsonNode f, StringBuilder out) {
        append(f.get("name"), out);
        append(f.get("arguments"), out);
    }

    private static void append(JsonNode v, StringBuilder out) {
        if (v != null && v.isTextual()) out.append(v.textValue());
    }
}
