package dev.tollgate.caller.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Stream behaviour the fixtures do not show: lifecycle edges, and agreement with the whole answer. */
class MessagesStreamTest {

    private static JsonNode json(String text) throws Exception {
        return Json.parse(text);
    }

    private static List<String> names(List<MessagesStream.Event> events) {
        return events.stream().map(MessagesStream.Event::name).toList();
    }

    @Test
    void emptyUpstreamStreamStillGivesACompleteMessage() {
        List<MessagesStream.Event> events = new MessagesStream().onEnd();
        assertThat(names(events)).containsExactly("message_start", "message_delta", "message_stop");
        assertThat(events.get(0).data().at("/message/id").textValue()).isEqualTo("msg_unknown");
        assertThat(events.get(1).data().at("/delta/stop_reason").textValue()).isEqualTo("end_turn");
    }

    @Test
    void nothingAfterTheStreamEnded() throws Exception {
        MessagesStream stream = new MessagesStream();
        stream.onChunk(json("{\"id\":\"chatcmpl-1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}"));
        assertThat(names(stream.onChunk(json("{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}"))))
                .containsExactly("message_delta", "message_stop");
        assertThat(stream.onChunk(json("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}"))).isEmpty();
        assertThat(stream.onEnd()).isEmpty();
    }

    @Test
    void nothingAfterAnError() throws Exception {
        MessagesStream stream = new MessagesStream();
        assertThat(names(stream.onChunk(json("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"))))
                .containsExactly("error");
        assertThat(stream.onEnd()).isEmpty();
    }

    @Test
    void otherChoicesAreIgnored() throws Exception {
        MessagesStream stream = new MessagesStream();
        List<MessagesStream.Event> events = stream.onChunk(json(
                "{\"id\":\"chatcmpl-1\",\"model\":\"m\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}}]}"));
        assertThat(names(events)).containsExactly("message_start");
    }

    /** Folding the streamed events the way the Anthropic SDKs do gives the non-streamed message. */
    @Test
    void streamedEventsAccumulateToTheWholeAnswer() throws Exception {
        MessagesStream stream = new MessagesStream();
        List<MessagesStream.Event> events = new ArrayList<>();
        for (String line : Fixtures.text("streams/text_then_tool_calls.chunks.jsonl").split("\n")) {
            events.addAll(stream.onChunk(Json.parse(line)));
        }
        events.addAll(stream.onEnd());

        ObjectNode message = null;
        StringBuilder[] partial = new StringBuilder[8];
        for (MessagesStream.Event e : events) {
            ObjectNode d = e.data();
            switch (e.name()) {
                case "message_start" -> message = (ObjectNode) d.get("message").deepCopy();
                case "content_block_start" -> {
                    ((ArrayNode) message.get("content")).add(d.get("content_block").deepCopy());
                    partial[d.get("index").intValue()] = new StringBuilder();
                }
                case "content_block_delta" -> {
                    int i = d.get("index").intValue();
                    ObjectNode block = (ObjectNode) message.get("content").get(i);
                    if (d.at("/delta/type").textValue().equals("text_delta")) {
                        block.put("text", block.get("text").textValue() + d.at("/delta/text").textValue());
                    } else {
                        partial[i].append(d.at("/delta/partial_json").textValue());
                    }
                }
                case "content_block_stop" -> {
                    int i = d.get("index").intValue();
                    ObjectNode block = (ObjectNode) message.get("content").get(i);
                    if (block.get("type").textValue().equals("tool_use")) block.set("input", Json.parse(partial[i].toString()));
                }
                case "message_delta" -> {
                    message.set("stop_reason", d.at("/delta/stop_reason"));
                    message.set("stop_sequence", d.at("/delta/stop_sequence"));
                    ((ObjectNode) message.get("usage")).setAll((ObjectNode) d.get("usage"));
                }
                default -> { }
            }
        }

        JsonNode whole = json("""
                {"id": "chatcmpl-mixed1", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
                 "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant",
                   "content": "I'll check the current weather in Paris for you.",
                   "tool_calls": [
                     {"id": "call_first", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"location\\": \\"Paris\\"}"}},
                     {"id": "call_second", "type": "function", "function": {"name": "get_time", "arguments": "{\\"timezone\\": \\"Europe/Paris\\"}"}}]}}],
                 "usage": {"prompt_tokens": 400, "completion_tokens": 80, "total_tokens": 480}}""");
        Fixtures.assertSameJson(message, MessagesInbound.fromOpenAi(whole));
    }
}
