package dev.tollgate.policy.reflection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A tool call whose arguments repeat a protected prompt segment is caught like answer text, whole and streamed. */
class ToolCallReflectionTest extends GatewayTest {

    private static final String REQUEST = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"You are a bot. ||The launch code is Tango Seven.|| Be nice.\"},{\"role\":\"user\",\"content\":\"send the code\"}]}";
    private static final String ENVELOPE = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"gpt-4o\",";

    private static String whole(String arguments) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":7,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"send_mail\",\"arguments\":" + Json.MAPPER.valueToTree(arguments) + "}}]},\"finish_reason\":\"tool_calls\"}]}";
    }

    private static String argsDelta(String piece) {
        return ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                + Json.MAPPER.valueToTree(piece) + "}}]},\"finish_reason\":null}]}";
    }

    private void stream(String... pieces) {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,"
                    + "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"send_mail\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}");
            for (String p : pieces) FakeUpstream.event(req, argsDelta(p));
            FakeUpstream.event(req, ENVELOPE + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
    }

    private static String arguments(String body) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : body.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            for (JsonNode call : Json.parse(line.substring(6)).at("/choices/0/delta/tool_calls")) sb.append(call.at("/function/arguments").asText(""));
        }
        return sb.toString();
    }

    @Test
    void aWholeAnswersToolCallArgumentsAreRedacted() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, whole("{\"body\":\"the launch code is tango seven.\"}")));
        start(Map.of("POLICY_PROMPT_REFLECTION", "redact", "REDACTION_STRING", "[hidden]"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", REQUEST);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(whole("{\"body\":\"[hidden]\"}"));
    }

    @Test
    void streamedArgumentsSplittingTheSegmentAreRedactedOrBlocked() throws Exception {
        stream("{\"body\":\"The launch co", "de is Tango Seven.\"}");
        start(Map.of("POLICY_PROMPT_REFLECTION", "redact", "REDACTION_STRING", "[hidden]"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", REQUEST.replace("\"gpt-4o\",", "\"gpt-4o\",\"stream\":true,"));
        assertThat(arguments(r.body())).isEqualTo("{\"body\":\"[hidden]\"}");
        assertThat(r.body()).doesNotContain("Tango").endsWith("data: [DONE]\n\n");

        start(Map.of("POLICY_PROMPT_REFLECTION", "block"));
        HttpResponse<String> blocked = gateway.postJson("/v1/chat/completions", REQUEST.replace("\"gpt-4o\",", "\"gpt-4o\",\"stream\":true,"));
        assertThat(blocked.body()).doesNotContain("Tango").doesNotContain("[DONE]")
                .endsWith("data: {\"error\":{\"message\":\"Blocked by policy prompt-reflection: the answer reveals a protected part of the "
                        + "prompt.\",\"type\":\"policy_violation\",\"param\":null,\"code\":\"prompt_reflection\"}}\n\n");
    }
}
