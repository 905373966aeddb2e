package dev.tollgate.upstream;

import dev.tollgate.chain.Exchange;
import dev.tollgate.http.Deadlines;
import dev.tollgate.trace.AttemptSpans;
import dev.tollgate.trace.ClientSpan;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;

/**
 * One call to the upstream, with its retries. Retries happen only before anything has reached the
 * caller: on connection errors and retryable statuses, when the body can be sent again (a
 * buffered body always can; a streamed upload only if it was never started).
 */
public final class UpstreamCall {

    /** Why a call failed without an upstream response. */
    public enum Failure { UNREACHABLE, TIMEOUT, CANCELLED }

    public static final class CallFailed extends RuntimeException {
        public final Failure failure;

        CallFailed(Failure failure) {
            super(failure.name(), null, false, false);
            this.failure = failure;
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final UpstreamTarget target;
    private final RetryPolicy retries;
    private final Exchange ex;
    private final HttpMethod method;
    private final String uri;
    private final MultiMap headers;
    private final Buffer body;               // replayable body, or null
    private final ReadStream<Buffer> upload; // streamed body, or null
    private final int maxRetries;
    private final long connectTimeoutMs;
    private final long firstByteTimeoutMs;
    private final Deadlines.Deadline deadline;
    private final AttemptSpans spans;
    private ClientSpan span = ClientSpan.NOOP; // the current try's, when traced

    private final Promise<HttpClientResponse> result = Promise.promise();
    private HttpClientRequest current;
    private boolean uploadStarted;
    private boolean cancelled;
    private boolean timedOut;
    private long retryTimer = -1;
    private int retry;

    public UpstreamCall(Vertx vertx, HttpClient client, UpstreamTarget target, RetryPolicy retries, Deadlines deadlines,
                        Exchange ex, HttpMethod method, String uri, MultiMap headers, Buffer body, ReadStream<Buffer> upload,
                        int maxRetries, long connectTimeoutMs, long firstByteTimeoutMs, AttemptSpans spans) {
        this.vertx = vertx;
        this.client = client;
        this.target = target;
        this.retries = retries;
        this.ex = ex;
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.upload = upload;
        this.maxRetries = maxRetries;
        this.connectTimeoutMs = connectTimeoutMs;
        this.firstByteTimeoutMs = firstByteTimeoutMs;
        this.deadline = deadlines.create(this::onFirstByteTimeout);
        this.spans = spans;
    }

    /** Starts the call; the future completes with the response to relay, or fails with {@link CallFailed}. */
    public Future<HttpClientResponse> start() {
        attempt();
        return result.future();
    }


    /** The caller went away: stop everything, including a pending retry. */
    public void cancel() {
        if (cancelled) return;
        cancelled = true;
        deadline.disarm();
        if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
        if (current != null) current.reset();
        span.failed("cancelled");
        result.tryFail(new CallFailed(Failure.CANCELLED));
    }

    private void attempt() {
        ex.upstreamStarted();
        span = spans.start(retry);
        span.inject(headers); // each try is its own span: the upstream sees it as its parent
        RequestOptions options = new RequestOptions()
                .setMethod(method)
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.ssl())
                .setURI(uri)
                .setHeaders(headers)
                .setConnectTimeout(connectTimeoutMs);
        deadline.arm(connectTimeoutMs + firstByteTimeoutMs);
        client.request(options).onComplete(ar -> {
            if (cancelled || timedOut) {
                if (ar.succeeded()) ar.result().reset();
                return;
            }
            if (ar.failed()) {
                deadline.disarm();
                span.failed("unreachable");
                retryOrFail(null);
                return;
            }
            HttpClientRequest req = ar.result();
            current = req;
            req.putHeader("Host", target.hostHeader());
            deadline.arm(firstByteTimeoutMs);
            Future<HttpClientResponse> sent;
            if (upload != null) {
                uploadStarted = true;
                sent = req.send(upload);
            } else if (body != null) {
                sent = req.send(body);
            } else {
                sent = req.send();
            }
            sent.onComplete(res -> {
                deadline.disarm();
                if (cancelled || timedOut) return;
                if (res.failed()) {
                    span.failed("unreachable");
                    retryOrFail(null);
                } else {
                    onResponse(res.result());
                }
            });
        });
    }

    private void onResponse(HttpClientResponse response) {
        int status = response.statusCode();
        span.responded(status);
        if (RetryPolicy.retryableStatus(status) && canRetry()) {
            long delay = retries.delayMs(retry, response.getHeader("retry-after"), response.getHeader("retry-after-ms"));
            if (delay >= 0) {
                // Read and drop the failed answer so the connection can be reused.
                response.pause();
                response.body().onComplete(ignored -> {
                    span.end();
                    scheduleRetry(delay);
                });
                response.resume();
                return;
            }
        }
        result.tryComplete(response);
    }

    private void retryOrFail(Throwable cause) {
        if (canRetry()) {
            scheduleRetry(retries.delayMs(retry, null, null));
        } else {
            result.tryFail(new CallFailed(Failure.UNREACHABLE));
        }
    }

    private boolean canRetry() {
        return !cancelled && retry < maxRetries && !(upload != null && uploadStarted);
    }

    private void scheduleRetry(long delayMs) {
        if (cancelled) return;
        retry++;
        if (delayMs <= 0) {
            attempt();
        } else {
            retryTimer = vertx.setTimer(delayMs, id -> {
                retryTimer = -1;
                if (!cancelled) attempt();
            });
        }
    }

    private void onFirstByteTimeout() {
        if (cancelled || result.future().isComplete()) return;
        timedOut = true;
        span.failed("timeout");
        if (current != null) current.reset();
        result.tryFail(new CallFailed(Failure.TIMEOUT));
    }
}
