package dev.tollgate.provider.gemini;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.provider.StreamError;
import dev.tollgate.api.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every request the Gemini translation refuses: the exact param and message the caller gets in its 400. */
class GeminiTranslationErrorsTest {

    private static final String USER = "{\"role\":\"user\",\"content\":\"Hi\"}";
    private static final String CALL = "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}";

    private static ObjectNode json(String s) throws Exception {
        return (ObjectNode) Json.parse(s);
    }

    private static ObjectNode chat(String extraFields) throws Exception {
        return json("{\"model\":\"gemini-2.5-flash\",\"messages\":[" + USER + "]" + extraFields + "}");
    }

    private static ObjectNode messages(String messages) throws Exception {
        return json("{\"model\":\"gemini-2.5-flash\",\"messages\":[" + messages + "]}");
    }

    private static ObjectNode tools(String tools) throws Exception {
        return chat(",\"tools\":[" + tools + "]");
    }

    private static void refused(ObjectNode request, String param, String message) {
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> GeminiChat.request(request));
        assertThat(e).as("a TranslationException").isNotNull();
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.getMessage()).isEqualTo(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ,"functions":[{"name":"f"}]     | functions    | Parameter 'functions' is not supported for Gemini models.
            ,"prediction":{"type":"content"} | prediction  | Parameter 'prediction' is not supported for Gemini models.
            ,"logprobs":true                | logprobs     | logprobs is not supported for Gemini models.
            ,"top_logprobs":3               | top_logprobs | top_logprobs is not supported for Gemini models.
            ,"audio":{"voice":"alloy","format":"wav"} | audio | Audio output is not supported for Gemini models.
            ,"modalities":["text","audio"]  | modalities   | Only text output is supported for Gemini models.
            ,"tool_choice":"any"            | tool_choice  | tool_choice must be auto, none, required or a named function.
            ,"tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"auto","tools":[]}} | tool_choice | tool_choice must be auto, none, required or a named function.
            ,"response_format":{"type":"xml"} | response_format.type | response_format.type must be text, json_object or json_schema.
            """)
    void refusedParameters(String extra, String param, String message) throws Exception {
        refused(chat(extra), param, message);
    }

    @Test
    void messagesMustBeANonEmptyArray() throws Exception {
        refused(json("{\"model\":\"m\"}"), "messages", "'messages' must be a non-empty array.");
        refused(json("{\"model\":\"m\",\"messages\":[]}"), "messages", "'messages' must be a non-empty array.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"role":"function","name":"f","content":"x"} | messages[0].role | Unsupported message role 'function' for Gemini models; use system, developer, user, assistant or tool.
            {"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}} | messages[0].function_call | Legacy function_call messages are not supported for Gemini models; use tool_calls.
            {"role":"user","content":42} | messages[0].content | Message content must be a string or an array of content parts.
            {"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]} | messages[0].content[0].type | System messages may contain only text parts.
            {"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]} | messages[0].content[0].type | Audio input is not supported for Gemini models.
            {"role":"user","content":[{"type":"video_url","video_url":{"url":"https://x/y.mp4"}}]} | messages[0].content[0].type | Unsupported content part type 'video_url' for Gemini models.
            {"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://example.com/cat.png"}}]} | messages[0].content[0].image_url.url | Image URLs must be https:// or http:// addresses or base64 data: URLs.
            {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,rawbytes"}}]} | messages[0].content[0].image_url.url | Data URLs must have the form data:<mime type>;base64,<data>.
            {"role":"user","content":[{"type":"file","file":{"file_id":"file-abc123"}}]} | messages[0].content[0].file | Files must be sent inline as file_data (a base64 data: URL) for Gemini models; file_id is not supported.
            {"role":"assistant","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]} | messages[0].content[0].type | Assistant messages may contain only text and refusal parts for Gemini models.
            {"role":"assistant","tool_calls":[{"id":"c1","type":"custom","custom":{"name":"f","input":"x"}}]} | messages[0].tool_calls[0].type | Only function tool calls are supported for Gemini models.
            {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"arguments":"{}"}}]} | messages[0].tool_calls[0].function.name | A tool call needs a function name.
            {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\\"city\\": "}}]} | messages[0].tool_calls[0].function.arguments | Tool call arguments must be a JSON object encoded as a string.
            {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"[1, 2]"}}]} | messages[0].tool_calls[0].function.arguments | Tool call arguments must be a JSON object encoded as a string.
            {"role":"tool","tool_call_id":"c9","content":"x"} | messages[0].tool_call_id | No earlier assistant tool call has the id 'c9'; Gemini needs the function name it answers.
            {"role":"tool","content":"x"} | messages[0].tool_call_id | A tool message needs the tool_call_id of the assistant tool call it answers.
            """)
    void refusedMessages(String message, String param, String text) throws Exception {
        refused(messages(message), param, text);
    }

    @Test
    void toolResultsNeedAnEarlierCall() throws Exception {
        // The call comes after the result: the name is not known yet.
        refused(messages(USER + ",{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"x\"}," + CALL),
                "messages[1].tool_call_id", "No earlier assistant tool call has the id 'c1'; Gemini needs the function name it answers.");
        refused(messages(USER + "," + CALL + ",{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":[{\"type\":\"image_url\"}]}"),
                "messages[2].content[0].type", "Tool messages may contain only text parts.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"type":"web_search"} | tools[0].type | Only function tools are supported for Gemini models.
            {"type":"function","function":{"description":"no name"}} | tools[0].function.name | A function tool needs a name.
            {"type":"function","function":{"name":"f","parameters":"object"}} | tools[0].function.parameters | Function parameters must be a JSON Schema object.
            {"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"n":{"$ref":"#/$defs/Node"}},"$defs":{"Node":{"type":"object","properties":{"next":{"$ref":"#/$defs/Node"}}}}}}} | tools[0].function.parameters | Recursive JSON Schema reference '#/$defs/Node' cannot be translated for Gemini.
            {"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"$ref":"https://example.com/a.json"}}}}} | tools[0].function.parameters | JSON Schema reference 'https://example.com/a.json' cannot be translated for Gemini: only references to $defs or definitions of the same schema are supported.
            {"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"allOf":[{"type":"string"},{"minLength":1}]}}}}} | tools[0].function.parameters | JSON Schema 'allOf' with several schemas cannot be translated for Gemini.
            """)
    void refusedTools(String tool, String param, String message) throws Exception {
        refused(tools(tool), param, message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"model":"e","input":[[1,2,3]]}            | input | Gemini embedding models take text only; token arrays are not supported.
            {"model":"e","input":[101,202]}            | input | Gemini embedding models take text only; token arrays are not supported.
            {"model":"e","input":[]}                   | input | 'input' must be a string or a non-empty array of strings.
            {"model":"e"}                              | input | 'input' must be a string or a non-empty array of strings.
            {"model":"e","input":"x","encoding_format":"int8"} | encoding_format | encoding_format must be float or base64.
            {"model":"e","input":"x","truncate":"END"} | truncate | Parameter 'truncate' is not supported for Gemini embedding models.
            """)
    void refusedEmbeddings(String request, String param, String message) throws Exception {
        TranslationException e = catchThrowableOfType(TranslationException.class,
                () -> GeminiEmbeddings.request(json(request), "gemini-embedding-001"));
        assertThat(e).as("a TranslationException").isNotNull();
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.getMessage()).isEqualTo(message);
    }

    @Test
    void errorEventMidStreamThrowsTheMappedError() throws Exception {
        GeminiStream stream = new GeminiStream("gemini-2.5-flash", "chatcmpl-abc123", 1750000000L);
        assertThat(stream.onEvent(Json.parse("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":\"model\"},\"index\":0}]}")))
                .hasSize(1);
        StreamError e = catchThrowableOfType(StreamError.class, () -> stream.onEvent(Json.parse(
                "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}")));
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.getMessage()).isEqualTo("The model is overloaded. Please try again later.");
        assertThat(Json.toString(e.openAiError())).isEqualTo(
                "{\"error\":{\"message\":\"The model is overloaded. Please try again later.\",\"type\":\"upstream_error\","
                        + "\"param\":null,\"code\":\"upstream_unavailable\"}}");
    }

    @Test
    void streamWithoutUsageEndsWithoutUsageChunk() throws Exception {
        GeminiStream stream = new GeminiStream("gemini-2.5-flash", "chatcmpl-abc123", 1750000000L);
        stream.onEvent(Json.parse("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}]}"));
        assertThat(stream.onEnd()).isEmpty();
    }

    @Test
    void requestIsNotModified() throws Exception {
        ObjectNode req = chat(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\","
                + "\"additionalProperties\":false,\"properties\":{\"a\":{\"type\":\"string\"}}}}}],\"stop\":[\"x\"]");
        String before = Json.toString(req);
        GeminiChat.request(req);
        assertThat(Json.toString(req)).isEqualTo(before);
    }
}
