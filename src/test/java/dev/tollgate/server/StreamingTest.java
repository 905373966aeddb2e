package dev.tollgate.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.RawClient;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class StreamingTest extends GatewayTest {

    private static final String STREAM_REQUEST = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";


    static String chunk(String content) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + content + "\"},\"finish_reason\":null}],\"usage\":null}";
    }

    static final String USAGE_CHUNK = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}";

    /** Captures the upstream request so the test decides when each event is written. */
    private CompletableFuture<HttpServerRequest> holdStream() {
        CompletableFuture<HttpServerRequest> held = new CompletableFuture<>();
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            held.complete(req);
        });
        return held;
    }

    private void answerWith(String... events) {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            for (String e : events) FakeUpstream.event(req, e);
            req.response().end();
        });
    }

    private Iterator<String> streamLines(String body) throws Exception {
        HttpResponse<Stream<String>> r = gateway.http().send(gateway.request("/v1/chat/completions")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("text/event-stream");
        return r.body().filter(l -> !l.isEmpty()).iterator();
    }

    @Test
    void firstEventReachesClientBeforeUpstreamFinishes() throws Exception {
        CompletableFuture<HttpServerRequest> held = holdStream();
        start(Map.of());
        CompletableFuture<Iterator<String>> lines = CompletableFuture.supplyAsync(() -> {
            try {
                return streamLines(STREAM_REQUEST);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        HttpServerRequest up = held.get(5, TimeUnit.SECONDS);
        FakeUpstream.event(up, chunk("Hel"));
        Iterator<String> it = lines.get(5, TimeUnit.SECONDS);
        // The upstream has not finished: the first event is already here.
        assertThat(it.next()).isEqualTo("data: " + chunk("Hel"));
        assertThat(up.response().ended()).isFalse();

        FakeUpstream.event(up, chunk("lo"));
        FakeUpstream.event(up, USAGE_CHUNK);
        FakeUpstream.event(up, "[DONE]");
        up.response().end();
        assertThat(it.next()).isEqualTo("data: " + chunk("lo"));
        assertThat(it.next()).isEqualTo("data: [DONE]");
        assertThat(it.hasNext()).isFalse();
    }

    @Test
    void addsIncludeUsageHidesTheUsageChunkAndLogsUsage() throws Exception {
        answerWith(chunk("Hi"), USAGE_CHUNK, "[DONE]");
        start(Map.of());
        try (LogCapture logs = new LogCapture()) {
            Iterator<String> it = streamLines(STREAM_REQUEST);
            assertThat(it.next()).isEqualTo("data: " + chunk("Hi"));
            assertThat(it.next()).isEqualTo("data: [DONE]");
            assertThat(it.hasNext()).isFalse();

            JsonNode sent = Json.parse(upstream.lastReceived().bodyText());
            assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
            assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("hi");

            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("response").path("usage").toString())
                    .isEqualTo("{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}");
            assertThat(line.path("response").path("id").asText()).isEqualTo("chatcmpl-1");
            assertThat(line.path("response").path("model").asText()).isEqualTo("gpt-4o-2024");
            assertThat(line.path("request").path("stream").asBoolean()).isTrue();
            assertThat(line.path("status").asInt()).isEqualTo(200);
            assertThat(line.path("error").asBoolean()).isFalse();
        }
    }

    @Test
    void callerWhoAskedForUsageSeesTheUsageChunkUnchanged() throws Exception {
        answerWith(chunk("Hi"), USAGE_CHUNK, "[DONE]");
        start(Map.of());
        String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}";
        Iterator<String> it = streamLines(body);
        assertThat(it.next()).isEqualTo("data: " + chunk("Hi"));
        assertThat(it.next()).isEqualTo("data: " + USAGE_CHUNK);
        assertThat(it.next()).isEqualTo("data: [DONE]");
        // Unchanged request: the upstream got the caller's bytes exactly.
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(body);
    }

    @Test
    void usageOnAChunkThatStillCarriesContentIsHiddenButTheContentIsKept() throws Exception {
        String last = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
        answerWith(chunk("Hi"), last, "[DONE]");
        start(Map.of());
        try (LogCapture logs = new LogCapture()) {
            Iterator<String> it = streamLines(STREAM_REQUEST);
            assertThat(it.next()).isEqualTo("data: " + chunk("Hi"));
            assertThat(it.next()).isEqualTo("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}]}");
            assertThat(it.next()).isEqualTo("data: [DONE]");
            assertThat(Json.parse(logs.awaitRequestLine(1)).path("response").path("usage").path("total_tokens").asInt()).isEqualTo(2);
        }
    }

    @Test
    void usageAccountingOffLeavesTheRequestUntouched() throws Exception {
        answerWith(chunk("Hi"), "[DONE]");
        start(Map.of("TOLLGATE_USAGE_ACCOUNTING", "false"));
        Iterator<String> it = streamLines(STREAM_REQUEST);
        assertThat(it.next()).isEqualTo("data: " + chunk("Hi"));
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(STREAM_REQUEST);
    }

    @Test
    void upstreamCutMidStreamEndsWithAnErrorEventAndNoCleanEnd() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, chunk("partial"));
            req.connection().close();
        });
        start(Map.of());
        try (RawClient client = new RawClient(gateway.port()); LogCapture logs = new LogCapture()) {
            client.postJson("/v1/chat/completions", STREAM_REQUEST);
            String all = client.readToClose(5000);
            assertThat(all).contains("data: " + chunk("partial") + "\n\n");
            assertThat(all).contains("data: {\"error\":{\"message\":\"The upstream connection failed mid-stream; the answer is incomplete.\","
                    + "\"type\":\"upstream_error\",\"param\":null,\"code\":\"stream_interrupted\"}}\n\n");
            assertThat(all).doesNotContain("[DONE]");
            assertThat(all).doesNotEndWith("0\r\n\r\n"); // no terminating chunk: the transfer is visibly broken
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("error").asBoolean()).isTrue();
            assertThat(line.path("error_message").asText()).isEqualTo("The upstream connection failed mid-stream; the answer is incomplete.");
        }
        assertThat(upstream.received()).hasSize(1); // never retried once streaming began
    }

    @Test
    void upstreamEndingWithoutDoneIsAnIncompleteStream() throws Exception {
        answerWith(chunk("partial"));
        start(Map.of("POLICY_RETRY_COUNT", "3"));
        try (RawClient client = new RawClient(gateway.port())) {
            client.postJson("/v1/chat/completions", STREAM_REQUEST);
            String all = client.readToClose(5000);
            assertThat(all).contains("\"code\":\"stream_interrupted\"");
            assertThat(all).contains("The upstream ended the stream before it was complete; the answer is incomplete.");
            assertThat(all).doesNotContain("[DONE]");
        }
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void clientDisconnectCancelsTheUpstreamCall() throws Exception {
        CompletableFuture<HttpServerRequest> held = holdStream();
        start(Map.of());
        try (LogCapture logs = new LogCapture()) {
            RawClient client = new RawClient(gateway.port());
            client.postJson("/v1/chat/completions", STREAM_REQUEST);
            HttpServerRequest up = held.get(5, TimeUnit.SECONDS);
            FakeUpstream.event(up, chunk("one"));
            client.readUntil(chunk("one"), 5000);
            client.close();
            assertThat(upstream.awaitConnectionClosed(5000)).as("upstream connection closed by the gateway").isTrue();
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("status").asInt()).isEqualTo(499);
            assertThat(line.path("error_message").asText()).isEqualTo("The client closed the connection before the response was complete.");
        }
    }

    @Test
    void clientDisconnectWhileWaitingForUpstreamHeadersCancelsTheCall() throws Exception {
        CompletableFuture<HttpServerRequest> arrived = new CompletableFuture<>();
        upstream.handle(arrived::complete); // never answers
        start(Map.of());
        RawClient client = new RawClient(gateway.port());
        client.postJson("/v1/chat/completions", "{\"model\":\"m\"}");
        arrived.get(5, TimeUnit.SECONDS);
        client.close();
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
    }

    @Test
    void stalledStreamIsEndedByTheIdleTimeout() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, chunk("one"));
        });
        start(Map.of("TOLLGATE_UPSTREAM_STREAM_IDLE_TIMEOUT_MS", "300"));
        try (RawClient client = new RawClient(gateway.port())) {
            client.postJson("/v1/chat/completions", STREAM_REQUEST);
            String all = client.readToClose(5000);
            assertThat(all).contains("data: " + chunk("one"));
            assertThat(all).contains("{\"error\":{\"message\":\"The upstream stream stalled and was ended by the gateway.\","
                    + "\"type\":\"upstream_error\",\"param\":null,\"code\":\"stream_timeout\"}}");
        }
        assertThat(upstream.awaitConnectionClosed(5000)).isTrue();
    }

    @Test
    void responsesApiStreamEndsCleanlyOnResponseCompletedAndUsageIsRead() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            req.response().write("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4.1\"}}\n\n");
            req.response().write("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":\"Hey\"}\n\n");
            req.response().write("event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\","
                    + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1,\"total_tokens\":6}}}\n\n");
            req.response().end();
        });
        start(Map.of("POLICY_LOG_RESPONSE", "true"));
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"hi\",\"stream\":true}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).endsWith("\"total_tokens\":6}}}\n\n").doesNotContain("error");
            // The Responses API is not rewritten: usage always comes in response.completed.
            assertThat(upstream.lastReceived().bodyText()).isEqualTo("{\"model\":\"gpt-4.1\",\"input\":\"hi\",\"stream\":true}");
            JsonNode line = Json.parse(logs.awaitRequestLine(1));
            assertThat(line.path("response").path("usage").path("total_tokens").asInt()).isEqualTo(6);
            assertThat(line.path("response").path("id").asText()).isEqualTo("resp_1");
            assertThat(line.path("response").path("body").toString()).isEqualTo("{\"choices\":[{\"index\":0,\"text\":\"Hey\"}]}");
        }
    }

    @Test
    void slowReaderPausesTheUpstreamAndStillGetsEveryEvent() throws Exception {
        // Big events whose bulk is a field no one reads: the gateway's own output-token estimate has
        // next to nothing to tokenize, so the only thing that can hold the upstream back is back-pressure.
        String pad = "p".repeat(16_000);
        List<String> events = new java.util.ArrayList<>();
        for (int i = 0; i < 1600; i++) {
            events.add("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"" + i + " \"},\"finish_reason\":null}],\"x_pad\":\"" + pad + "\"}");
        }
        events.add("[DONE]");
        long total = events.stream().mapToLong(e -> ("data: " + e + "\n\n").length()).sum(); // about 25.9 MB
        CompletableFuture<FakeUpstream.PacedStream> answer = new CompletableFuture<>();
        // Small fixed socket buffers at both ends, so what the kernels hold cannot hide a gateway that buffers.
        try (FakeUpstream paced = new FakeUpstream(new HttpServerOptions().setSendBufferSize(64 * 1024))) {
            paced.handle(req -> answer.complete(FakeUpstream.PacedStream.start(req, events)));
            gateway = TestGateway.start(paced, Map.of());
            try (RawClient client = new RawClient(gateway.port(), 64 * 1024)) {
                client.postJson("/v1/chat/completions", STREAM_REQUEST);
                FakeUpstream.PacedStream stream = answer.get(5, TimeUnit.SECONDS);
                long stalledAt = awaitSteady(stream);
                // The client has read nothing: the gateway must have stopped reading the upstream, not buffered the answer.
                assertThat(stream.ended()).isFalse();
                assertThat(stream.pauses()).isPositive();
                // Kernel socket buffers on the gateway's side hold some megabytes (observed: 0.5 to 6 of the 25.9 MB).
                assertThat(stalledAt).as("bytes the upstream got out while the client read nothing").isLessThan(total / 2);

                String all = client.readUntil("data: [DONE]\n\n", 60_000);
                assertThat(dataPayloads(all)).as("every event, whole and in order").isEqualTo(events);
                assertThat(stream.written()).isEqualTo(total);
            }
        }
    }

    /** Waits until the paced upstream has written nothing more for 500 ms; returns how far it got. */
    private static long awaitSteady(FakeUpstream.PacedStream stream) throws InterruptedException {
        long seen = -1;
        for (int i = 0; i < 100; i++) {
            long now = stream.written();
            if (now == seen && now > 0) return now;
            seen = now;
            Thread.sleep(500);
        }
        throw new AssertionError("the upstream never stopped writing");
    }

    /** The data payloads of an HTTP/1.1 response carrying SSE, its chunked transfer coding undone. */
    static List<String> dataPayloads(String response) {
        int head = response.indexOf("\r\n\r\n");
        assertThat(response.substring(0, head)).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("transfer-encoding: chunked");
        StringBuilder body = new StringBuilder();
        int pos = head + 4;
        while (pos < response.length()) {
            int lineEnd = response.indexOf("\r\n", pos);
            int size = Integer.parseInt(response.substring(pos, lineEnd).trim(), 16);
            if (size == 0) break;
            body.append(response, lineEnd + 2, lineEnd + 2 + size);
            pos = lineEnd + 2 + size + 2;
        }
        return body.toString().lines().filter(l -> !l.isEmpty())
                .peek(l -> assertThat(l).startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    static List<String> nonEmpty(String body) {
        return body.lines().filter(l -> !l.isEmpty()).toList();
    }
}
