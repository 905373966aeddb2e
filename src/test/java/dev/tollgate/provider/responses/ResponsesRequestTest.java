package dev.tollgate.provider.responses;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.api.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Responses API requests → chat completion requests: what is translated, dropped and refused. */
class ResponsesRequestTest {

    private static ObjectNode chat(String responses) throws Exception {
        return ResponsesRequest.toChat((ObjectNode) Json.parse(responses));
    }

    @Test
    void everyTranslatedPartLandsWhereChatKeepsIt() throws Exception {
        ObjectNode out = chat("{\"model\":\"claude\",\"instructions\":\"Be brief.\",\"input\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather in Paris?\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"https://example.com/a.png\",\"detail\":\"low\"}]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"id\":\"msg_1\",\"status\":\"completed\",\"content\":[{\"type\":\"output_text\",\"text\":\"Checking.\",\"annotations\":[]}]},"
                + "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"toolu_01\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"toolu_02\",\"name\":\"get_time\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"toolu_01\",\"output\":\"18C\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"toolu_02\",\"output\":[{\"type\":\"input_text\",\"text\":\"noon\"}]},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},"
                + "{\"role\":\"developer\",\"content\":[{\"type\":\"input_text\",\"text\":\"Use Celsius.\"}]}],"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Current weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},\"strict\":true}],"
                + "\"tool_choice\":{\"type\":\"function\",\"name\":\"get_weather\"},\"max_output_tokens\":300,\"temperature\":0.5,"
                + "\"top_p\":0.9,\"stream\":true,\"store\":false,\"metadata\":{\"a\":\"b\"},\"truncation\":\"disabled\","
                + "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"w\",\"schema\":{\"type\":\"object\"},\"strict\":true},\"verbosity\":\"low\"},"
                + "\"reasoning\":{\"effort\":\"low\",\"summary\":\"auto\"},\"user\":\"u1\",\"parallel_tool_calls\":false,"
                + "\"include\":[\"reasoning.encrypted_content\"]}");
        assertThat(out).isEqualTo(Json.parse("{\"model\":\"claude\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Weather in Paris?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\",\"detail\":\"low\"}}]},"
                + "{\"role\":\"assistant\",\"content\":\"Checking.\",\"tool_calls\":["
                + "{\"id\":\"toolu_01\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"id\":\"toolu_02\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01\",\"content\":\"18C\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_02\",\"content\":[{\"type\":\"text\",\"text\":\"noon\"}]},"
                + "{\"role\":\"developer\",\"content\":\"Use Celsius.\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Current weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},\"strict\":true}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},\"max_completion_tokens\":300,"
                + "\"temperature\":0.5,\"top_p\":0.9,\"stream\":true,"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\",\"schema\":{\"type\":\"object\"},\"strict\":true}},"
                + "\"verbosity\":\"low\",\"reasoning_effort\":\"low\",\"user\":\"u1\",\"parallel_tool_calls\":false}"));
    }

    @Test
    void aFunctionCallWithoutAssistantTextStartsItsOwnAssistantMessage() throws Exception {
        ObjectNode out = chat("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"ok\"}],\"text\":{\"format\":{\"type\":\"json_object\"}}}");
        assertThat(Json.toString(out)).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}],\"response_format\":{\"type\":\"json_object\"}}");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"model":"m","input":"Hi","tools":[{"type":"web_search"}]} | tools[0].type | unsupported_parameter | The tool type 'web_search' runs on OpenAI's servers and is not available for this model; only function tools are.
            {"model":"m","input":"Hi","tools":[{"type":"function","name":"f"},{"type":"file_search","vector_store_ids":["vs_1"]}]} | tools[1].type | unsupported_parameter | The tool type 'file_search' runs on OpenAI's servers and is not available for this model; only function tools are.
            {"model":"m","input":"Hi","previous_response_id":"resp_1"} | previous_response_id | unsupported_parameter | 'previous_response_id' needs a conversation stored by OpenAI and is not available for this model; send the whole conversation in 'input'.
            {"model":"m","input":"Hi","conversation":"conv_1"} | conversation | unsupported_parameter | 'conversation' needs a conversation stored by OpenAI and is not available for this model; send the whole conversation in 'input'.
            {"model":"m","input":"Hi","store":true} | store | unsupported_parameter | Stored responses (store: true) are not available for this model; send store: false and the whole conversation in 'input'.
            {"model":"m","input":"Hi","background":true} | background | unsupported_parameter | Background responses are not available for this model.
            {"model":"m","input":"Hi","prompt":{"id":"pmpt_1"}} | prompt | unsupported_parameter | Stored prompt templates ('prompt') are not available for this model.
            {"model":"m","input":"Hi","top_logprobs":2} | top_logprobs | unsupported_parameter | Log probabilities are not available for this model.
            {"model":"m","input":"Hi","include":["message.output_text.logprobs"]} | include | unsupported_parameter | 'include' value 'message.output_text.logprobs' is not available for this model.
            {"model":"m","input":"Hi","tool_choice":{"type":"web_search_preview"}} | tool_choice | unsupported_parameter | A tool_choice of type 'web_search_preview' is not available for this model; use auto, none, required or a function.
            {"model":"m","input":"Hi","frobnicate":1} | frobnicate | unsupported_parameter | Parameter 'frobnicate' is not supported for this model.
            {"model":"m","input":[{"type":"item_reference","id":"msg_1"}]} | input[0] | unsupported_parameter | Item references need responses stored by OpenAI and are not available for this model; send the items themselves.
            {"model":"m","input":[{"type":"web_search_call","id":"ws_1"}]} | input[0].type | unsupported_parameter | Input items of type 'web_search_call' are not supported for this model.
            {"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"file_1"}]}]} | input[0].content[0] | unsupported_parameter | Images must be given by 'image_url' (a URL or data URL) for this model; file ids are not supported.
            {"model":"m","input":[{"role":"tool","content":"x"}]} | input[0].role | invalid_value | A message's role must be user, system, developer or assistant.
            {"model":"m","input":[{"type":"function_call","name":"f"}]} | input[0].call_id | invalid_value | A function_call item needs a string 'call_id'.
            {"model":"m","input":42} | input | invalid_value | 'input' must be a string or an array of items.
            {"model":"m"} | input | invalid_value | 'input' is required for this model.
            """)
    void whatCannotBeTranslatedIsRefusedNamingTheParameter(String body, String param, String code, String message) throws Exception {
        TranslationException e = catchThrowableOfType(() -> chat(body), TranslationException.class);
        assertThat(e).isNotNull();
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.getMessage()).isEqualTo(message);
    }

    @ParameterizedTest
    @CsvSource({"max_completion_tokens,max_output_tokens", "response_format,text.format", "reasoning_effort,reasoning.effort",
            "messages[3].content[0].image_url.url,input", "tools[0].function.parameters,tools[0].parameters", "stop,stop"})
    void aChatAdaptersRefusalNamesTheResponsesParameter(String chatParam, String responsesParam) {
        TranslationException e = ResponsesRequest.inCallerTerms(TranslationException.unsupported(chatParam, "No."));
        assertThat(e.param()).isEqualTo(responsesParam);
        assertThat(e.code()).isEqualTo(TranslationException.UNSUPPORTED);
        assertThat(e.getMessage()).isEqualTo("No.");
    }
}
