package dev.tollgate.provider.anthropic;

import dev.tollgate.api.TranslationException;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every request the translation refuses: exact param, code, message and the 400 body. */
class AnthropicTranslationErrorsTest {

    private static final String HI = "[{\"role\":\"user\",\"content\":\"Hi\"}]";
    private static final String U = TranslationException.UNSUPPORTED;
    private static final String I = TranslationException.INVALID;

    /** A request with {@code extra} top-level fields beside a one-message conversation. */
    private static String req(String extra) {
        return "{\"model\":\"m\",\"messages\":" + HI + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** A request with these messages. */
    private static String msgs(String messages) {
        return "{\"model\":\"m\",\"messages\":" + messages + "}";
    }

    private static final String TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}";

    static Stream<Arguments> cases() {
        return Stream.of(
                // parameters with no Anthropic equivalent
                arguments(req("\"n\":2"), "n", U, "Anthropic models return one choice per request; 'n' must be 1."),
                arguments(req("\"logprobs\":true"), "logprobs", U, "Anthropic models do not return log probabilities."),
                arguments(req("\"top_logprobs\":3"), "top_logprobs", U, "Anthropic models do not return log probabilities."),
                arguments(req("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}}"),
                        "response_format", U, "response_format 'json_schema' is not supported for Anthropic models; only 'text' is."),
                arguments(req("\"response_format\":{\"type\":\"json_object\"}"),
                        "response_format", U, "response_format 'json_object' is not supported for Anthropic models; only 'text' is."),
                arguments(req("\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}"), "audio", U, "Audio output is not supported for Anthropic models."),
                arguments(req("\"modalities\":[\"text\",\"audio\"]"), "modalities", U,
                        "Anthropic models only produce text; remove 'audio' from 'modalities'."),
                arguments(req("\"logit_bias\":{\"50256\":-100}"), "logit_bias", U, "'logit_bias' is not supported for Anthropic models."),
                arguments(req("\"reasoning_effort\":\"extreme\""), "reasoning_effort", I,
                        "'reasoning_effort' must be one of 'none', 'minimal', 'low', 'medium' or 'high' for Anthropic models."),
                arguments(req("\"reasoning_effort\":3"), "reasoning_effort", I,
                        "'reasoning_effort' must be one of 'none', 'minimal', 'low', 'medium' or 'high' for Anthropic models."),
                arguments(req("\"thinking\":\"enabled\""), "thinking", I,
                        "'thinking' must be an object with a string 'type', as Anthropic's API takes it."),
                arguments(req("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":\"lots\"}"), "thinking.budget_tokens", I,
                        "'thinking.budget_tokens' must be a positive integer."),
                arguments(req("\"reasoning_effort\":\"high\",\"max_tokens\":4096"), "max_tokens", I,
                        "The thinking budget (4096 tokens) is part of the answer's tokens for Anthropic models: max tokens must be greater than it."),
                arguments(req("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"max_completion_tokens\":1500"),
                        "max_completion_tokens", I,
                        "The thinking budget (2000 tokens) is part of the answer's tokens for Anthropic models: max tokens must be greater than it."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"x\","
                        + "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"t\"}]}]"), "messages[1].thinking_blocks[0].signature", I,
                        "A 'thinking' part needs a string 'signature'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"x\","
                        + "\"thinking_blocks\":[{\"type\":\"summary\"}]}]"), "messages[1].thinking_blocks[0].type", I,
                        "A thinking block's type must be 'thinking' or 'redacted_thinking'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"x\","
                        + "\"thinking_blocks\":{}}]"), "messages[1].thinking_blocks", I, "'thinking_blocks' must be an array."),
                arguments(req("\"web_search_options\":{}"), "web_search_options", U, "'web_search_options' is not supported for Anthropic models."),
                arguments(req("\"functions\":[{\"name\":\"f\"}]"), "functions", U,
                        "The deprecated 'functions' parameter is not supported for Anthropic models; use 'tools' and 'tool_choice'."),
                arguments(req("\"function_call\":\"auto\""), "function_call", U,
                        "The deprecated 'function_call' parameter is not supported for Anthropic models; use 'tools' and 'tool_choice'."),
                arguments(req("\"frobnicate\":true"), "frobnicate", U, "Unrecognized parameter 'frobnicate' for Anthropic models."),
                // malformed values
                arguments(req("\"max_tokens\":0"), "max_tokens", I, "'max_tokens' must be a positive integer."),
                arguments(req("\"max_completion_tokens\":\"many\""), "max_completion_tokens", I, "'max_completion_tokens' must be a positive integer."),
                arguments(req("\"temperature\":\"hot\""), "temperature", I, "'temperature' must be a number."),
                arguments(req("\"top_p\":\"x\""), "top_p", I, "'top_p' must be a number."),
                arguments(req("\"stop\":5"), "stop", I, "'stop' must be a string or an array of strings."),
                arguments(req("\"stop\":[\"a\",1]"), "stop", I, "'stop' must be a string or an array of strings."),
                arguments(req("\"stream\":\"yes\""), "stream", I, "'stream' must be a boolean."),
                // tools
                arguments(req("\"tools\":{}"), "tools", I, "'tools' must be an array."),
                arguments(req("\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]"), "tools[0].type", U,
                        "Tool type 'custom' is not supported for Anthropic models; only 'function' is."),
                arguments(req("\"tools\":[{\"type\":\"function\",\"function\":{}}]"), "tools[0].function.name", I,
                        "A tool needs a string 'function.name'."),
                arguments(req("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":[]}}]"),
                        "tools[0].function.parameters", I, "'parameters' must be a JSON Schema object."),
                arguments(req("\"tools\":[" + TOOL + "],\"tool_choice\":\"maybe\""), "tool_choice", I, "Unknown tool_choice 'maybe'."),
                arguments(req("\"tools\":[" + TOOL + "],\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{}}"),
                        "tool_choice", U, "tool_choice type 'allowed_tools' is not supported for Anthropic models."),
                arguments(req("\"tools\":[" + TOOL + "],\"tool_choice\":{\"type\":\"function\",\"function\":{}}"),
                        "tool_choice.function.name", I, "tool_choice needs a string 'function.name'."),
                arguments(req("\"tools\":[" + TOOL + "],\"parallel_tool_calls\":\"no\""), "parallel_tool_calls", I,
                        "'parallel_tool_calls' must be a boolean."),
                // conversation shape
                arguments("{\"model\":\"m\"}", "messages", I, "'messages' must be a non-empty array."),
                arguments(msgs("[]"), "messages", I, "'messages' must be a non-empty array."),
                arguments(msgs("[\"hi\"]"), "messages[0]", I, "Each message must be an object."),
                arguments(msgs("[{\"content\":\"hi\"}]"), "messages[0].role", I, "Each message needs a string 'role'."),
                arguments(msgs("[{\"role\":\"robot\",\"content\":\"hi\"}]"), "messages[0].role", I, "Unknown message role 'robot'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"function\",\"name\":\"f\",\"content\":\"1\"}]"),
                        "messages[1].role", U, "The deprecated 'function' role is not supported for Anthropic models; use 'tool' messages."),
                arguments(msgs("[{\"role\":\"system\",\"content\":\"Be nice.\"}]"), "messages", I,
                        "Anthropic models need at least one user message."),
                arguments(msgs("[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"assistant\",\"content\":\"Hello!\"},{\"role\":\"user\",\"content\":\"hi\"}]"),
                        "messages", U, "Anthropic models need the conversation to start with a user message; it starts with 'assistant'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":42}]"), "messages[0].content", I,
                        "Message content must be a string or an array of content parts."),
                arguments(msgs("[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]},{\"role\":\"user\",\"content\":\"hi\"}]"),
                        "messages[0].content[0].type", U, "Content part type 'image_url' is not supported here for Anthropic models."),
                // content parts
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAAA\",\"format\":\"wav\"}}]}]"),
                        "messages[0].content[0]", U, "Audio input is not supported for Anthropic models."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]"), "messages[0].content[0].type", I,
                        "Each content part needs a string 'type'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]"), "messages[0].content[0].text", I,
                        "A 'text' part needs a string 'text'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]"),
                        "messages[0].content[0].image_url.url", I, "An image_url part needs a string 'url'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://host/cat.png\"}}]}]"),
                        "messages[0].content[0].image_url.url", I, "An image URL must be an http(s) URL or a base64 data: URL."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png,rawbytes\"}}]}]"),
                        "messages[0].content[0].image_url.url", I, "An image URL must be an http(s) URL or a base64 data: URL."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/bmp;base64,Qk0=\"}}]}]"),
                        "messages[0].content[0].image_url.url", U,
                        "Image type 'image/bmp' is not supported for Anthropic models; use image/jpeg, image/png, image/gif or image/webp."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_id\":\"file-abc\"}}]}]"),
                        "messages[0].content[0].file.file_id", U, "Uploaded files (file_id) are not available to Anthropic models; send file_data."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_data\":\"data:text/plain;base64,aGk=\"}}]}]"),
                        "messages[0].content[0].file.file_data", U, "File type 'text/plain' is not supported for Anthropic models; only application/pdf is."),
                arguments(msgs("[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\"}}]}]"),
                        "messages[0].content[0].file.file_data", I, "file_data must be a base64 data: URL."),
                // assistant messages and tool calls
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":null}]"),
                        "messages[1].content", I, "An assistant message needs content or tool_calls."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x\"}}]}]"),
                        "messages[1].content[0].type", U, "Content part type 'image_url' is not supported here for Anthropic models."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}}]"),
                        "messages[1].function_call", U, "The deprecated 'function_call' is not supported for Anthropic models; use 'tool_calls'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"audio\":{\"id\":\"audio_1\"}}]"),
                        "messages[1].audio", U, "Audio is not supported for Anthropic models."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"tool_calls\":{}}]"),
                        "messages[1].tool_calls", I, "'tool_calls' must be an array."),
                arguments(call("{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\": \"}}"),
                        "messages[1].tool_calls[0].function.arguments", I, "Tool call arguments are not valid JSON."),
                arguments(call("{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"[1,2]\"}}"),
                        "messages[1].tool_calls[0].function.arguments", I, "Tool call arguments must be a JSON object for Anthropic models."),
                arguments(call("{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}"),
                        "messages[1].tool_calls[0].function.arguments", I, "Tool call arguments must be a JSON string."),
                arguments(call("{\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}"),
                        "messages[1].tool_calls[0].id", I, "A tool call needs a string 'id'."),
                arguments(call("{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"arguments\":\"{}\"}}"),
                        "messages[1].tool_calls[0].function.name", I, "A tool call needs a string 'function.name'."),
                arguments(call("{\"id\":\"c1\",\"type\":\"custom\",\"custom\":{\"name\":\"f\",\"input\":\"x\"}}"),
                        "messages[1].tool_calls[0].type", U, "Tool call type 'custom' is not supported for Anthropic models."),
                // tool results
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"tool\",\"content\":\"1\"}]"),
                        "messages[1].tool_call_id", I, "A tool message needs a string 'tool_call_id'."),
                arguments(msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":{}}]"),
                        "messages[1].content", I, "Message content must be a string or an array of content parts.")
        );
    }

    /** A user turn, then an assistant turn with this one tool call. */
    private static String call(String toolCall) {
        return msgs("[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + toolCall + "]}]");
    }

    @ParameterizedTest(name = "{1}: {3}")
    @MethodSource("cases")
    void refused(String body, String param, String code, String message) throws Exception {
        ObjectNode req = (ObjectNode) Json.parse(body);
        assertThatThrownBy(() -> AnthropicChat.request(req, "claude-x", 1024))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    @Test
    void theAnswerIsA400InOpenAisShape() throws Exception {
        ObjectNode req = (ObjectNode) Json.parse(req("\"n\":3"));
        TranslationException e = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                () -> AnthropicChat.request(req, "claude-x", 1024));
        assertThat(e.toApiError().status()).isEqualTo(400);
        assertThat(e.toApiError().toJson()).isEqualTo(Json.parse(
                "{\"error\":{\"message\":\"Anthropic models return one choice per request; 'n' must be 1.\","
                        + "\"type\":\"invalid_request_error\",\"param\":\"n\",\"code\":\"unsupported_parameter\"}}"));
    }

    @Test
    void defaultsThatMeanNothingAreAccepted() throws Exception {
        ObjectNode req = (ObjectNode) Json.parse(req("\"n\":1,\"logprobs\":false,\"modalities\":[\"text\"],\"logit_bias\":{},"
                + "\"response_format\":{\"type\":\"text\"},\"top_logprobs\":null,\"audio\":null"));
        assertThat(AnthropicChat.request(req, "claude-x", 1024)).isEqualTo(Json.parse(
                "{\"model\":\"claude-x\",\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    }
}
