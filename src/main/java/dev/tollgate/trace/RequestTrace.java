package dev.tollgate.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.wire.StreamChunk;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The spans of one proxied request: a SERVER span from routing to the last byte, with children
 * for the policy chain's request phase (the moderation side call inside it), each upstream
 * attempt (CLIENT; retries and fallbacks are attempts of their own) and the answer phase. Lives
 * on the request's event loop, like the request. {@link #OFF} (tracing off) does nothing and
 * allocates nothing. Spans carry no prompt or answer text unless request logging put it in the
 * log line too.
 */
public final class RequestTrace {

    /** Tracing off: every method returns at once. */
    public static final RequestTrace OFF = new RequestTrace(null, null, null, null);

    /** The most text one body attribute carries (when request logging is on). */
    static final int MAX_BODY_CHARS = 32 * 1024;

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final Exchange ex;
    private final Span server;
    private final boolean recording;
    private Span requestPolicies;
    private Span answerPolicies;
    private ClientSpan attempt;
    private FinishReasons finishReasons;
    private long answerFrames;
    private long policyNanos;
    private String answerFailure;
    private boolean ended;

    private RequestTrace(Tracer tracer, TextMapPropagator propagator, Exchange ex, Span server) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.ex = ex;
        this.server = server;
        this.recording = server != null && server.isRecording();
    }

    static RequestTrace start(Tracer tracer, TextMapPropagator propagator, Exchange ex, MultiMap callerHeaders) {
        Context caller = propagator.extract(Context.root(), callerHeaders, HeaderCarrier.INSTANCE);
        String route = SpanNames.route(ex.endpoint());
        SpanBuilder b = tracer.spanBuilder(route == null ? ex.method() : ex.method() + " " + route)
                .setParent(caller)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(SpanNames.HTTP_METHOD, ex.method())
                .setAttribute(SpanNames.URL_SCHEME, "http")
                .setAttribute(SpanNames.URL_PATH, ex.endpoint().logPath());
        if (route != null) b.setAttribute(SpanNames.HTTP_ROUTE, route);
        String operation = SpanNames.operation(ex.endpoint());
        if (operation != null) b.setAttribute(SpanNames.GEN_AI_OPERATION, operation);
        return new RequestTrace(tracer, propagator, ex, b.startSpan());
    }

    /** The W3C trace id of this request (32 hex digits), for the request log; null when not traced. */
    public String traceId() {
        return server == null ? null : server.getSpanContext().getTraceId();
    }

    /** Whether this request is traced (its calls carry a traceparent even when it is not sampled). */
    public boolean on() {
        return server != null;
    }

    /** Whether spans record attributes (traced and sampled): what only they would read is computed only then. */
    public boolean recording() {
        return recording;
    }

    // ---- the policy chain ----------------------------------------------------------------------

    /** The chain's request phase starts: its span lists the policies that apply. */
    public void requestPhaseStarted(ChainRunner chain) {
        if (server == null) return;
        requestPolicies = child(SpanNames.REQUEST_POLICIES, SpanKind.INTERNAL, server);
        if (recording) requestPolicies.setAttribute(SpanNames.POLICIES, applying(chain.policies()));
    }

    /** The request phase ended: the request goes on ("proceed"), was refused (with its code), or answered by a policy. */
    public void requestPhaseEnded(ApiError refusal) {
        if (requestPolicies == null) return;
        if (recording) {
            String outcome = refusal != null ? "refused" : ex.localAnswer() != null ? "answered" : "proceed";
            requestPolicies.setAttribute(SpanNames.POLICY_OUTCOME, outcome);
            if (refusal != null) requestPolicies.setAttribute(SpanNames.POLICY_ERROR_CODE, refusal.code());
        }
        requestPolicies.end();
        requestPolicies = null;
    }

    /** The answer phase starts (some policy reads the answer): one span until the answer's end. */
    public void answerPhaseStarted(ChainRunner.AnswerReaders readers) {
        if (server == null || answerPolicies != null || readers.policies().isEmpty()) return;
        answerPolicies = child(SpanNames.ANSWER_POLICIES, SpanKind.INTERNAL, server);
        if (recording) {
            List<String> ids = new ArrayList<>(readers.policies().size());
            for (Policy p : readers.policies()) ids.add(p.id());
            answerPolicies.setAttribute(SpanNames.POLICIES, ids);
        }
    }

    /** A clock reading before the chain runs over one frame; 0 when nothing records. */
    public long clock() {
        return recording ? System.nanoTime() : 0;
    }

    /** The chain ran over one frame since {@code started} (a {@link #clock()} reading). */
    public void policiesRan(long started) {
        if (!recording) return;
        answerFrames++;
        policyNanos += System.nanoTime() - started;
    }

    /** A stream event on its way to the caller: its finish reasons are noted. */
    public void answerEvent(StreamChunk chunk) {
        if (recording) reasons().scan(chunk.data());
    }

    /** A whole answer on its way to the caller: its finish reasons are noted. */
    public void answerBody(Buffer body) {
        if (recording) reasons().scan(body.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The answer phase is over (a whole answer ran through it; a stream ended): its span ends with how much it did. */
    public void answerPhaseEnded() {
        if (answerPolicies == null) return;
        if (recording) {
            answerPolicies.setAttribute(SpanNames.ANSWER_FRAMES, answerFrames);
            answerPolicies.setAttribute(SpanNames.POLICIES_TIME_US, policyNanos / 1000);
        }
        answerPolicies.end();
        answerPolicies = null;
    }

    /** A policy ended the answer with this error. */
    public void answerAborted(ApiError error) {
        if (answerPolicies == null || !recording) return;
        answerPolicies.setAttribute(SpanNames.POLICY_OUTCOME, "aborted");
        answerPolicies.setAttribute(SpanNames.POLICY_ERROR_CODE, error.code());
    }

    /** The upstream's answer broke off or ended in its error after the head was relayed ("stream_interrupted", ...). */
    public void answerFailed(String code) {
        if (server != null && answerFailure == null) answerFailure = code;
    }

    // ---- calls -----------------------------------------------------------------------------------

    /**
     * A call to the upstream for this request begins: its CLIENT span, child of the server span.
     * {@code resendCount} is 0 for a deployment's first try, n for its n-th retry.
     */
    public ClientSpan attempt(ClientCall call, int resendCount) {
        if (server == null) return ClientSpan.NOOP;
        if (attempt != null) attempt.end(); // one attempt at a time: a previous one is over
        attempt = client(call, server);
        if (recording) {
            if (resendCount > 0) attempt.span().setAttribute(SpanNames.HTTP_RESEND_COUNT, resendCount);
            requested(attempt.span());
        }
        return attempt;
    }

    /** The spans of one deployment's tries, for its upstream call. */
    public AttemptSpans attempts(ClientCall call) {
        return server == null ? AttemptSpans.NONE : resendCount -> attempt(call, resendCount);
    }

    /** A side call (moderation) begins: its CLIENT span, child of the policy phase that made it. */
    public ClientSpan sideCall(ClientCall call) {
        if (server == null) return ClientSpan.NOOP;
        return client(call, requestPolicies != null ? requestPolicies : answerPolicies != null ? answerPolicies : server);
    }

    // ---- the end -------------------------------------------------------------------------------

    /** The request is over (answered, refused, failed or abandoned): every span still open ends, the server span last. */
    public void finish() {
        if (server == null || ended) return;
        ended = true;
        boolean gone = ex.status() == 499;
        if (requestPolicies != null) {
            if (recording) requestPolicies.setAttribute(SpanNames.POLICY_OUTCOME, gone ? "cancelled" : "unfinished");
            requestPolicies.end();
            requestPolicies = null;
        }
        answerPhaseEnded();
        if (attempt != null && !attempt.ended()) {
            if (recording) answered(attempt.span());
            if (answerFailure != null) attempt.failed(answerFailure);
            else if (gone) attempt.failed("cancelled");
            else attempt.end();
        }
        if (recording) serverEnd();
        server.end();
    }

    private void serverEnd() {
        requested(server);
        answered(server);
        String model = ex.model();
        if (model != null) server.setAttribute(SpanNames.GEN_AI_REQUEST_MODEL, model);
        server.setAttribute(SpanNames.REQUEST_ID, ex.requestId());
        server.setAttribute(SpanNames.STREAM, ex.stream());
        if (ex.traceId() != null) server.setAttribute(SpanNames.CALLER_TRACE_ID, ex.traceId());
        if (ex.caller() != null) server.setAttribute(SpanNames.KEY_ID, ex.caller().keyId());
        if (ex.costNanoUsd() >= 0) server.setAttribute(SpanNames.COST_USD, ex.costNanoUsd() / 1e9);
        if (!ex.findings().isEmpty()) {
            List<String> findings = new ArrayList<>(ex.findings().size());
            for (Finding f : ex.findings()) findings.add(f.policy() + "/" + f.type() + "/" + f.action().name().toLowerCase(Locale.ROOT));
            server.setAttribute(SpanNames.FINDINGS, findings);
        }
        int status = ex.status();
        if (status == 499) {
            server.setAttribute(SpanNames.ERROR_TYPE, "client_closed");
        } else {
            server.setAttribute(SpanNames.HTTP_STATUS, status);
            if (status >= 500 || answerFailure != null) {
                server.setAttribute(SpanNames.ERROR_TYPE, answerFailure != null ? answerFailure : Integer.toString(status));
                server.setStatus(StatusCode.ERROR);
            }
        }
        // Prompt and answer text only where the request log has them too (POLICY_LOG_REQUEST / POLICY_LOG_RESPONSE).
        if (ex.loggedRequest() != null) server.setAttribute(SpanNames.REQUEST_BODY, LoggedText.of(ex.loggedRequest(), MAX_BODY_CHARS));
        if (ex.loggedResponse() != null) server.setAttribute(SpanNames.RESPONSE_BODY, LoggedText.of(ex.loggedResponse(), MAX_BODY_CHARS));
    }

    /** The request's sampling parameters, as the caller sent them (a policy may have lowered them: the body as sent upstream). */
    private void requested(Span span) {
        if (!ex.hasJsonBody()) return;
        JsonNode max = ex.requestField("max_tokens");
        if (max == null || !max.canConvertToLong()) max = ex.requestField("max_completion_tokens");
        if (max == null || !max.canConvertToLong()) max = ex.requestField("max_output_tokens");
        if (max != null && max.isIntegralNumber() && max.canConvertToLong()) span.setAttribute(SpanNames.GEN_AI_MAX_TOKENS, max.asLong());
        JsonNode temperature = ex.requestField("temperature");
        if (temperature != null && temperature.isNumber()) span.setAttribute(SpanNames.GEN_AI_TEMPERATURE, temperature.asDouble());
        JsonNode topP = ex.requestField("top_p");
        if (topP != null && topP.isNumber()) span.setAttribute(SpanNames.GEN_AI_TOP_P, topP.asDouble());
    }

    /** What the answer said about itself: response model and id, token usage, finish reasons. */
    private void answered(Span span) {
        if (ex.responseModel() != null) span.setAttribute(SpanNames.GEN_AI_RESPONSE_MODEL, ex.responseModel());
        if (ex.responseId() != null) span.setAttribute(SpanNames.GEN_AI_RESPONSE_ID, ex.responseId());
        JsonNode usage = ex.usage();
        if (usage != null) {
            long in = tokens(usage, "prompt_tokens", "input_tokens");
            long out = tokens(usage, "completion_tokens", "output_tokens");
            if (in >= 0) span.setAttribute(SpanNames.GEN_AI_INPUT_TOKENS, in);
            if (out >= 0) span.setAttribute(SpanNames.GEN_AI_OUTPUT_TOKENS, out);
        }
        if (finishReasons != null && !finishReasons.values().isEmpty()) span.setAttribute(SpanNames.GEN_AI_FINISH_REASONS, finishReasons.values());
    }

    /** A usage count under either API's name (chat: prompt_tokens; Responses: input_tokens); -1 when absent. */
    private static long tokens(JsonNode usage, String chatName, String responsesName) {
        JsonNode n = usage.get(chatName);
        if (n == null || !n.canConvertToLong()) n = usage.get(responsesName);
        return n != null && n.canConvertToLong() ? n.asLong() : -1;
    }

    private List<String> applying(List<Policy> policies) {
        List<String> ids = new ArrayList<>(policies.size());
        for (Policy p : policies) {
            try {
                if (p.appliesTo(ex)) ids.add(p.id());
            } catch (RuntimeException e) {
                ids.add(p.id()); // the chain fails it closed: it was part of the phase
            }
        }
        return ids;
    }

    private FinishReasons reasons() {
        if (finishReasons == null) finishReasons = new FinishReasons();
        return finishReasons;
    }

    private Span child(String name, SpanKind kind, Span parent) {
        return tracer.spanBuilder(name).setParent(Context.root().with(parent)).setSpanKind(kind).startSpan();
    }

    private ClientSpan client(ClientCall call, Span parent) {
        SpanBuilder b = tracer.spanBuilder(call.name()).setParent(Context.root().with(parent)).setSpanKind(SpanKind.CLIENT)
                .setAttribute(SpanNames.HTTP_METHOD, call.method())
                .setAttribute(SpanNames.SERVER_ADDRESS, call.host())
                .setAttribute(SpanNames.SERVER_PORT, (long) call.port())
                .setAttribute(SpanNames.URL_FULL, call.url())
                .setAttribute(SpanNames.GEN_AI_PROVIDER, call.provider());
        if (call.operation() != null) b.setAttribute(SpanNames.GEN_AI_OPERATION, call.operation());
        if (call.model() != null) b.setAttribute(SpanNames.GEN_AI_REQUEST_MODEL, call.model());
        if (call.deployment() != null) b.setAttribute(SpanNames.DEPLOYMENT, call.deployment());
        return new ClientSpan(b.startSpan(), propagator);
    }
}
