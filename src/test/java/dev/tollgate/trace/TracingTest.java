package dev.tollgate.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.ConfigException;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.OtlpReceiver;
import dev.tollgate.support.OtlpReceiver.ReceivedSpan;
import dev.tollgate.support.RawClient;
import dev.tollgate.support.TestGateway;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Traces of real requests through a real gateway, exported over OTLP/HTTP to an in-process
 * receiver: the span tree, its links to the caller's trace and the upstream's, the attributes,
 * and what never goes into a span.
 */
class TracingTest extends GatewayTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE + "-" + CALLER_SPAN + "-01";

    private static final String CHAT = "{\"model\":\"gpt-4o\",\"temperature\":0.5,\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me PROMPTTEXT\"}]}";
    private static final String STREAMED_CHAT = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me PROMPTTEXT\"}]}";
    private static final String ANSWER = "{\"id\":\"chatcmpl-7\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-2024-08-06\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"The ANSWERTEXT\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}";
    private static final String CHUNK = "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[%s]%s}";
    private static final List<String> STREAM = List.of(
            CHUNK.formatted("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"The ANSWER\"},\"finish_reason\":null}", ""),
            CHUNK.formatted("{\"index\":0,\"delta\":{\"content\":\"TEXT\"},\"finish_reason\":null}", ""),
            CHUNK.formatted("{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}", ""),
            CHUNK.formatted("", ",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}"),
            "[DONE]");

    private final OtlpReceiver receiver = new OtlpReceiver();

    @AfterEach
    void closeReceiver() {
        receiver.close();
    }

    /** Tracing on, as an operator switches it on: the OTLP endpoint named, a short batch delay so tests need not wait. */
    private Map<String, String> traced(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_BSP_SCHEDULE_DELAY", "50",
                "OTEL_SERVICE_NAME", "tollgate-test"));
        for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
        return env;
    }

    private void answerStream(List<String> events) {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            for (String e : events) FakeUpstream.event(req, e);
            req.response().end();
        });
    }

    // ---- whole and streamed answers ------------------------------------------------------------

    @Test
    void aWholeAnswerIsOneServerSpanWithThePolicyPhasesAndTheAttemptAsChildren() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        start(traced());
        JsonNode line;
        HttpResponse<String> r;
        try (LogCapture logs = new LogCapture()) {
            r = gateway.postJson("/v1/chat/completions", CHAT, "traceparent", TRACEPARENT);
            line = Json.parse(logs.awaitRequestLine(1));
        }
        assertThat(r.statusCode()).isEqualTo(200);
        List<ReceivedSpan> spans = receiver.awaitSpans(4);
        assertThat(spans).extracting(ReceivedSpan::name)
                .containsExactlyInAnyOrder("POST /v1/chat/completions", "policies request", "chat gpt-4o", "policies answer");
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        ReceivedSpan attempt = named(spans, "chat gpt-4o");

        // The caller's trace goes on: same trace id, the server span a child of the caller's span.
        assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(TRACE));
        assertThat(server.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(server.kind()).isEqualTo("SPAN_KIND_SERVER");
        for (String child : List.of("policies request", "chat gpt-4o", "policies answer")) {
            assertThat(named(spans, child).parentSpanId()).as(child).isEqualTo(server.spanId());
        }
        assertThat(named(spans, "policies request").kind()).isEqualTo("SPAN_KIND_INTERNAL");
        assertThat(named(spans, "policies answer").kind()).isEqualTo("SPAN_KIND_INTERNAL");
        assertThat(attempt.kind()).isEqualTo("SPAN_KIND_CLIENT");
        // ... and reaches the upstream: its parent is the attempt's span.
        assertThat(upstream.lastReceived().headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + attempt.spanId() + "-01");
        assertThat(line.path("metadata").path("trace_id").asText()).isEqualTo(TRACE);

        assertThat(server.attributes()).isEqualTo(ordered(
                "http.request.method", "POST", "url.scheme", "http", "url.path", "/v1/chat/completions",
                "http.route", "/v1/chat/completions", "gen_ai.operation.name", "chat", "gen_ai.request.model", "gpt-4o",
                "gen_ai.request.max_tokens", 100L, "gen_ai.request.temperature", 0.5,
                "gen_ai.response.model", "gpt-4o-2024-08-06", "gen_ai.response.id", "chatcmpl-7",
                "gen_ai.usage.input_tokens", 12L, "gen_ai.usage.output_tokens", 5L, "gen_ai.response.finish_reasons", List.of("stop"),
                "tollgate.request_id", r.headers().firstValue("x-request-id").orElseThrow(), "tollgate.stream", false,
                "tollgate.cost_usd", line.path("response").path("cost_usd").asDouble(), "http.response.status_code", 200L));
        assertThat(server.status()).isEqualTo("STATUS_CODE_UNSET");
        assertThat(attempt.attributes()).isEqualTo(ordered(
                "http.request.method", "POST", "server.address", "127.0.0.1", "server.port", (long) upstream.port(),
                "url.full", "http://127.0.0.1:" + upstream.port() + "/v1/chat/completions", "gen_ai.provider.name", "openai",
                "gen_ai.operation.name", "chat", "gen_ai.request.model", "gpt-4o", "gen_ai.request.max_tokens", 100L,
                "gen_ai.request.temperature", 0.5, "http.response.status_code", 200L, "gen_ai.response.model", "gpt-4o-2024-08-06", "gen_ai.response.id", "chatcmpl-7",
                "gen_ai.usage.input_tokens", 12L, "gen_ai.usage.output_tokens", 5L, "gen_ai.response.finish_reasons", List.of("stop")));
        assertThat(named(spans, "policies request").attributes()).isEqualTo(ordered(
                "tollgate.policies", List.of("usage-accounting"), "tollgate.policy.outcome", "proceed"));
        assertThat(withoutTime(named(spans, "policies answer"))).isEqualTo(ordered(
                "tollgate.policies", List.of("usage-accounting"), "tollgate.answer.frames", 1L));
        assertThat(server.resource()).containsEntry("service.name", "tollgate-test");
        assertThat(server.scope()).isEqualTo("dev.tollgate");
        assertNoText(spans, "PROMPTTEXT", "ANSWERTEXT");
    }

    @Test
    void aStreamedAnswersSpansEndWithTheStreamAndCarryItsUsageAndFinishReason() throws Exception {
        answerStream(STREAM);
        start(traced());
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", STREAMED_CHAT, "traceparent", TRACEPARENT);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        List<ReceivedSpan> spans = receiver.awaitSpans(4);
        assertThat(spans).extracting(ReceivedSpan::name)
                .containsExactlyInAnyOrder("POST /v1/chat/completions", "policies request", "chat gpt-4o", "policies answer");
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        ReceivedSpan attempt = named(spans, "chat gpt-4o");
        assertThat(server.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(TRACE));
        assertThat(upstream.lastReceived().headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + attempt.spanId() + "-01");

        assertThat(server.attributes()).containsEntry("tollgate.stream", true).containsEntry("http.response.status_code", 200L)
                .containsEntry("gen_ai.usage.input_tokens", 9L).containsEntry("gen_ai.usage.output_tokens", 2L)
                .containsEntry("gen_ai.response.finish_reasons", List.of("length")).containsEntry("gen_ai.response.id", "chatcmpl-9");
        assertThat(attempt.attributes()).containsEntry("http.response.status_code", 200L).containsEntry("gen_ai.usage.input_tokens", 9L)
                .containsEntry("gen_ai.usage.output_tokens", 2L).containsEntry("gen_ai.response.finish_reasons", List.of("length"))
                .containsEntry("gen_ai.response.model", "gpt-4o-2024-08-06").doesNotContainKey("error.type");
        // Every event of the stream went through the answer phase, inside its span.
        assertThat(withoutTime(named(spans, "policies answer"))).isEqualTo(ordered(
                "tollgate.policies", List.of("usage-accounting"), "tollgate.answer.frames", 5L));
        // The attempt and the answer phase last until the stream's end; the server span ends last.
        for (ReceivedSpan s : spans) assertThat(s.endNanos()).as(s.name()).isLessThanOrEqualTo(server.endNanos());
        assertThat(attempt.endNanos()).isGreaterThanOrEqualTo(named(spans, "policies answer").startNanos());
        assertNoText(spans, "PROMPTTEXT", "ANSWER", "TEXT\"");
    }

    @Test
    void promptAndAnswerTextAreInTheServerSpanOnlyWhenRequestLoggingPutsThemInTheLog() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        start(traced("POLICY_LOG_REQUEST", "true", "POLICY_LOG_RESPONSE", "true"));
        JsonNode line;
        try (LogCapture logs = new LogCapture()) {
            assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
            line = Json.parse(logs.awaitRequestLine(1));
        }
        ReceivedSpan server = named(receiver.awaitSpans(4), "POST /v1/chat/completions");
        assertThat(server.attr("tollgate.request.body")).isEqualTo(Json.toString(line.path("request").path("body")));
        assertThat(server.attr("tollgate.response.body")).isEqualTo(Json.toString(line.path("response").path("body")));
        assertThat((String) server.attr("tollgate.request.body")).contains("PROMPTTEXT");
        assertThat((String) server.attr("tollgate.response.body")).contains("ANSWERTEXT");
        // Without a caller's traceparent the request starts a trace of its own: a root span.
        assertThat(server.parentSpanId()).isNull();
        assertThat(line.path("metadata").path("trace_id").asText()).isEqualTo(server.traceId()).hasSize(32);
    }

    // ---- attempts: retries, fallbacks, failures ---------------------------------------------

    @Test
    void aFallbackIsASecondAttemptSpanAndEachUpstreamSeesItsOwnParent() throws Exception {
        FakeUpstream second = new FakeUpstream();
        try {
            upstream.handle(req -> FakeUpstream.json(req, 503, "{\"error\":{\"message\":\"overloaded\"}}"));
            second.handle(req -> FakeUpstream.json(req, 200, ANSWER));
            start(traced("TOLLGATE_MODELS", "[{\"name\":\"main\",\"deployments\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"base_url\":\""
                    + upstream.baseUrl() + "\"}],\"fallbacks\":[\"backup\"]},{\"name\":\"backup\",\"deployments\":[{\"provider\":\"openai\","
                    + "\"model\":\"gpt-4o-mini\",\"base_url\":\"" + second.baseUrl() + "\"}]}]"));
            HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT.replace("gpt-4o", "main"), "traceparent", TRACEPARENT);
            assertThat(r.statusCode()).isEqualTo(200);
            List<ReceivedSpan> spans = receiver.awaitSpans(5);
            assertThat(spans).extracting(ReceivedSpan::name).containsExactlyInAnyOrder(
                    "POST /v1/chat/completions", "policies request", "chat gpt-4o", "chat gpt-4o-mini", "policies answer");
            ReceivedSpan server = named(spans, "POST /v1/chat/completions");
            ReceivedSpan first = named(spans, "chat gpt-4o");
            ReceivedSpan fallback = named(spans, "chat gpt-4o-mini");
            assertThat(first.parentSpanId()).isEqualTo(server.spanId());
            assertThat(fallback.parentSpanId()).isEqualTo(server.spanId());
            assertThat(first.attributes()).isEqualTo(ordered(
                    "http.request.method", "POST", "server.address", "127.0.0.1", "server.port", (long) upstream.port(),
                    "url.full", "http://127.0.0.1:" + upstream.port() + "/v1/chat/completions", "gen_ai.provider.name", "openai",
                    "gen_ai.operation.name", "chat", "gen_ai.request.model", "gpt-4o", "tollgate.deployment", "main/openai:gpt-4o#0",
                    "gen_ai.request.max_tokens", 100L, "gen_ai.request.temperature", 0.5,
                    "http.response.status_code", 503L, "error.type", "503"));
            assertThat(first.status()).isEqualTo("STATUS_CODE_ERROR");
            assertThat(first.endNanos()).isLessThanOrEqualTo(fallback.startNanos());
            assertThat(fallback.attributes()).containsEntry("tollgate.deployment", "backup/openai:gpt-4o-mini#0")
                    .containsEntry("server.port", (long) second.port()).containsEntry("http.response.status_code", 200L)
                    .containsEntry("gen_ai.usage.input_tokens", 12L).doesNotContainKey("error.type");
            assertThat(fallback.status()).isEqualTo("STATUS_CODE_UNSET");
            assertThat(server.attributes()).containsEntry("gen_ai.request.model", "main").containsEntry("http.response.status_code", 200L)
                    .doesNotContainKey("error.type");
            assertThat(upstream.lastReceived().headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + first.spanId() + "-01");
            assertThat(second.lastReceived().headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + fallback.spanId() + "-01");
        } finally {
            second.close();
        }
    }

    @Test
    void aRetryIsAnAttemptSpanOfItsOwnCountingItsResend() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        upstream.handle(req -> {
            if (calls.incrementAndGet() == 1) FakeUpstream.json(req, 500, "{\"error\":{\"message\":\"boom\"}}");
            else FakeUpstream.json(req, 200, ANSWER);
        });
        start(traced("POLICY_RETRY_COUNT", "1", "TOLLGATE_RETRY_BASE_DELAY_MS", "0"));
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "traceparent", TRACEPARENT).statusCode()).isEqualTo(200);
        List<ReceivedSpan> spans = receiver.awaitSpans(5);
        List<ReceivedSpan> attempts = spans.stream().filter(s -> s.name().equals("chat gpt-4o")).sorted(
                java.util.Comparator.comparingLong(ReceivedSpan::startNanos)).toList();
        assertThat(spans).hasSize(5);
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).attributes()).containsEntry("http.response.status_code", 500L).containsEntry("error.type", "500")
                .doesNotContainKey("http.request.resend_count");
        assertThat(attempts.get(0).status()).isEqualTo("STATUS_CODE_ERROR");
        assertThat(attempts.get(1).attributes()).containsEntry("http.response.status_code", 200L).containsEntry("http.request.resend_count", 1L)
                .containsEntry("gen_ai.usage.output_tokens", 5L).doesNotContainKey("error.type");
        assertThat(upstream.received()).extracting(rec -> rec.headers().get("traceparent")).containsExactly(
                "00-" + TRACE + "-" + attempts.get(0).spanId() + "-01", "00-" + TRACE + "-" + attempts.get(1).spanId() + "-01");
    }

    @Test
    void anUpstreamErrorAnswerFailsTheAttemptAndA5xxTheServerSpan() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 502, "{\"error\":{\"message\":\"bad gateway PROMPTTEXT\"}}"));
        start(traced());
        assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(502);
        List<ReceivedSpan> spans = receiver.awaitSpans(3);
        assertThat(spans).extracting(ReceivedSpan::name).containsExactlyInAnyOrder("POST /v1/chat/completions", "policies request", "chat gpt-4o");
        assertThat(named(spans, "chat gpt-4o").attributes()).containsEntry("error.type", "502").containsEntry("http.response.status_code", 502L);
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        assertThat(server.attributes()).containsEntry("error.type", "502").containsEntry("http.response.status_code", 502L);
        assertThat(server.status()).isEqualTo("STATUS_CODE_ERROR");
        assertNoText(spans, "PROMPTTEXT", "bad gateway");
    }

    @Test
    void aStreamTheUpstreamCutsEndsItsSpansAsFailed() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, STREAM.get(0));
            req.response().end(); // ends without [DONE]: cut short
        });
        start(traced());
        try (RawClient client = new RawClient(gateway.port())) {
            client.postJson("/v1/chat/completions", STREAMED_CHAT);
            assertThat(client.readToClose(5000)).contains("\"code\":\"stream_interrupted\"");
        }
        List<ReceivedSpan> spans = receiver.awaitSpans(4);
        assertThat(named(spans, "chat gpt-4o").attributes()).containsEntry("error.type", "stream_interrupted")
                .containsEntry("http.response.status_code", 200L);
        assertThat(named(spans, "chat gpt-4o").status()).isEqualTo("STATUS_CODE_ERROR");
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        assertThat(server.attributes()).containsEntry("error.type", "stream_interrupted").containsEntry("http.response.status_code", 200L);
        assertThat(server.status()).isEqualTo("STATUS_CODE_ERROR");
    }

    @Test
    void aClientThatLeavesMidStreamEndsEverySpanAtOnce() throws Exception {
        CompletableFuture<HttpServerRequest> held = new CompletableFuture<>();
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            held.complete(req);
        });
        start(traced());
        RawClient client = new RawClient(gateway.port());
        client.postJson("/v1/chat/completions", STREAMED_CHAT, "traceparent: " + TRACEPARENT);
        HttpServerRequest up = held.get(5, TimeUnit.SECONDS);
        FakeUpstream.event(up, STREAM.get(0));
        client.readUntil("ANSWER", 5000);
        client.close();
        List<ReceivedSpan> spans = receiver.awaitSpans(4);
        assertThat(spans).extracting(ReceivedSpan::name)
                .containsExactlyInAnyOrder("POST /v1/chat/completions", "policies request", "chat gpt-4o", "policies answer");
        assertThat(named(spans, "chat gpt-4o").attributes()).containsEntry("error.type", "cancelled").containsEntry("http.response.status_code", 200L);
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        assertThat(server.attributes()).containsEntry("error.type", "client_closed").doesNotContainKey("http.response.status_code");
        assertThat(withoutTime(named(spans, "policies answer"))).containsEntry("tollgate.answer.frames", 1L);
    }

    // ---- the policy chain ----------------------------------------------------------------------

    @Test
    void theModerationSideCallIsAClientSpanInsideTheRequestPhase() throws Exception {
        upstream.handle(req -> {
            if (req.path().equals("/v1/moderations")) FakeUpstream.json(req, 200, "{\"id\":\"modr-1\",\"results\":[{\"flagged\":false}]}");
            else FakeUpstream.json(req, 200, ANSWER);
        });
        start(traced("POLICY_AUTO_MODERATE", "true"));
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "traceparent", TRACEPARENT).statusCode()).isEqualTo(200);
        List<ReceivedSpan> spans = receiver.awaitSpans(5);
        assertThat(spans).extracting(ReceivedSpan::name).containsExactlyInAnyOrder(
                "POST /v1/chat/completions", "policies request", "POST /v1/moderations", "chat gpt-4o", "policies answer");
        ReceivedSpan phase = named(spans, "policies request");
        ReceivedSpan moderation = named(spans, "POST /v1/moderations");
        assertThat(phase.attributes()).isEqualTo(ordered(
                "tollgate.policies", List.of("usage-accounting", "auto-moderate"), "tollgate.policy.outcome", "proceed"));
        assertThat(moderation.parentSpanId()).isEqualTo(phase.spanId());
        assertThat(moderation.kind()).isEqualTo("SPAN_KIND_CLIENT");
        assertThat(moderation.attributes()).isEqualTo(ordered(
                "http.request.method", "POST", "server.address", "127.0.0.1", "server.port", (long) upstream.port(),
                "url.full", "http://127.0.0.1:" + upstream.port() + "/v1/moderations", "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "omni-moderation-latest", "http.response.status_code", 200L));
        assertThat(moderation.startNanos()).isGreaterThanOrEqualTo(phase.startNanos());
        assertThat(moderation.endNanos()).isLessThanOrEqualTo(phase.endNanos());
        FakeUpstream.Received moderated = upstream.received().get(0);
        assertThat(moderated.uri()).isEqualTo("/v1/moderations");
        assertThat(moderated.headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + moderation.spanId() + "-01");
        assertNoText(spans, "PROMPTTEXT");
    }

    @Test
    void aRefusalByAPolicyEndsTheRequestPhaseNamingItsCode() throws Exception {
        start(traced("POLICY_ENFORCE_USER_IDS", "true"));
        assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(403);
        List<ReceivedSpan> spans = receiver.awaitSpans(2);
        assertThat(spans).extracting(ReceivedSpan::name).containsExactlyInAnyOrder("POST /v1/chat/completions", "policies request");
        assertThat(named(spans, "policies request").attributes()).containsEntry("tollgate.policy.outcome", "refused")
                .containsEntry("tollgate.policy.error_code", "user_required");
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        assertThat(server.attributes()).containsEntry("http.response.status_code", 403L)
                .containsEntry("tollgate.findings", List.of("user-ids/user_required/block")).doesNotContainKey("error.type");
        assertThat(server.status()).isEqualTo("STATUS_CODE_UNSET"); // a 4xx is the caller's, not the server's, error
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void anAnswerAPolicyEndsIsMarkedAbortedWithItsCode() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        start(traced("POLICY_RESPONSE_WORDLIST", "custom:block", "POLICY_CUSTOM_WORDLIST", "answertext"));
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", CHAT);
        String code = Json.parse(r.body()).path("error").path("code").asText();
        assertThat(code).isNotEmpty();
        List<ReceivedSpan> spans = receiver.awaitSpans(4);
        assertThat(withoutTime(named(spans, "policies answer"))).isEqualTo(ordered(
                "tollgate.policies", List.of("usage-accounting", "word-filter"), "tollgate.answer.frames", 1L,
                "tollgate.policy.outcome", "aborted", "tollgate.policy.error_code", code));
        assertThat(named(spans, "POST /v1/chat/completions").attr("http.response.status_code")).isEqualTo((long) r.statusCode());
        assertNoText(spans, "ANSWERTEXT", "answertext");
    }

    // ---- sampling and switching off ----------------------------------------------------------

    @Test
    void aCallerThatDoesNotSampleGetsNoSpansButItsTraceGoesOnUpstream() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        start(traced());
        JsonNode line;
        try (LogCapture logs = new LogCapture()) {
            gateway.postJson("/v1/chat/completions", CHAT, "traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-00");
            line = Json.parse(logs.awaitRequestLine(1));
        }
        assertThat(receiver.awaitNone()).isEmpty();
        assertThat(upstream.lastReceived().headers().get("traceparent")).startsWith("00-" + TRACE + "-").endsWith("-00")
                .doesNotContain(CALLER_SPAN);
        assertThat(line.path("metadata").path("trace_id").asText()).isEqualTo(TRACE);
    }

    @Test
    void offByDefaultNothingIsExportedAddedOrLogged() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        for (Map<String, String> env : List.of(Map.<String, String>of(),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_SDK_DISABLED", "true"),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_TRACES_EXPORTER", "none"))) {
            start(env);
            try (LogCapture logs = new LogCapture()) {
                gateway.postJson("/v1/chat/completions", CHAT);
                assertThat(upstream.lastReceived().headers().contains("traceparent")).as(env.toString()).isFalse();
                // A caller's own trace context passes through untouched, like any other header.
                gateway.postJson("/v1/chat/completions", CHAT, "traceparent", TRACEPARENT, "tracestate", "vendor=1");
                assertThat(upstream.lastReceived().headers().get("traceparent")).isEqualTo(TRACEPARENT);
                assertThat(upstream.lastReceived().headers().get("tracestate")).isEqualTo("vendor=1");
                assertThat(Json.parse(logs.awaitRequestLine(2)).path("metadata").has("trace_id")).isFalse();
            }
        }
        assertThat(receiver.awaitNone()).isEmpty();
    }

    @Test
    void theCallersBaggageGoesOnUpstreamWithTheTrace() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        start(traced());
        gateway.postJson("/v1/chat/completions", CHAT, "traceparent", TRACEPARENT, "baggage", "tenant=acme,region=eu-west-1;ttl=3");
        ReceivedSpan attempt = named(receiver.awaitSpans(4), "chat gpt-4o");
        assertThat(upstream.lastReceived().headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + attempt.spanId() + "-01");
        assertThat(upstream.lastReceived().headers().getAll("baggage")).containsExactly("tenant=acme,region=eu-west-1;ttl=3");
    }

    @Test
    void aCallersTraceLabelIsKeptBesideTheTraceId() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        start(traced());
        JsonNode line;
        try (LogCapture logs = new LogCapture()) {
            gateway.postJson("/v1/chat/completions", CHAT, "traceparent", TRACEPARENT, "tracestate", "vendor=1", "x-tollgate-trace-id", "label-7");
            line = Json.parse(logs.awaitRequestLine(1));
        }
        assertThat(line.path("metadata").path("trace_id").asText()).isEqualTo(TRACE);
        assertThat(line.path("metadata").path("caller_trace_id").asText()).isEqualTo("label-7");
        ReceivedSpan attempt = named(receiver.awaitSpans(4), "chat gpt-4o");
        assertThat(named(receiver.spans(), "POST /v1/chat/completions").attr("tollgate.caller_trace_id")).isEqualTo("label-7");
        assertThat(upstream.lastReceived().headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + attempt.spanId() + "-01");
        assertThat(upstream.lastReceived().headers().get("tracestate")).isEqualTo("vendor=1");
    }

    @Test
    void otlpOverGrpcIsRefusedAtStartNamingTheSetting() {
        assertThatThrownBy(() -> TestGateway.start(upstream, traced("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration:\n  OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; Tollgate exports OTLP over HTTP: "
                        + "set http/protobuf (a collector's port 4318)");
        assertThatThrownBy(() -> TestGateway.start(upstream, traced("OTEL_TRACES_EXPORTER", "zipkin")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("invalid configuration:\n  tracing (OTEL_*): ")
                .hasMessageContaining("zipkin");
    }

    @Test
    void aCollectorThatCannotBeReachedIsReportedInTheGatewaysOwnLogLines() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, ANSWER));
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (LogCapture logs = new LogCapture()) {
            // The exporter's own retries (seconds of back-off) are off, so its failure is reported at once.
            start(traced("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + closed, "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true"));
            assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
            for (int i = 0; i < 500 && logs.appLines().stream().noneMatch(l -> l.contains("tollgate.tracing")); i++) Thread.sleep(10);
            String line = logs.appLines().stream().filter(l -> l.contains("tollgate.tracing")).findFirst().orElseThrow();
            JsonNode json = Json.parse(line);
            assertThat(json.path("level").asText()).isEqualTo("error");
            assertThat(json.path("message").asText()).matches("Failed to export \\d+ spans\\. The request could not be executed\\.: \\w+");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static ReceivedSpan named(List<ReceivedSpan> spans, String name) {
        List<ReceivedSpan> found = spans.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(found).as("spans named " + name).hasSize(1);
        return found.get(0);
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** An answer phase's attributes but its time, which varies: that is checked to be a count of microseconds. */
    private static Map<String, Object> withoutTime(ReceivedSpan s) {
        Map<String, Object> m = new LinkedHashMap<>(s.attributes());
        assertThat(m.remove("tollgate.policies.time_us")).isInstanceOf(Long.class).satisfies(v -> assertThat((Long) v).isNotNegative());
        return m;
    }

    /** No attribute of any span holds these words of the prompt or the answer. */
    private static void assertNoText(List<ReceivedSpan> spans, String... words) {
        List<String> values = new ArrayList<>();
        for (ReceivedSpan s : spans) {
            for (Object v : s.attributes().values()) values.add(String.valueOf(v));
            values.add(s.name());
        }
        for (String w : words) assertThat(values).as("span text").noneMatch(v -> v.contains(w));
    }
}
