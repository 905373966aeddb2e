package dev.tollgate.server;

import dev.tollgate.http.Deadlines;
import dev.tollgate.http.Replies;
import dev.tollgate.access.AccessControl;
import dev.tollgate.access.Admission;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.access.ModelGate;
import dev.tollgate.policy.modelrules.ModelRulesPolicy;
import dev.tollgate.access.KeyRegistry;
import dev.tollgate.api.ApiError;
import dev.tollgate.chain.Exchange;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.HeaderOverrides;
import dev.tollgate.config.Settings;
import dev.tollgate.observe.RequestLog;
import dev.tollgate.observe.SecretScrubber;
import dev.tollgate.stream.StreamRelay;
import dev.tollgate.trace.RequestTrace;
import dev.tollgate.caller.CallerCodecs;
import dev.tollgate.upstream.ForwardedHeaders;
import dev.tollgate.upstream.SideCall;
import dev.tollgate.upstream.UpstreamCall;
import java.util.List;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One proxied request from start to finish: authenticate and resolve its settings, have its body
 * read ({@link RequestReader}), judge it and run the chain ({@link RequestJudging}), try the upstream ({@link UpstreamAttempts}),
 * relay the answer ({@link AnswerRelay}) or give the gateway's own ({@link GatewayAnswers}), then
 * complete the chain and write the request log line. Owns what the pieces share (the exchange, the
 * deadline, whether the request is finished). Lives on one event loop.
 */
final class ProxyRequest {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    final EventLoopResources loop;
    final GatewayContext ctx;
    /** The gateway-wide configuration this request started with, kept to its end (a data plane may swap in a new one meanwhile). */
    final ConfigGeneration gen;
    final HttpServerRequest req;
    final HttpServerResponse resp;
    final Exchange ex;
    String pathAndQuery;
    final String pathKey;
    final Deadlines.Deadline timer;
    /** Its spans when tracing is on; the shared do-nothing trace when off. */
    final RequestTrace trace;
    KeyRegistry.Entry key;
    ModelGate.Rules rules = ModelGate.Rules.NONE;
    Admission admission;

    UpstreamCall call;
    HttpClientResponse upstream;
    StreamRelay relay;
    boolean finished;
    boolean bodyRead;

    /** The jobs of a request: reading its body, judging it, trying deployments, relaying the answer or giving its own. */
    final RequestReader reader = new RequestReader(this);
    final UpstreamAttempts upstreamAttempts = new UpstreamAttempts(this);
    final AnswerRelay answers = new AnswerRelay(this);
    final GatewayAnswers ownAnswers = new GatewayAnswers(this);
    final RequestJudging judging = new RequestJudging(this);

    ProxyRequest(EventLoopResources loop, GatewayContext ctx, HttpServerRequest req, Exchange ex, String pathAndQuery, String pathKey) {
        this.loop = loop;
        this.ctx = ctx;
        this.gen = ctx.generation();
        this.req = req;
        this.resp = req.response();
        this.ex = ex;
        this.pathAndQuery = pathAndQuery;
        this.pathKey = pathKey;
        this.timer = loop.deadlines().create(this::onTimeout);
        this.trace = ctx.tracing().start(ex, req.headers());
        ex.spanTraceId(trace.traceId());
        ex.offloader(work -> loop.vertx().executeBlocking(work, false));
        ex.callerCodec(CallerCodecs.of(ex.endpoint()));
    }

    /** What the single deadline currently guards. */
    enum Phase { BODY, UPLOAD, UPSTREAM, RESPONSE_BODY, DONE }

    Phase phase = Phase.BODY;

    void run() {
        resp.closeHandler(v -> onClientGone());
        req.exceptionHandler(this::onRequestError);

        if (!ctx.access().keyMode()) {
            proceed(null);
            return;
        }
        io.vertx.core.Future<AccessControl.Auth> auth = ctx.access().authenticateAsync(req.headers(), pathKey);
        if (auth.isComplete()) {
            proceed(auth.result());
            return;
        }
        // A key never seen here is looked up in the database: the body waits, paused, until then.
        req.pause();
        auth.onComplete(ar -> {
            if (finished) return;
            proceed(ar.result());
            if (!finished && phase != Phase.UPLOAD) req.resume(); // an upload stays paused until its upstream is ready
        });
    }

    /** Continues once the caller's key is known (null in pass-through mode). */
    private void proceed(AccessControl.Auth auth) {
        Settings base = gen.settings();
        if (auth != null) {
            if (auth.error() != null) {
                fail(auth.error());
                return;
            }
            key = auth.entry();
            ex.caller(AccessControl.caller(key.key()));
            if (!key.key().allowsEndpoint(ex.endpoint().logPath())) {
                fail(new ApiError(403, "permission_error", "endpoint_not_allowed",
                        "This API key may not call " + ex.method() + " " + ex.endpoint().logPath() + ".", null));
                return;
            }
            if (!key.settings().isEmpty()) base = key.settings().applyTo(base);
        }
        HeaderOverrides.Result resolved = ctx.overrides().resolve(base, req.headers());
        if (resolved.error() != null) {
            fail(resolved.error());
            return;
        }
        ex.settings(resolved.settings());
        rules = modelRules(resolved.settings());
        ex.upstreamApi(() -> {
            Settings s = ex.settings();
            return new SideCall(loop.client(), ctx.upstream(), upstreamHeaders(s), trace);
        });

        reader.read();
    }

    /** What the model must be judged against for this caller (ModelGate). */
    ModelGate.Rules modelRules(Settings effective) {
        List<String> allowList = effective.get(ModelRulesPolicy.ALLOWED_MODELS);
        boolean modelRules = !allowList.isEmpty() || !effective.get(ModelRulesPolicy.DISABLED_MODELS).isEmpty();
        return new ModelGate.Rules(modelRules, !allowList.isEmpty(), ctx.access().budgeted(apiKey()), gen.rules().hasModelLimits());
    }

    /** The caller's Tollgate key, or null in pass-through mode. */
    ApiKey apiKey() { return key == null ? null : key.key(); }

    void onTimeout() {
        if (finished) return;
        switch (phase) {
            case BODY, UPLOAD -> {
                if (call != null) call.cancel();
                fail(new ApiError(408, ApiError.INVALID_REQUEST, "request_timeout", "The request body was not received in time.", null));
            }
            case RESPONSE_BODY -> answers.upstreamBroken("The upstream stopped sending the response.");
            default -> { }
        }
    }

    void onUploadTooLarge() {
        if (finished) return;
        if (call != null) call.cancel();
        fail(RequestReader.tooLarge(ex.settings().get(CoreSettings.MAX_UPLOAD_BYTES)));
    }

    /** The request stream failed: a malformed chunked body gets its 400; anything else means the client left. */
    void onRequestError(Throwable e) {
        if (finished) return;
        if (!RequestFraming.malformedBody(e)) {
            onClientGone();
            return;
        }
        if (call != null) call.cancel();
        bodyRead = false; // the rest of the stream is unreadable: the connection closes after the answer
        fail(RequestFraming.MALFORMED_CHUNK);
        RequestFraming.flushNow(req.connection());
    }

    void onClientGone() {
        if (finished) return;
        ex.status(499);
        ex.errorMessage("The client closed the connection before the response was complete.");
        // Finished first: the resets below fire the upstream's handlers, which must not answer for it.
        finish();
        if (relay != null) relay.cancel();
        if (call != null) call.cancel();
        if (upstream != null) upstream.request().reset();
    }

    /** Answers with a gateway error and finishes. */
    void fail(ApiError error) { fail(error, null); }

    void fail(ApiError error, MultiMap headers) {
        if (finished) return;
        ex.status(error.status());
        ex.errorMessage(error.message());
        Replies.error(req, ctx.cors(), ex.requestId(), error, !bodyRead, headers, toCaller(error.status(), error.toBuffer()));
        finish();
    }

    /** A whole body in the caller's API format: OpenAI's as it is, Anthropic's for /v1/messages. */
    Buffer toCaller(int status, Buffer openAi) { return ex.callerCodec().whole(status, openAi); }

    void finish() {
        if (finished) return;
        finished = true;
        phase = Phase.DONE;
        timer.disarm();
        ctx.chain().onComplete(ex);
        if (ex.errorMessage() != null) {
            // In pass-through mode the caller's own key goes upstream and may come back in its error: not into the log.
            List<String> presented = SecretScrubber.presented(req.headers());
            if (!presented.isEmpty()) ex.errorMessage(SecretScrubber.of(presented).scrub(ex.errorMessage()));
        }
        try {
            ctx.access().complete(gen.rules(), ex, admission);
        } catch (RuntimeException e) {
            LOG.error("accounting failed for request {}: {}", ex.requestId(), e.toString());
        }
        if (relay != null) ctx.metrics().streamClosed();
        upstreamAttempts.recordEnd();
        RequestLog.write(ex);
        trace.finish();
    }

    /** The headers sent upstream: in key mode the caller's own credentials never leave. */
    MultiMap upstreamHeaders(Settings s) {
        return ForwardedHeaders.toUpstream(req.headers(), s.get(CoreSettings.OPENAI_API_KEY),
                s.get(CoreSettings.OPENAI_ORGANIZATION), s.get(CoreSettings.OPENAI_PROJECT), ctx.access().keyMode());
    }

    String clientIp() {
        return ctx.access().clientIp(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(), req.getHeader("x-forwarded-for"));
    }
}
