package dev.tollgate.policy.wordfilter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static dev.tollgate.policy.wordfilter.ToolCallScreeningTest.BLOCKED_BODY;
import static dev.tollgate.policy.wordfilter.ToolCallScreeningTest.BLOCKED_EVENT;
import static dev.tollgate.policy.wordfilter.ToolCallScreeningTest.chatArguments;
import static dev.tollgate.policy.wordfilter.ToolCallScreeningTest.q;
import static dev.tollgate.policy.wordfilter.ToolCallScreeningTest.words;
import static org.assertj.core.api.Assertions.assertThat;

/** Tool calls from Anthropic (tool_use blocks) and Gemini (functionCall parts) are screened like OpenAI's, whole and streamed. */
class ProviderToolCallScreeningTest extends GatewayTest {

    private void startWith(String provider, String model, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("PROVIDER_KEY", "test-key",
                "TOLLGATE_MODELS", "[{\"name\":\"m\",\"deployments\":[{\"provider\":\"" + provider + "\",\"model\":\"" + model + "\","
                        + "\"base_url\":\"http://127.0.0.1:" + upstream.port() + "\",\"api_key_env\":\"PROVIDER_KEY\"}]}]"));
        env.putAll(extra);
        if (gateway != null) gateway.close();
        gateway = TestGateway.start(upstream, env);
    }

    private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"search it\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search\",\"parameters\":{\"type\":\"object\"}}}]}";
    private static final String CHAT_STREAM = CHAT.replace("\"m\",", "\"m\",\"stream\":true,");

    private static JsonNode call(HttpResponse<String> r) throws Exception {
        return Json.parse(r.body()).at("/choices/0/message/tool_calls/0/function");
    }

    // ---- Anthropic -------------------------------------------------------------------------------------

    private static String anthropicWhole(String name) {
        return q("{'id':'msg_01','type':'message','role':'assistant','model':'claude-sonnet-4-5','content':[{'type':'text','text':'Searching.'},"
                + "{'type':'tool_use','id':'toolu_01','name':'" + name + "','input':{'q':'the project falcon plans'}}],'stop_reason':'tool_use',"
                + "'stop_sequence':null,'usage':{'input_tokens':10,'output_tokens':20}}");
    }

    private static void sse(HttpServerRequest req, String... eventAndData) {
        req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
        for (int i = 0; i < eventAndData.length; i += 2) req.response().write("event: " + eventAndData[i] + "\ndata: " + eventAndData[i + 1] + "\n\n");
        req.response().end();
    }

    private void anthropicStream(String name, String... pieces) {
        upstream.handle(req -> {
            String[] events = new String[10 + pieces.length * 2];
            int i = 0;
            events[i++] = "message_start";
            events[i++] = q("{'type':'message_start','message':{'id':'msg_02','type':'message','role':'assistant','model':'claude-sonnet-4-5',"
                    + "'content':[],'stop_reason':null,'stop_sequence':null,'usage':{'input_tokens':10,'output_tokens':1}}}");
            events[i++] = "content_block_start";
            events[i++] = q("{'type':'content_block_start','index':0,'content_block':{'type':'tool_use','id':'toolu_01','name':'" + name + "','input':{}}}");
            for (String p : pieces) {
                events[i++] = "content_block_delta";
                events[i++] = "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
                        + Json.MAPPER.valueToTree(p) + "}}";
            }
            events[i++] = "content_block_stop";
            events[i++] = q("{'type':'content_block_stop','index':0}");
            events[i++] = "message_delta";
            events[i++] = q("{'type':'message_delta','delta':{'stop_reason':'tool_use','stop_sequence':null},'usage':{'output_tokens':20}}");
            events[i++] = "message_stop";
            events[i] = q("{'type':'message_stop'}");
            sse(req, events);
        });
    }

    @Test
    void anthropicWholeToolUseIsRedactedOrBlocked() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, anthropicWhole("search")));
        startWith("anthropic", "claude-sonnet-4-5", words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(call(r).toString()).isEqualTo("{\"name\":\"search\",\"arguments\":\"{\\\"q\\\":\\\"the **** plans\\\"}\"}");
        assertThat(Json.parse(r.body()).at("/choices/0/message/content").asText()).isEqualTo("Searching.");

        startWith("anthropic", "claude-sonnet-4-5", words("block"));
        HttpResponse<String> blocked = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(blocked.body()).isEqualTo(BLOCKED_BODY);

        upstream.handle(req -> FakeUpstream.json(req, 200, anthropicWhole("exfiltrate").replace("project falcon", "nothing")));
        HttpResponse<String> name = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(name.statusCode()).isEqualTo(403);
        assertThat(name.body()).isEqualTo(BLOCKED_BODY);
    }

    @Test
    void anthropicInputJsonDeltasSplittingATermAreRedacted() throws Exception {
        anthropicStream("search", "{\"q\":\"the proj", "ect falcon plans\"}");
        startWith("anthropic", "claude-sonnet-4-5", words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(chatArguments(r.body())).isEqualTo("{\"q\":\"the **** plans\"}");
        assertThat(r.body()).doesNotContain("falcon").contains("\"name\":\"search\"").contains("\"finish_reason\":\"tool_calls\"")
                .endsWith("data: [DONE]\n\n");
    }

    @Test
    void anthropicInputJsonDeltasSplittingATermBlock() throws Exception {
        anthropicStream("search", "{\"q\":\"the proj", "ect falcon plans\"}");
        startWith("anthropic", "claude-sonnet-4-5", words("block"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.body()).doesNotContain("falcon").doesNotContain("[DONE]").endsWith(BLOCKED_EVENT);
    }

    @Test
    void anthropicStreamedToolNameBlocks() throws Exception {
        anthropicStream("exfiltrate", "{}");
        startWith("anthropic", "claude-sonnet-4-5", words("block"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.body()).doesNotContain("exfiltrate").endsWith(BLOCKED_EVENT);
    }

    // ---- Gemini ----------------------------------------------------------------------------------------

    private static String geminiAnswer(String name, String finish) {
        return q("{'candidates':[{'content':{'role':'model','parts':[{'functionCall':{'name':'" + name + "','args':{'q':'the project falcon plans'}}}]},"
                + (finish == null ? "" : "'finishReason':'" + finish + "',") + "'index':0}],"
                + "'usageMetadata':{'promptTokenCount':10,'candidatesTokenCount':20,'totalTokenCount':30},'modelVersion':'gemini-2.5-flash'}");
    }

    @Test
    void geminiWholeFunctionCallIsRedactedOrBlocked() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, geminiAnswer("search", "STOP")));
        startWith("gemini", "gemini-2.5-flash", words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(call(r).toString()).isEqualTo("{\"name\":\"search\",\"arguments\":\"{\\\"q\\\":\\\"the **** plans\\\"}\"}");

        startWith("gemini", "gemini-2.5-flash", words("block"));
        HttpResponse<String> blocked = gateway.postJson("/v1/chat/completions", CHAT);
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(blocked.body()).isEqualTo(BLOCKED_BODY);
    }

    @Test
    void geminiStreamedFunctionCallIsRedactedOrBlocked() throws Exception {
        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("data: " + geminiAnswer("search", "STOP") + "\r\n\r\n");
            req.response().end();
        });
        startWith("gemini", "gemini-2.5-flash", words("redact"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(chatArguments(r.body())).isEqualTo("{\"q\":\"the **** plans\"}");
        assertThat(r.body()).doesNotContain("falcon").endsWith("data: [DONE]\n\n");

        startWith("gemini", "gemini-2.5-flash", words("block"));
        HttpResponse<String> blocked = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(blocked.body()).doesNotContain("falcon").doesNotContain("[DONE]").endsWith(BLOCKED_EVENT);

        upstream.handle(req -> {
            req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
            req.response().write("data: " + geminiAnswer("exfiltrate", "STOP").replace("project falcon", "x") + "\r\n\r\n");
            req.response().end();
        });
        HttpResponse<String> name = gateway.postJson("/v1/chat/completions", CHAT_STREAM);
        assertThat(name.body()).doesNotContain("exfiltrate").endsWith(BLOCKED_EVENT);
    }
}
