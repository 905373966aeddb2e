package dev.tollgate.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.MultiMap;

/**
 * One call from the gateway (an upstream attempt, a side call) as a CLIENT span: it puts its
 * {@code traceparent} on the call's headers, and records how the call went. Ending twice is
 * harmless; {@link #NOOP} does nothing, for requests that are not traced.
 */
public final class ClientSpan {

    public static final ClientSpan NOOP = new ClientSpan(null, null);

    private final Span span;
    private final TextMapPropagator propagator;
    private boolean ended;

    ClientSpan(Span span, TextMapPropagator propagator) {
        this.span = span;
        this.propagator = propagator;
    }

    /** Sets this span's W3C trace context on the outgoing headers (replacing the caller's): the upstream's parent is this call. */
    public void inject(MultiMap headers) {
        if (span != null) propagator.inject(Context.root().with(span), headers, HeaderCarrier.INSTANCE);
    }

    /** The upstream answered (its head arrived): 4xx and 5xx mark the call failed, typed by its status. */
    public void responded(int status) {
        if (span == null || ended || !span.isRecording()) return;
        span.setAttribute(SpanNames.HTTP_STATUS, status);
        if (status >= 400) {
            span.setAttribute(SpanNames.ERROR_TYPE, Integer.toString(status));
            span.setStatus(StatusCode.ERROR);
        }
    }

    /** The call failed without an answer ("timeout", "unreachable", "cancelled"), or its answer broke off: ends the span. */
    public void failed(String errorType) {
        if (span == null || ended) return;
        if (span.isRecording()) {
            span.setAttribute(SpanNames.ERROR_TYPE, errorType);
            span.setStatus(StatusCode.ERROR);
        }
        end();
    }

    public void end() {
        if (span == null || ended) return;
        ended = true;
        span.end();
    }

    boolean ended() {
        return ended;
    }

    /** The span itself, for the attributes only the request's end knows (usage, response model); null for NOOP. */
    Span span() {
        return span;
    }
}
