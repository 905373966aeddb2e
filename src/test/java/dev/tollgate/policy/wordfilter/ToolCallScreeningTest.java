package dev.tollgate.policy.wordfilter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answer word list screens tool calls as it screens text: function names and arguments, whole
 * and streamed (a term split across two argument deltas is caught), for OpenAI chat and Responses
 * answers. The request word list screens the tool calls of earlier assistant turns.
 */
class ToolCallScreeningTest extends GatewayTest {

    static final String BLOCKED_BODY = "{\"error\":{\"message\":\"Blocked by policy word-filter: the answer contains terms from the "
            + "'custom' word list.\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"word_list_blocked\"}}";
    static final String BLOCKED_EVENT = "data: " + BLOCKED_BODY + "\n\n";
    /** The same refusal ending a Responses stream: the API's own error event, numbered after the events before it. */
    static String responsesBlockedEvent(int sequence) {
        return "event: error\ndata: {\"type\":\"error\",\"code\":\"word_list_blocked\",\"message\":\"Blocked by policy word-filter: "
                + "the answer contains terms from the 'custom' word list.\",\"param\":null,\"sequence_number\":" + sequence + "}\n\n";
    }

    static String q(String s) {
        return s.replace('\'', '"');
    }

    static Map<String, String> words(String action) {
        return Map.of("POLICY_RESPONSE_WORDLIST", "custom:" + action, "POLICY_CUSTOM_WORDLIST", "project falcon, exfiltrate");
    }

    static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"search it\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search\",\"parameters\":{\"type\":\"object\"}}}]}";
    static final String CHAT_STREAM = CHAT.replace("\"gpt-4o\",", "\"gpt-4o\",\"stream\":true,");

    // ---- OpenAI chat, whole ---------------------------------------------------------------------------

    static String chatWhole(String name, String arguments) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":7,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"" + name + "\",\"arguments\":" + Json.MAPPER.valueToTree(arguments) + "}}]},\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";
    }

    @Test
    void wholeChatArgumentsAreRedacted() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, chatWhole("search", "{\"q\":\"the Project Falcon plans\"}")));
        start(words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(chatWhole("search", "{\"q\":\"the **** plans\"}"));
    }

    @Test
    void wholeChatArgumentsBlock() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, chatWhole("search", "{\"q\":\"the project falcon plans\"}")));
        start(words("block"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).isEqualTo(BLOCKED_BODY);
            assertThat(logs.awaitRequestLine(1)).contains("{\"type\":\"custom\",\"description\":\"tool call matched 'project falcon'\","
                    + "\"policy\":\"word-filter\",\"action\":\"block\"}");
        }
    }

    @Test
    void wholeChatArgumentsAreAuditedAndPassUnchanged() throws Exception {
        String answer = chatWhole("search", "{\"q\":\"the project falcon plans\"}");
        upstream.handle(req -> FakeUpstream.json(req, 200, answer));
        start(words("audit"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(answer);
            assertThat(logs.awaitRequestLine(1)).contains("{\"type\":\"custom\",\"description\":\"tool call matched 'project falcon'\","
                    + "\"policy\":\"word-filter\",\"action\":\"audit\"}");
        }
    }

    @Test
    void aBlockedFunctionNameBlocksTheWholeAnswer() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, chatWhole("exfiltrate", "{}")));
        start(words("block"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(BLOCKED_BODY);
    }

    // ---- OpenAI chat, streamed ------------------------------------------------------------------------

    static final String ENVELOPE = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"gpt-4o\",";

    static String callStart(String name) {
        return ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
                + "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}";
    }

    static String argsDelta(String piece) {
        return ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                + Json.MAPPER.valueToTree(piece) + "}}]},\"finish_reason\":null}]}";
    }

    static final String FINISH = ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}";

    private void streamChatCall(String name, String... pieces) {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, callStart(name));
            for (String p : pieces) FakeUpstream.event(req, argsDelta(p));
            FakeUpstream.event(req, FINISH);
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
    }

    /** The arguments of tool call 0 as a client assembles them from a chat stream. */
    static String chatArguments(String body) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : body.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            for (JsonNode c : Json.parse(line.substring(6)).path("choices")) {
                for (JsonNode call : c.path("delta").path("tool_calls")) sb.append(call.path("function").path("arguments").asText(""));
            }
        }
        return sb.toString();
    }

    @Test
    void aTermSplitAcrossTwoArgumentDeltasIsRedacted() throws Exception {
        streamChatCall("search", "{\"q\":\"the proj", "ect falcon plans\"}");
        start(words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.statusCode()).isEqualTo(200);
        // the first delta is held from where the term may begin; the second releases it redacted
        assertThat(r.body()).isEqualTo("data: " + callStart("search") + "\n\n" + "data: " + argsDelta("{\"q\":\"the ") + "\n\n"
                + "data: " + argsDelta("**** plans\"}") + "\n\n" + "data: " + FINISH + "\n\n" + "data: [DONE]\n\n");
        assertThat(chatArguments(r.body())).isEqualTo("{\"q\":\"the **** plans\"}");
        assertThat(r.body()).doesNotContain("falcon").doesNotContain("fal")
                .startsWith("data: " + callStart("search") + "\n\n")
                .endsWith("data: " + FINISH + "\n\ndata: [DONE]\n\n");
    }

    @Test
    void aSplitTermIsRedactedAtEveryBoundary() throws Exception {
        String args = "{\"query\":\"tell me about the Project Falcon launch window please\"}";
        start(words("redact"));
        for (int cut = 1; cut < args.length(); cut++) {
            streamChatCall("search", args.substring(0, cut), args.substring(cut));
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
            assertThat(chatArguments(r.body())).as("cut at %d", cut).isEqualTo("{\"query\":\"tell me about the **** launch window please\"}");
            assertThat(r.body()).as("cut at %d", cut).endsWith("data: [DONE]\n\n");
        }
    }

    @Test
    void aTermSplitAcrossTwoArgumentDeltasBlocksTheStream() throws Exception {
        streamChatCall("search", "{\"q\":\"the proj", "ect falcon plans\"}");
        start(words("block"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("falcon").doesNotContain("[DONE]").endsWith(BLOCKED_EVENT);
        assertThat(chatArguments(r.body())).doesNotContain("proj");
    }

    @Test
    void aTermSplitAcrossTwoArgumentDeltasIsAudited() throws Exception {
        streamChatCall("search", "{\"q\":\"the proj", "ect falcon plans\"}");
        start(words("audit"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
            assertThat(chatArguments(r.body())).isEqualTo("{\"q\":\"the project falcon plans\"}");
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
            assertThat(logs.awaitRequestLine(1)).contains("{\"type\":\"custom\",\"description\":\"tool call matched 'project falcon'\","
                    + "\"policy\":\"word-filter\",\"action\":\"audit\"}");
        }
    }

    @Test
    void aBlockedFunctionNameEndsTheStreamBeforeTheCallIsSent() throws Exception {
        streamChatCall("exfiltrate", "{}");
        start(words("block"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.body()).isEqualTo(BLOCKED_EVENT);
    }

    @Test
    void aRedactedFunctionNameIsReplacedInItsChunk() throws Exception {
        streamChatCall("exfiltrate", "{}");
        start(words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.body()).isEqualTo("data: " + callStart("****") + "\n\n" + "data: " + argsDelta("{}") + "\n\n"
                + "data: " + FINISH + "\n\n" + "data: [DONE]\n\n");
    }

    // ---- OpenAI Responses API --------------------------------------------------------------------------

    static final String RESPONSES = "{\"model\":\"gpt-4o\",\"input\":\"search it\",\"tools\":[{\"type\":\"function\",\"name\":\"search\","
            + "\"parameters\":{\"type\":\"object\"}}]}";

    static String responsesWhole(String name, String args) {
        return "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-4o\",\"output\":[{\"id\":\"fc_1\","
                + "\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_1\",\"name\":\"" + name + "\",\"arguments\":"
                + Json.MAPPER.valueToTree(args) + "}],\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"total_tokens\":12}}";
    }

    @Test
    void wholeResponsesFunctionCallsAreRedactedOrBlocked() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, responsesWhole("search", "{\"q\":\"project falcon\"}")));
        start(words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/responses", RESPONSES);
        assertThat(r.body()).isEqualTo(responsesWhole("search", "{\"q\":\"****\"}"));

        start(words("block"));
        HttpResponse<String> blocked = gateway.postJson("/v1/responses", RESPONSES);
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(blocked.body()).isEqualTo(BLOCKED_BODY);

        upstream.handle(req -> FakeUpstream.json(req, 200, responsesWhole("exfiltrate", "{}")));
        HttpResponse<String> name = gateway.postJson("/v1/responses", RESPONSES);
        assertThat(name.statusCode()).isEqualTo(403);
    }

    private void streamResponsesCall(String name, String... pieces) {
        String args = String.join("", pieces);
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            send(req, "response.created", q("{'type':'response.created','sequence_number':0,'response':{'id':'resp_1','object':'response',"
                    + "'status':'in_progress','model':'gpt-4o','output':[],'usage':null}}"));
            send(req, "response.output_item.added", "{\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,"
                    + "\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"status\":\"in_progress\",\"call_id\":\"call_1\",\"name\":\""
                    + name + "\",\"arguments\":\"\"}}");
            int seq = 2;
            for (String p : pieces) {
                send(req, "response.function_call_arguments.delta", "{\"type\":\"response.function_call_arguments.delta\",\"sequence_number\":"
                        + seq++ + ",\"item_id\":\"fc_1\",\"output_index\":0,\"delta\":" + Json.MAPPER.valueToTree(p) + "}");
            }
            send(req, "response.function_call_arguments.done", "{\"type\":\"response.function_call_arguments.done\",\"sequence_number\":"
                    + seq++ + ",\"item_id\":\"fc_1\",\"output_index\":0,\"arguments\":" + Json.MAPPER.valueToTree(args) + "}");
            send(req, "response.output_item.done", "{\"type\":\"response.output_item.done\",\"sequence_number\":" + seq++
                    + ",\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_1\","
                    + "\"name\":\"" + name + "\",\"arguments\":" + Json.MAPPER.valueToTree(args) + "}}");
            send(req, "response.completed", "{\"type\":\"response.completed\",\"sequence_number\":" + seq + ",\"response\":"
                    + responsesWhole(name, args) + "}");
            req.response().end();
        });
    }

    private static void send(HttpServerRequest req, String event, String data) {
        req.response().write("event: " + event + "\ndata: " + data + "\n\n");
    }

    /** Each event of a Responses stream: its type and the argument text it carries. */
    static String responsesArguments(String body) throws Exception {
        StringBuilder deltas = new StringBuilder();
        StringBuilder others = new StringBuilder();
        for (String line : body.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode e = Json.parse(line.substring(6));
            switch (e.path("type").asText()) {
                case "response.function_call_arguments.delta" -> deltas.append(e.path("delta").asText());
                case "response.function_call_arguments.done" -> others.append(" done=").append(e.path("arguments").asText());
                case "response.output_item.done" -> others.append(" item=").append(e.at("/item/arguments").asText());
                case "response.completed" -> others.append(" completed=").append(e.at("/response/output/0/arguments").asText());
                default -> { }
            }
        }
        return "deltas=" + deltas + others;
    }

    @Test
    void streamedResponsesArgumentsAreRedactedInDeltasAndEveryRepeat() throws Exception {
        streamResponsesCall("search", "{\"q\":\"the proj", "ect falcon plans\"}");
        start(words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/responses", RESPONSES.replace("\"gpt-4o\",", "\"gpt-4o\",\"stream\":true,"));
        assertThat(r.statusCode()).isEqualTo(200);
        String redacted = "{\"q\":\"the **** plans\"}";
        assertThat(responsesArguments(r.body())).isEqualTo("deltas=" + redacted + " done=" + redacted + " item=" + redacted + " completed=" + redacted);
        assertThat(r.body()).doesNotContain("falcon").contains("event: response.completed\n");
    }

    @Test
    void streamedResponsesArgumentsBlock() throws Exception {
        streamResponsesCall("search", "{\"q\":\"the proj", "ect falcon plans\"}");
        start(words("block"));
        HttpResponse<String> r = gateway.postJson("/v1/responses", RESPONSES.replace("\"gpt-4o\",", "\"gpt-4o\",\"stream\":true,"));
        assertThat(r.body()).doesNotContain("falcon").doesNotContain("response.completed").endsWith(responsesBlockedEvent(3));
    }

    @Test
    void streamedResponsesFunctionNameBlocks() throws Exception {
        streamResponsesCall("exfiltrate", "{}");
        start(words("block"));
        HttpResponse<String> r = gateway.postJson("/v1/responses", RESPONSES.replace("\"gpt-4o\",", "\"gpt-4o\",\"stream\":true,"));
        assertThat(r.body()).doesNotContain("exfiltrate").endsWith(responsesBlockedEvent(1));
    }

    // ---- request side -----------------------------------------------------------------------------------

    @Test
    void earlierChatToolCallArgumentsAreScreenedByTheRequestList() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, chatWhole("search", "{}")));
        String request = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"go\"},{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":"
                + "\"{\\\"q\\\":\\\"project falcon\\\"}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"none\"}]}";
        start(Map.of("POLICY_REQUEST_WORDLIST", "custom:redact", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        assertThat(gateway.postJson("/v1/chat/completions", request).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(request.replace("project falcon", "****"));

        start(Map.of("POLICY_REQUEST_WORDLIST", "custom:block", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        HttpResponse<String> blocked = gateway.postJson("/v1/chat/completions", request);
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(blocked.body()).isEqualTo("{\"error\":{\"message\":\"Blocked by policy word-filter: the request contains terms from the "
                + "'custom' word list.\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"word_list_blocked\"}}");
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void earlierResponsesFunctionCallItemsAreScreenedByTheRequestList() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, responsesWhole("search", "{}")));
        String request = "{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":\"go\"},{\"type\":\"function_call\",\"call_id\":\"call_1\","
                + "\"name\":\"search\",\"arguments\":\"{\\\"q\\\":\\\"project falcon\\\"}\"},{\"type\":\"function_call_output\","
                + "\"call_id\":\"call_1\",\"output\":\"none\"}]}";
        start(Map.of("POLICY_REQUEST_WORDLIST", "custom:redact", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        assertThat(gateway.postJson("/v1/responses", request).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(request.replace("project falcon", "****"));

        start(Map.of("POLICY_REQUEST_WORDLIST", "custom:block", "POLICY_CUSTOM_WORDLIST", "project falcon"));
        assertThat(gateway.postJson("/v1/responses", request).statusCode()).isEqualTo(403);
        assertThat(upstream.received()).hasSize(1);
    }

    static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new HashMap<>(a);
        m.putAll(b);
        return m;
    }
}
