package dev.tollgate.wire;

import dev.tollgate.api.Endpoint;
import dev.tollgate.wire.StreamChunk;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.tollgate.wire.WireFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decoding: every answer shape, stream and whole, at USAGE and EVENTS interest, gives exactly these
 * events; and an encoder handed back what it decoded returns the very same bytes.
 */
class AnswerCodecTest {

    /** One frame of a stream (or a whole answer when event is "whole") and what it decodes to at each interest. */
    record Step(String event, String data, List<String> events, List<String> usage) {}

    private static Step step(String data, List<String> events, List<String> usage) {
        return new Step(null, data, events, usage);
    }

    private static Step step(String event, String data, List<String> events, List<String> usage) {
        return new Step(event, data, events, usage);
    }

    private static final String CHAT_USAGE_EVENT = "Usage {\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8} @usage";
    private static final String LEGACY_USAGE_EVENT = "Usage {\"prompt_tokens\":2,\"completion_tokens\":4,\"total_tokens\":6} @usage";
    private static final String R_USAGE_EVENT = "Usage {\"input_tokens\":5,\"output_tokens\":3,\"total_tokens\":8} @usage";

    static Stream<Arguments> streams() {
        return Stream.of(
                Arguments.of("chat", Endpoint.Kind.CHAT_COMPLETIONS, List.of(
                        step(CHAT_ROLE, List.of("Start c1 gpt-4o", "Text 0:0 CONTENT DELTA ''"), List.of("Start c1 gpt-4o", "Opaque")),
                        step(CHAT_TEXT, List.of("Text 0:0 CONTENT DELTA 'Hel'"), List.of("Opaque")),
                        step(CHAT_TOOL_START, List.of("Tool 0:0 DELTA id=call_1 name=get_weather args="), List.of("Opaque")),
                        step(CHAT_TOOL_ARGS, List.of("Tool 0:0 DELTA id=null name=null args={\"city\":"), List.of("Opaque")),
                        step(CHAT_FINISH, List.of("Finish 0:0 tool_calls"), List.of("Opaque")),
                        step(CHAT_TEXT_AND_USAGE, List.of("Text 0:0 CONTENT DELTA 'lo'", "Finish 0:0 stop", CHAT_USAGE_EVENT),
                                List.of(CHAT_USAGE_EVENT, "Opaque")),
                        // OpenAI's usage chunk says nothing else: no Opaque to relay beside it
                        step(CHAT_USAGE, List.of(CHAT_USAGE_EVENT), List.of(CHAT_USAGE_EVENT)),
                        step("[DONE]", List.of("End"), List.of("End")))),
                Arguments.of("legacy completions", Endpoint.Kind.COMPLETIONS, List.of(
                        step(LEGACY_TEXT, List.of("Start cmpl-1 gpt-3.5-turbo-instruct", "Text 0:0 CONTENT DELTA 'Hel'"),
                                List.of("Start cmpl-1 gpt-3.5-turbo-instruct", "Opaque")),
                        step(LEGACY_FINISH, List.of("Text 0:0 CONTENT DELTA ''", "Finish 0:0 length"), List.of("Opaque")),
                        step(LEGACY_USAGE, List.of(LEGACY_USAGE_EVENT), List.of(LEGACY_USAGE_EVENT)),
                        step("[DONE]", List.of("End"), List.of("End")))),
                Arguments.of("responses", Endpoint.Kind.RESPONSES, List.of(
                        step("response.created", R_CREATED, List.of("Start resp_1 gpt-4o"), List.of("Start resp_1 gpt-4o", "Opaque")),
                        step("response.output_item.added", R_MSG_ADDED, List.of(), List.of("Opaque")),
                        step("response.content_part.added", R_PART_ADDED, List.of("Text 0:0 CONTENT REPEAT ''"), List.of("Opaque")),
                        step("response.output_text.delta", R_TEXT_DELTA, List.of("Text 0:0 CONTENT DELTA 'Hel'"), List.of("Opaque")),
                        step("response.output_text.done", R_TEXT_DONE, List.of("Finish 0:0 null", "Text 0:0 CONTENT REPEAT 'Hello'"),
                                List.of("Opaque")),
                        step("response.output_item.added", R_FC_ADDED, List.of("Tool 1:0 DELTA id=call_1 name=get_weather args="),
                                List.of("Opaque")),
                        step("response.function_call_arguments.delta", R_ARGS_DELTA, List.of("Tool 1:0 DELTA id=null name=null args={\"city\":"),
                                List.of("Opaque")),
                        step("response.function_call_arguments.done", R_ARGS_DONE,
                                List.of("Finish 1:0 null", "Tool 1:0 REPEAT id=null name=null args={\"city\":\"Paris\"}"), List.of("Opaque")),
                        step("response.completed", R_COMPLETED, List.of("Text 0:0 CONTENT REPEAT 'Hello'",
                                        "Tool 1:0 REPEAT id=call_1 name=get_weather args={\"city\":\"Paris\"}", R_USAGE_EVENT, "End"),
                                // the usage sits inside the response object, which is still sent as it is
                                List.of(R_USAGE_EVENT, "Opaque", "End")))),
                // An upstream's error inside a stream is an event of its own, at every interest that decodes.
                Arguments.of("chat error chunk", Endpoint.Kind.CHAT_COMPLETIONS, List.of(
                        step(CHAT_ROLE, List.of("Start c1 gpt-4o", "Text 0:0 CONTENT DELTA ''"), List.of("Start c1 gpt-4o", "Opaque")),
                        step(CHAT_ERROR_WORD_IN_ARGS, List.of("Tool 0:0 DELTA id=null name=null args={\"error\":1}"), List.of("Opaque")),
                        step(CHAT_ERROR, List.of("Failure The server had an error while processing your request."),
                                List.of("Failure The server had an error while processing your request.")))),
                Arguments.of("responses error event", Endpoint.Kind.RESPONSES, List.of(
                        step("response.created", R_CREATED, List.of("Start resp_1 gpt-4o"), List.of("Start resp_1 gpt-4o", "Opaque")),
                        step("error", R_ERROR, List.of("Failure Rate limit reached for gpt-4o.", "End"),
                                List.of("Failure Rate limit reached for gpt-4o.", "End")))),
                Arguments.of("responses failed", Endpoint.Kind.RESPONSES, List.of(
                        step("response.created", R_CREATED, List.of("Start resp_1 gpt-4o"), List.of("Start resp_1 gpt-4o", "Opaque")),
                        step("response.failed", R_FAILED, List.of("Failure The model failed to generate a response.", "End"),
                                List.of("Failure The model failed to generate a response.", "End")))));
    }

    @Test
    void aResponsesStreamWithoutEventNamesReportsItsFailuresByType() {
        AnswerCodec codec = Codecs.of(Endpoint.Kind.RESPONSES);
        assertThat(show(codec.decode(Frame.of(sse(R_ERROR)), Interest.EVENTS))).containsExactly("Failure Rate limit reached for gpt-4o.", "End");
        assertThat(show(codec.decode(Frame.of(sse(R_FAILED)), Interest.USAGE)))
                .containsExactly("Start resp_1 gpt-4o", "Failure The model failed to generate a response.", "End");
    }

    @Test
    void theGatewaysOwnFailureEventsAreTheApisErrorEvents() throws Exception {
        var error = dev.tollgate.json.Json.parse(q("{'error':{'message':'Overloaded','type':'upstream_error','param':null,'code':'overloaded_error'}}"));
        AnswerCodec chat = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        StreamChunk c = chat.failureEvent((com.fasterxml.jackson.databind.node.ObjectNode) error);
        assertThat(c.toWire().toString()).isEqualTo("data: " + error + "\n\n");
        assertThat(chat.failureOf(c)).isEqualTo("Overloaded");
        AnswerCodec responses = Codecs.of(Endpoint.Kind.RESPONSES);
        StreamChunk r = responses.failureEvent((com.fasterxml.jackson.databind.node.ObjectNode) error);
        assertThat(r.toWire().toString()).isEqualTo("event: error\ndata: "
                + q("{'type':'error','code':'overloaded_error','message':'Overloaded','param':null}") + "\n\n");
        assertThat(responses.failureOf(r)).isEqualTo("Overloaded");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void streamFramesDecodeToExactlyTheseEvents(String name, Endpoint.Kind kind, List<Step> steps) {
        AnswerCodec events = Codecs.of(kind);
        AnswerCodec usage = Codecs.of(kind);
        AnswerCodec none = Codecs.of(kind);
        for (Step s : steps) {
            assertThat(show(events.decode(Frame.of(sse(s.event(), s.data())), Interest.EVENTS))).as("EVENTS %s", s.data()).isEqualTo(s.events());
            assertThat(show(usage.decode(Frame.of(sse(s.event(), s.data())), Interest.USAGE))).as("USAGE %s", s.data()).isEqualTo(s.usage());
            assertThat(none.decode(Frame.of(sse(s.event(), s.data())), Interest.NONE)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void anUnchangedFrameIsSentAsTheVerySameEvent(String name, Endpoint.Kind kind, List<Step> steps) {
        for (Interest interest : List.of(Interest.EVENTS, Interest.USAGE)) {
            AnswerCodec codec = Codecs.of(kind);
            for (Step s : steps) {
                StreamChunk chunk = sse(s.event(), s.data());
                Frame f = Frame.of(chunk);
                List<AnswerEvent> in = codec.decode(f, interest);
                assertThat(codec.encode(f, in, in)).as("%s %s", interest, s.data()).containsExactly(chunk);
                assertThat(codec.encode(f, in, new ArrayList<>(in)).get(0)).isSameAs(chunk);
                assertThat(chunk.toWire().toString()).endsWith("data: " + s.data() + "\n\n");
            }
        }
    }

    static Stream<Arguments> wholes() {
        return Stream.of(
                Arguments.of(Endpoint.Kind.CHAT_COMPLETIONS, CHAT_WHOLE, List.of("Start c1 gpt-4o", "Text 0:0 CONTENT WHOLE 'Hello'",
                                "Tool 0:0 WHOLE id=call_1 name=get_weather args={\"city\":\"Paris\"}", "Finish 0:0 tool_calls", CHAT_USAGE_EVENT, "End"),
                        List.of("Start c1 gpt-4o", "Usage {\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}", "End")),
                Arguments.of(Endpoint.Kind.COMPLETIONS, LEGACY_WHOLE, List.of("Start cmpl-1 gpt-3.5-turbo-instruct", "Text 0:0 CONTENT WHOLE 'Hello'",
                                "Finish 0:0 stop", LEGACY_USAGE_EVENT, "End"),
                        List.of("Start cmpl-1 gpt-3.5-turbo-instruct", "Usage {\"prompt_tokens\":2,\"completion_tokens\":4,\"total_tokens\":6}", "End")),
                // the reasoning item counts: the message is output 1, the call output 2
                Arguments.of(Endpoint.Kind.RESPONSES, RESPONSES_WHOLE, List.of("Start resp_1 gpt-4o", "Text 1:0 CONTENT WHOLE 'Hello'",
                                "Finish 1:0 null", "Tool 2:0 WHOLE id=call_1 name=get_weather args={\"city\":\"Paris\"}", "Finish 2:0 null",
                                R_USAGE_EVENT, "End"),
                        List.of("Start resp_1 gpt-4o", "Usage {\"input_tokens\":5,\"output_tokens\":3,\"total_tokens\":8}", "End")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wholes")
    void wholeAnswersDecodeToExactlyTheseEventsAndEncodeBackToTheSameBuffer(Endpoint.Kind kind, String body, List<String> events,
                                                                             List<String> usage) {
        for (Interest interest : List.of(Interest.EVENTS, Interest.USAGE)) {
            AnswerCodec codec = Codecs.of(kind);
            Buffer buffer = Buffer.buffer(body);
            Frame f = Frame.whole(buffer);
            List<AnswerEvent> in = codec.decode(f, interest);
            assertThat(show(in)).as("%s", interest).isEqualTo(interest == Interest.EVENTS ? events : usage);
            assertThat(codec.encodeWhole(f, in, in)).isSameAs(buffer);
            assertThat(codec.encodeWhole(f, in, new ArrayList<>(in))).isSameAs(buffer);
        }
        assertThat(Codecs.of(kind).decode(Frame.whole(Buffer.buffer(body)), Interest.NONE)).isEmpty();
    }

    @Test
    void aWholeAnswerWithoutUsageIsKeptOpaqueAtUsageInterest() {
        String body = q("{'id':'c9','object':'chat.completion','model':'m','choices':[{'index':0,'message':{'role':'assistant','content':'x'},"
                + "'finish_reason':'stop'}]}");
        List<AnswerEvent> in = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS).decode(Frame.whole(Buffer.buffer(body)), Interest.USAGE);
        assertThat(show(in)).containsExactly("Start c9 m", "Opaque", "End");
    }

    @Test
    void plainAnswersHaveIdentityAndUsageButNoText() {
        String body = q("{'object':'list','data':[{'object':'embedding','index':0,'embedding':[0.1]}],'model':'text-embedding-3-small',"
                + "'usage':{'prompt_tokens':3,'total_tokens':3}}");
        AnswerCodec codec = Codecs.of(Endpoint.Kind.EMBEDDINGS);
        assertThat(show(codec.decode(Frame.whole(Buffer.buffer(body)), Interest.EVENTS)))
                .containsExactly("Start null text-embedding-3-small", "Usage {\"prompt_tokens\":3,\"total_tokens\":3}", "End");
        StreamChunk chunk = sse(q("{'type':'speech.audio.delta','audio':'AAAA'}"));
        Frame f = Frame.of(chunk);
        List<AnswerEvent> in = codec.decode(f, Interest.EVENTS);
        assertThat(in).isEmpty();
        assertThat(codec.encode(f, in, in)).containsExactly(chunk);
    }

    @Test
    void startIsOnlyTakenFromTheFirstJsonFrame() {
        AnswerCodec codec = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        assertThat(show(codec.decode(Frame.of(sse(": keep-alive")), Interest.EVENTS))).isEmpty();
        assertThat(show(codec.decode(Frame.of(sse(CHAT_TEXT)), Interest.EVENTS))).containsExactly("Start c1 gpt-4o", "Text 0:0 CONTENT DELTA 'Hel'");
        assertThat(show(codec.decode(Frame.of(sse(CHAT_TEXT)), Interest.EVENTS))).containsExactly("Text 0:0 CONTENT DELTA 'Hel'");
    }

    @Test
    void chatChannelsAndTheOlderFunctionCall() {
        String chunk = q("{'id':'c1','object':'chat.completion.chunk','model':'m','choices':[{'index':1,'delta':{'reasoning_content':'think',"
                + "'refusal':'no','function_call':{'name':'f','arguments':'{}'}},'finish_reason':null}]}");
        assertThat(show(Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS).decode(Frame.of(sse(chunk)), Interest.EVENTS))).containsExactly(
                "Start c1 m", "Text 1:0 REASONING DELTA 'think'", "Text 1:0 REFUSAL DELTA 'no'", "Tool 1:0 DELTA id=null name=f args={}");
    }

    // ---- terminal detection --------------------------------------------------------------------------

    @Test
    void terminalEventsAreDoneAndTheResponsesEndEvents() {
        AnswerCodec chat = Codecs.of(Endpoint.Kind.CHAT_COMPLETIONS);
        AnswerCodec responses = Codecs.of(Endpoint.Kind.RESPONSES);
        assertThat(chat.isTerminal(sse("[DONE]"))).isTrue();
        assertThat(chat.isTerminal(sse(CHAT_FINISH))).isFalse();
        assertThat(chat.isTerminal(sse(CHAT_USAGE))).isFalse();
        for (String end : List.of("response.completed", "response.failed", "response.incomplete", "error")) {
            assertThat(responses.isTerminal(sse(end, "{\"type\":\"" + end + "\"}"))).as(end).isTrue();
            assertThat(show(Codecs.of(Endpoint.Kind.RESPONSES).decode(Frame.of(sse(end, "{\"type\":\"" + end + "\"}")), Interest.USAGE)))
                    .as(end).endsWith("End");
        }
        for (String notEnd : List.of("response.output_text.done", "response.output_item.done", "response.created")) {
            assertThat(responses.isTerminal(sse(notEnd, "{\"type\":\"" + notEnd + "\"}"))).as(notEnd).isFalse();
        }
        // without SSE event names (some compatible servers) the type in the data ends the stream
        assertThat(responses.isTerminal(sse(null, "{\"type\":\"response.completed\"}"))).isTrue();
        assertThat(responses.isTerminal(sse(null, "{\"type\":\"error\",\"message\":\"x\"}"))).isTrue();
        assertThat(responses.isTerminal(sse(null, "{\"type\":\"response.output_text.done\",\"text\":\"response.completed\"}"))).isFalse();
        // a named event is judged by its name alone
        assertThat(responses.isTerminal(sse("response.output_text.delta", "{\"type\":\"response.completed\"}"))).isFalse();
    }

    @Test
    void decodeAddsEndOnlyForTerminalFrames() {
        AnswerCodec codec = Codecs.of(Endpoint.Kind.RESPONSES);
        assertThat(show(codec.decode(Frame.of(sse("response.output_text.done", R_TEXT_DONE)), Interest.EVENTS))).doesNotContain("End");
        assertThat(show(codec.decode(Frame.of(sse("response.failed", q("{'type':'response.failed','response':{'id':'resp_1',"
                + "'status':'failed','output':[],'error':{'code':'server_error','message':'boom'}}}"))), Interest.EVENTS)))
                .containsExactly("Start resp_1 null", "Failure boom", "End");
    }
}
