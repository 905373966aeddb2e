package dev.tollgate.trace;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.OtlpReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

class TracingTest extends GatewayTest {

    private final OtlpReceiver receiver = new OtlpReceiver();

    @AfterEach
    void closeReceiver() {
        receiver.close();
    }

    private Map<String, String> traced(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_BSP_SCHEDULE_DELAY", "50",
                "OTEL_SERVICE_NAME", "tollgate-test"));
        for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
        return env;
    }

    @Test
    void explore() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, "{\"id\":\"chatcmpl-7\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ANSWERTEXT\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}"));
        start(traced());
        try (LogCapture logs = new LogCapture()) {
            var r = gateway.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"PROMPTTEXT\"}]}",
                    "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            System.out.println(r.statusCode() + " " + r.body());
            System.out.println(logs.awaitRequestLine(1));
        }
        List<OtlpReceiver.ReceivedSpan> spans = receiver.awaitSpans(4);
        spans.forEach(System.out::println);
        System.out.println(upstream.lastReceived().headers().get("traceparent"));
    }
}
