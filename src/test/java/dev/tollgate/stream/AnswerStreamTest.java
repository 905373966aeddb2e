package dev.tollgate.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A whole answer the gateway made itself, turned into the exact stream events the upstream would send. */
class AnswerStreamTest {

    private static final String USAGE = "{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0}";
    private static final String CHAT_HEAD = "{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o\",";
    private static final String TEXT_HEAD = "{\"id\":\"cmpl-x\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"gpt-3.5-turbo-instruct\",";

    private static ObjectNode answer(String json) throws Exception {
        return (ObjectNode) Json.parse(json);
    }

    private static ObjectNode chatAnswer(String choices, boolean usage) throws Exception {
        return answer("{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":["
                + choices + "]" + (usage ? ",\"usage\":" + USAGE : "") + "}");
    }

    private static ObjectNode completionAnswer(String choices, boolean usage) throws Exception {
        return answer("{\"id\":\"cmpl-x\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"gpt-3.5-turbo-instruct\","
                + "\"choices\":[" + choices + "]" + (usage ? ",\"usage\":" + USAGE : "") + "}");
    }

    private static List<String> data(List<StreamChunk> chunks) {
        return chunks.stream().map(StreamChunk::data).toList();
    }

    private static String wire(List<StreamChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        for (StreamChunk c : chunks) sb.append(c.toWire().toString());
        return sb.toString();
    }

    private static final String CHAT_CHOICE = "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi there\",\"refusal\":null},"
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}";

    @Test
    void chatWithoutUsage() throws Exception {
        List<StreamChunk> chunks = AnswerStream.of(Endpoint.Kind.CHAT_COMPLETIONS, chatAnswer(CHAT_CHOICE, true), false);
        assertThat(data(chunks)).containsExactly(
                CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi there\"},\"finish_reason\":null}]}",
                CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
                "[DONE]");
        assertThat(chunks.get(chunks.size() - 1).isDone()).isTrue();
        assertThat(chunks).allMatch(c -> c.event() == null);
        assertThat(wire(chunks)).isEqualTo(
                "data: " + CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi there\"},\"finish_reason\":null}]}\n\n"
                        + "data: " + CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                        + "data: [DONE]\n\n");
    }

    @Test
    void chatWithUsage() throws Exception {
        List<StreamChunk> chunks = AnswerStream.of(Endpoint.Kind.CHAT_COMPLETIONS, chatAnswer(CHAT_CHOICE, true), true);
        assertThat(data(chunks)).containsExactly(
                CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi there\"},\"finish_reason\":null}]}",
                CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
                CHAT_HEAD + "\"choices\":[],\"usage\":" + USAGE + "}",
                "[DONE]");
        // The gateway-made chunks carry their JSON already.
        assertThat(chunks.get(2).json().path("usage").path("total_tokens").asInt()).isZero();
    }

    @Test
    void usageIsOnlySentWhenTheAnswerHasOne() throws Exception {
        List<StreamChunk> chunks = AnswerStream.of(Endpoint.Kind.CHAT_COMPLETIONS, chatAnswer(CHAT_CHOICE, false), true);
        assertThat(chunks).hasSize(3);
        assertThat(data(chunks)).noneMatch(d -> d.contains("usage"));
    }

    @Test
    void chatWithSeveralChoices() throws Exception {
        String two = CHAT_CHOICE + ",{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"Hello\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":\"length\"}";
        List<StreamChunk> chunks = AnswerStream.of(Endpoint.Kind.CHAT_COMPLETIONS, chatAnswer(two, true), true);
        assertThat(data(chunks)).containsExactly(
                CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi there\"},\"finish_reason\":null}]}",
                CHAT_HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
                CHAT_HEAD + "\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}]}",
                CHAT_HEAD + "\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}]}",
                CHAT_HEAD + "\"choices\":[],\"usage\":" + USAGE + "}",
                "[DONE]");
    }

    @Test
    void aMissingFinishReasonIsStopAndMissingContentIsEmpty() throws Exception {
        List<StreamChunk> chunks = AnswerStream.of(Endpoint.Kind.CHAT_COMPLETIONS,
                chatAnswer("{\"index\":3,\"message\":{\"role\":\"assistant\"}}", false), false);
        assertThat(data(chunks)).containsExactly(
                CHAT_HEAD + "\"choices\":[{\"index\":3,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
                CHAT_HEAD + "\"choices\":[{\"index\":3,\"delta\":{},\"finish_reason\":\"stop\"}]}",
                "[DONE]");
    }

    @Test
    void completionWithAndWithoutUsage() throws Exception {
        String choice = "{\"index\":0,\"text\":\"pong\",\"logprobs\":null,\"finish_reason\":\"stop\"}";
        List<StreamChunk> plain = AnswerStream.of(Endpoint.Kind.COMPLETIONS, completionAnswer(choice, true), false);
        assertThat(data(plain)).containsExactly(
                TEXT_HEAD + "\"choices\":[{\"index\":0,\"text\":\"pong\",\"finish_reason\":null}]}",
                TEXT_HEAD + "\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}]}",
                "[DONE]");
        List<StreamChunk> withUsage = AnswerStream.of(Endpoint.Kind.COMPLETIONS, completionAnswer(choice, true), true);
        assertThat(data(withUsage)).containsExactly(
                TEXT_HEAD + "\"choices\":[{\"index\":0,\"text\":\"pong\",\"finish_reason\":null}]}",
                TEXT_HEAD + "\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}]}",
                TEXT_HEAD + "\"choices\":[],\"usage\":" + USAGE + "}",
                "[DONE]");
    }

    @Test
    void completionWithSeveralChoices() throws Exception {
        String two = "{\"index\":0,\"text\":\"a\",\"finish_reason\":\"stop\"},{\"index\":1,\"text\":\"b\",\"finish_reason\":\"length\"}";
        List<StreamChunk> chunks = AnswerStream.of(Endpoint.Kind.COMPLETIONS, completionAnswer(two, false), false);
        assertThat(data(chunks)).containsExactly(
                TEXT_HEAD + "\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}",
                TEXT_HEAD + "\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}]}",
                TEXT_HEAD + "\"choices\":[{\"index\":1,\"text\":\"b\",\"finish_reason\":null}]}",
                TEXT_HEAD + "\"choices\":[{\"index\":1,\"text\":\"\",\"finish_reason\":\"length\"}]}",
                "[DONE]");
    }

    @Test
    void textThatNeedsEscapingIsEncodedAsJsonOnOneDataLine() throws Exception {
        String choice = "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"line 1\\nline \\\"2\\\"\"},\"finish_reason\":\"stop\"}";
        List<StreamChunk> chunks = AnswerStream.of(Endpoint.Kind.CHAT_COMPLETIONS, chatAnswer(choice, false), false);
        String first = chunks.get(0).toWire().toString();
        assertThat(first).isEqualTo("data: " + CHAT_HEAD
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"line 1\\nline \\\"2\\\"\"},\"finish_reason\":null}]}\n\n");
        assertThat(chunks.get(0).json().path("choices").path(0).path("delta").path("content").asText()).isEqualTo("line 1\nline \"2\"");
    }

    @Test
    void anAnswerWithoutChoicesIsJustDone() throws Exception {
        assertThat(data(AnswerStream.of(Endpoint.Kind.CHAT_COMPLETIONS, chatAnswer("", false), false))).containsExactly("[DONE]");
    }

    @Test
    void wantsUsageOnlyForABooleanTrue() throws Exception {
        assertThat(AnswerStream.wantsUsage(answer("{\"stream_options\":{\"include_usage\":true}}"))).isTrue();
        assertThat(AnswerStream.wantsUsage(answer("{\"stream_options\":{\"include_usage\":false}}"))).isFalse();
        assertThat(AnswerStream.wantsUsage(answer("{\"stream_options\":{\"include_usage\":\"true\"}}"))).isFalse();
        assertThat(AnswerStream.wantsUsage(answer("{\"stream_options\":{}}"))).isFalse();
        assertThat(AnswerStream.wantsUsage(answer("{\"stream_options\":null}"))).isFalse();
        assertThat(AnswerStream.wantsUsage(answer("{}"))).isFalse();
        assertThat(AnswerStream.wantsUsage(null)).isFalse();
    }
}
