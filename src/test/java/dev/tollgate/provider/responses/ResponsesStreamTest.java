package dev.tollgate.provider.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Chat chunk streams → Responses events: items one after another, the end state, and the numbering. */
class ResponsesStreamTest {

    private static List<StreamChunk> run(String... chatChunks) throws Exception {
        ResponsesStream s = new ResponsesStream(new ResponseShape((ObjectNode) Json.parse("{\"model\":\"m\",\"input\":\"x\"}")));
        List<StreamChunk> out = new ArrayList<>();
        for (String c : chatChunks) out.addAll(s.onChunk(c.equals("[DONE]") ? StreamChunk.done() : StreamChunk.of(null, Json.parse(c))));
        return out;
    }

    private static String chunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m-1\",\"choices\":[{\"index\":0,"
                + "\"delta\":" + delta + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    @Test
    void textThenTwoToolCallsAreThreeItemsInOrder() throws Exception {
        List<StreamChunk> out = run(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", null),
                chunk("{\"content\":\"Let me check.\"}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"a\",\"arguments\":\"\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"b\",\"arguments\":\"{\\\"x\\\":1}\"}}]}", null),
                chunk("{}", "tool_calls"),
                "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m-1\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,\"total_tokens\":14,\"prompt_tokens_details\":{\"cached_tokens\":2},"
                        + "\"completion_tokens_details\":{\"reasoning_tokens\":4}}}",
                "[DONE]");
        List<String> types = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            JsonNode e = out.get(i).json();
            assertThat(out.get(i).event()).isEqualTo(e.get("type").asText());
            assertThat(e.get("sequence_number").asInt()).isEqualTo(i);
            types.add(e.get("type").asText() + (e.has("output_index") ? "@" + e.get("output_index").asInt() : ""));
        }
        assertThat(types).containsExactly("response.created", "response.in_progress",
                "response.output_item.added@0", "response.content_part.added@0", "response.output_text.delta@0",
                "response.output_text.done@0", "response.content_part.done@0", "response.output_item.done@0",
                "response.output_item.added@1", "response.function_call_arguments.delta@1",
                "response.function_call_arguments.done@1", "response.output_item.done@1",
                "response.output_item.added@2", "response.function_call_arguments.delta@2",
                "response.function_call_arguments.done@2", "response.output_item.done@2",
                "response.completed");
        JsonNode done = out.get(out.size() - 1).json().get("response");
        assertThat(Json.toString(done.get("output"))).isEqualTo("[{\"id\":\"msg_abc\",\"type\":\"message\",\"status\":\"completed\","
                + "\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"text\":\"Let me check.\"}],\"role\":\"assistant\"},"
                + "{\"id\":\"fc_c1\",\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":\"{}\",\"call_id\":\"c1\",\"name\":\"a\"},"
                + "{\"id\":\"fc_c2\",\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":\"{\\\"x\\\":1}\",\"call_id\":\"c2\",\"name\":\"b\"}]");
        assertThat(Json.toString(done.get("usage"))).isEqualTo("{\"input_tokens\":5,\"input_tokens_details\":{\"cached_tokens\":2,"
                + "\"cache_write_tokens\":0},\"output_tokens\":9,\"output_tokens_details\":{\"reasoning_tokens\":4},\"total_tokens\":14}");
        assertThat(done.get("id").asText()).isEqualTo("resp_abc");
        assertThat(done.get("created_at").asLong()).isEqualTo(7);
        assertThat(done.get("model").asText()).isEqualTo("m-1");
    }

    @Test
    void aStreamCutByTheTokenLimitEndsIncomplete() throws Exception {
        List<StreamChunk> out = run(chunk("{\"content\":\"Once upon\"}", null), chunk("{}", "length"), "[DONE]");
        StreamChunk last = out.get(out.size() - 1);
        assertThat(last.event()).isEqualTo("response.incomplete");
        assertThat(last.json().at("/response/status").asText()).isEqualTo("incomplete");
        assertThat(Json.toString(last.json().at("/response/incomplete_details"))).isEqualTo("{\"reason\":\"max_output_tokens\"}");
        assertThat(last.json().at("/response/output/0/status").asText()).isEqualTo("incomplete");
        assertThat(out.get(out.size() - 2).json().at("/item/status").asText()).isEqualTo("incomplete");
    }

    @Test
    void aStreamWithoutItsDoneNeverCompletes() throws Exception {
        List<StreamChunk> out = run(chunk("{\"content\":\"Once upon\"}", null), chunk("{}", "stop"));
        for (StreamChunk c : out) assertThat(c.event()).isNotIn("response.completed", "response.incomplete");
    }
}
