package dev.tollgate.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.access.Admission;
import dev.tollgate.access.ApiKey;
import dev.tollgate.access.ModelGate;
import dev.tollgate.api.Route;
import dev.tollgate.policy.modelrules.ModelRulesPolicy;
import dev.tollgate.access.KeyRegistry;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.chain.Exchange;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.HeaderOverrides;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.observe.RequestLog;
import dev.tollgate.observe.SecretScrubber;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.stream.AnswerStream;
import dev.tollgate.stream.ChainedStreamWriter;
import dev.tollgate.stream.StreamRelay;
import dev.tollgate.upstream.ForwardedHeaders;
import dev.tollgate.upstream.SideCall;
import dev.tollgate.usage.ResponseSummary;
import dev.tollgate.policy.usage.UsageAccountingPolicy;
import dev.tollgate.upstream.UpstreamCall;
import dev.tollgate.upstream.RetryPolicy;
import dev.tollgate.provider.AnswerTranslator;
import dev.tollgate.provider.AzureResources;
import dev.tollgate.provider.CallContext;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.DeploymentHealth;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.messages.AnthropicClientFormat;
import dev.tollgate.provider.messages.CountTokens;
import dev.tollgate.provider.messages.MessagesInbound;
import dev.tollgate.provider.Router;
import dev.tollgate.provider.TranslationException;
import dev.tollgate.provider.UpstreamRequest;
import java.util.List;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * One proxied request from start to finish: read (and limit) the body, run the chain, call the
 * upstream, relay the answer (whole JSON through the chain, SSE event by event, anything else as
 * bytes), then complete the chain and write the request log line. Lives on one event loop.
 */
final class ProxyRequest {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    private final EventLoopResources loop;
    private final GatewayContext ctx;
    private final HttpServerRequest req;
    private final HttpServerResponse resp;
    private final Exchange ex;
    private String pathAndQuery;
    private final String pathKey;
    private final Deadlines.Deadline timer;
    private KeyRegistry.Entry key;
    private ModelGate.Rules rules = ModelGate.Rules.NONE;
    private Admission admission;

    private UpstreamCall call;
    private HttpClientResponse upstream;
    private StreamRelay relay;
    private boolean finished;
    private boolean bodyRead;

    ProxyRequest(EventLoopResources loop, GatewayContext ctx, HttpServerRequest req, Exchange ex, String pathAndQuery, String pathKey) {
        this.loop = loop;
        this.ctx = ctx;
        this.req = req;
        this.resp = req.response();
        this.ex = ex;
        this.pathAndQuery = pathAndQuery;
        this.pathKey = pathKey;
        this.timer = loop.deadlines().create(this::onTimeout);
        ex.offloader(work -> loop.vertx().executeBlocking(work, false));
    }

    /** What the single deadline currently guards. */
    private enum Phase { BODY, UPLOAD, UPSTREAM, RESPONSE_BODY, DONE }
    private Phase phase = Phase.BODY;

    void run() {
        resp.closeHandler(v -> onClientGone());
        req.exceptionHandler(this::onRequestError);

        AccessControl access = ctx.access();
        Settings base = ctx.settings();
        if (access.keyMode()) {
            AccessControl.Auth auth = access.authenticate(req.headers(), pathKey);
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
            return new SideCall(loop.client(), ctx.upstream(), upstreamHeaders(s));
        });

        String contentLength = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        long length = parseLength(contentLength);
        if (length == -2) {
            fail(ApiError.badRequest("invalid_content_length", "The Content-Length header is not a valid length."));
            return;
        }
        boolean hasBody = length > 0 || (length == -1 && bodyWithoutLength());
        if (!hasBody) {
            bodyRead = true;
            if (req.method() == HttpMethod.GET && ex.endpoint().apiPath().equals("/models") && ctx.router().routed()) {
                listModels();
                return;
            }
            runChain(null);
            return;
        }
        String contentType = req.getHeader(HttpHeaders.CONTENT_TYPE);
        Route.Body read = ex.endpoint().route().body();
        if (read == Route.Body.JSON || read == Route.Body.JSON_OR_FORM && isJson(contentType)) {
            if (!isJson(contentType)) {
                fail(new ApiError(415, ApiError.INVALID_REQUEST, "unsupported_media_type",
                        "This endpoint takes a JSON body: send Content-Type: application/json.", null));
                return;
            }
            readJson(length);
        } else {
            streamUpload(length);
        }
    }

    /** What the model must be judged against for this caller (ModelGate). */
    private ModelGate.Rules modelRules(Settings effective) {
        List<String> allowList = effective.get(ModelRulesPolicy.ALLOWED_MODELS);
        boolean modelRules = !allowList.isEmpty() || !effective.get(ModelRulesPolicy.DISABLED_MODELS).isEmpty();
        return new ModelGate.Rules(modelRules, !allowList.isEmpty(), ctx.access().budgeted(apiKey()), ctx.access().hasModelLimits());
    }

    /** The caller's Tollgate key, or null in pass-through mode. */
    private ApiKey apiKey() {
        return key == null ? null : key.key();
    }

    // ---- request body ---------------------------------------------------------------------

    private void readJson(long length) {
        long max = ctx.settings().get(CoreSettings.MAX_BODY_BYTES);
        if (length > max) {
            fail(tooLarge(max));
            return;
        }
        Buffer body = Buffer.buffer(length > 0 ? (int) length : 4096);
        phase = Phase.BODY;
        timer.arm(ctx.settings().get(CoreSettings.CLIENT_BODY_TIMEOUT_MS));
        req.handler(chunk -> {
            if (finished) return;
            if (body.length() + chunk.length() > max) {
                fail(tooLarge(max));
                return;
            }
            body.appendBuffer(chunk);
        });
        req.endHandler(v -> {
            if (finished) return;
            timer.disarm();
            bodyRead = true;
            boolean noData = length < 0 && body.length() == 0 && req.version() == HttpVersion.HTTP_2;
            if (noData) runChain(null); // HEADERS ended the stream: no body, as with Content-Length: 0
            else onJsonBody(body);
        });
    }

    /**
     * A body without Content-Length: HTTP/1.1 frames it with chunked encoding (RequestFraming
     * refused any other coding); HTTP/2 with DATA frames, which a request with a body-carrying
     * method may send without announcing a length.
     */
    private boolean bodyWithoutLength() {
        if (req.version() != HttpVersion.HTTP_2) return req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
        HttpMethod m = req.method();
        return !req.isEnded() && (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH);
    }

    private void onJsonBody(Buffer raw) {
        // Policies that read the request get a tree; otherwise a scan validates it and keeps the
        // top-level fields (model, stream, ...), and the tree is built only if something asks.
        ex.scannedBody(raw, null);
        boolean tree = ctx.chain().readsRequest(ex) || ex.endpoint().anthropicFormat() || ex.endpoint().countTokens();
        try {
            if (tree) {
                JsonNode parsed = Json.parseRequest(raw);
                if (!(parsed instanceof ObjectNode body)) throw new IllegalArgumentException("not an object");
                ex.body(body);
            } else {
                ex.scannedBody(raw, Json.scanObject(raw));
            }
        } catch (IllegalArgumentException notObject) {
            ex.scannedBody(null, null);
            fail(ApiError.badRequest("invalid_json", "The request body must be a JSON object."));
            return;
        } catch (Exception malformed) {
            ex.scannedBody(null, null);
            boolean duplicate = malformed.getMessage() != null && malformed.getMessage().startsWith("Duplicate field");
            fail(ApiError.badRequest("invalid_json", duplicate ? "The request body gives the same key twice in one object; send each key once."
                    : "The request body is not valid JSON."));
            return;
        }
        if (ex.endpoint().anthropicFormat()) {
            // An Anthropic client: from here on the request is a chat completion like any other.
            try {
                ex.body(MessagesInbound.toOpenAi(ex.body()));
            } catch (TranslationException e) {
                fail(e.toApiError());
                return;
            }
            ex.markBodyModified();
            int q = pathAndQuery.indexOf('?');
            pathAndQuery = "/chat/completions" + (q < 0 ? "" : pathAndQuery.substring(q));
            raw = Json.toBuffer(ex.body());
        }
        JsonNode stream = ex.requestField("stream");
        ex.stream(stream != null && stream.isBoolean() && stream.booleanValue());
        if (ex.stream() && ex.endpoint().anthropicFormat()) ex.streamEncoder(AnthropicClientFormat.stream());
        runChain(raw);
    }

    /** A body the chain does not read (multipart, binary, JSON of other endpoints): streamed through. */
    private void streamUpload(long length) {
        long max = ctx.settings().get(CoreSettings.MAX_UPLOAD_BYTES);
        if (length > max) {
            fail(tooLarge(max));
            return;
        }
        if (ex.endpoint().hasModelFormField()) {
            MultipartFields form = MultipartFields.forContentType(req.getHeader(HttpHeaders.CONTENT_TYPE));
            ex.body(Json.object()); // the form's text fields, once read
            if (form != null && (ctx.chain().readsRequest(ex) || ModelGate.modelNeeded(apiKey(), rules))) {
                readFormHead(form);
                return;
            }
            ex.body(null);
        }
        req.pause();
        phase = Phase.UPLOAD;
        runChain(null);
    }

    /** Bytes of an upload held while its form fields are read; replayed ahead of the rest. */
    private Buffer heldUpload;

    /**
     * Holds a multipart upload until its text fields up to {@code model} have been read, so the
     * chain can judge the model before anything is sent upstream. The held part is bounded by
     * TOLLGATE_MAX_BODY_BYTES; the file itself is never parsed.
     */
    private void readFormHead(MultipartFields form) {
        long max = ctx.settings().get(CoreSettings.MAX_BODY_BYTES);
        Buffer held = Buffer.buffer();
        phase = Phase.BODY;
        timer.arm(ctx.settings().get(CoreSettings.CLIENT_BODY_TIMEOUT_MS));
        boolean[] decided = {false};
        req.handler(chunk -> {
            if (finished || decided[0]) return;
            held.appendBuffer(chunk);
            form.feed(chunk);
            if (form.fields().containsKey("model") || form.done()) {
                decided[0] = true;
                req.pause();
                judgeForm(form, held, false);
            } else if (held.length() > max) {
                fail(new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large", "The upload's form fields must come within the first "
                        + max + " bytes so the gateway can check them; send the 'model' field before the file.", null));
            }
        });
        req.endHandler(v -> {
            if (finished) return;
            bodyRead = true;
            if (!decided[0]) {
                decided[0] = true;
                judgeForm(form, held, true);
            }
        });
    }

    private void judgeForm(MultipartFields form, Buffer held, boolean whole) {
        timer.disarm();
        ApiError unclear = formRefusal(form);
        if (unclear != null) {
            fail(unclear);
            return;
        }
        form.fields().forEach((name, value) -> ex.body().put(name, value));
        judgedForm = form;
        if (whole) {
            ex.markBodyForwardedAsIs();
            runChain(held); // the whole upload is in hand: sent as one replayable body
        } else {
            heldUpload = held;
            phase = Phase.UPLOAD;
            runChain(null);
        }
    }

    /** The form whose fields were judged; the rest of the upload is still read through it. */
    private MultipartFields judgedForm;

    /** A form that repeats a field, or cannot be followed to its end, is not judged by one reading of it. */
    private static ApiError formRefusal(MultipartFields form) {
        if (form.repeated() != null) {
            return ApiError.badRequest("invalid_form", "The form gives the field '" + ApiError.clip(form.repeated())
                    + "' more than once; send each field once.");
        }
        if (form.unreadable()) return ApiError.badRequest("invalid_form", "The form's part headers are too large to read.");
        return null;
    }

    /** The rest of a judged upload, read as it is forwarded: a field repeated after the judgement stops it. */
    private boolean uploadStillJudged(Buffer chunk) {
        if (judgedForm == null) return true;
        judgedForm.feed(chunk);
        ApiError unclear = formRefusal(judgedForm);
        if (unclear == null) return true;
        if (call != null) call.cancel(); // the upstream never receives a complete request
        fail(unclear);
        return false;
    }

    // ---- chain and upstream ---------------------------------------------------------------

    private void runChain(Buffer rawBody) {
        ApiError judged = ModelGate.check(ex, apiKey(), rules);
        if (judged == null) judged = ctx.access().checkNumbers(ex);
        if (judged != null) {
            fail(judged);
            return;
        }
        admission = ctx.access().admit(ex, key, clientIp(), rawBody == null ? 0 : rawBody.length());
        if (admission.error() != null) {
            Admission refused = admission;
            admission = null; // nothing held: nothing to release
            fail(refused.error(), refused.headers());
            return;
        }
        ChainRunner chain = ctx.chain();
        chain.onRequest(ex).onComplete(ar -> {
            if (finished) return;
            ApiError error = ar.succeeded() ? ar.result() : new ApiError(500, "server_error", "internal_error",
                    "The gateway failed to process the request.", null);
            if (error != null) {
                fail(error);
                return;
            }
            if (ex.localAnswer() != null) {
                answerLocally(ex.localAnswer());
                return;
            }
            Buffer body = rawBody == null ? null : ex.bodyModified() && !ex.bodyForwardedAsIs() ? Json.toBuffer(ex.body()) : rawBody;
            if (ex.endpoint().countTokens()) countTokens(body);
            else callUpstream(body);
        });
    }

    /**
     * Decides where the request goes. Without a models list (and no Azure resource) it is the
     * plain pass-through to LLM_API_BASE_PATH; otherwise the router's plan: deployments in order,
     * falling back to the next while nothing has reached the caller.
     */
    private void callUpstream(Buffer body) {
        String azureResource = HeaderOverrides.control(req.headers(), "azure-resource");
        String azureDeployment = HeaderOverrides.control(req.headers(), "azure-deployment");
        if (azureDeployment != null && !AzureResources.validDeployment(azureDeployment.trim())) {
            fail(ApiError.badRequest("invalid_header_value", "Header x-tollgate-azure-deployment: not a valid Azure deployment name ("
                    + AzureResources.DEPLOYMENT_RULE + ")."));
            return;
        }
        if (azureResource != null) {
            Deployment d = ctx.router().headerAzure(azureResource.trim(), azureDeployment == null ? null : azureDeployment.trim());
            if (d == null) {
                fail(new ApiError(403, "permission_error", "azure_resource_not_allowed", "The Azure resource named in the "
                        + "x-tollgate-azure-resource header is not in this gateway's allow-list (TOLLGATE_AZURE_RESOURCES).", null));
                return;
            }
            attempts = List.of(d);
        } else if (ctx.router().routed()) {
            Router.Plan plan = ctx.router().plan(ex.model());
            if (plan.attempts().isEmpty()) {
                fail(new ApiError(404, ApiError.INVALID_REQUEST, "model_not_found", "The model '" + ApiError.clip(ex.model())
                        + "' does not exist or you do not have access to it.", "model"));
                return;
            }
            attempts = plan.attempts();
        }
        upstreamBody = body;
        if (attempts == null) {
            callDeployment(null);
        } else {
            nextAttempt();
        }
    }

    /** Deployments of this request's plan, or null on the plain pass-through path. */
    private List<Deployment> attempts;
    private int attemptIndex;
    private Buffer upstreamBody;
    private Deployment deployment;
    private AnswerTranslator translator;

    /** Tries the next deployment that may take a request now; false when none is left. */
    private boolean nextAttempt() {
        DeploymentHealth health = ctx.router().health();
        while (attemptIndex < attempts.size()) {
            Deployment d = attempts.get(attemptIndex++);
            boolean last = attemptIndex >= attempts.size();
            if (health.tryUse(d) || last && ex.attempted().isEmpty()) {
                callDeployment(d);
                return true;
            }
            ex.attempt(d.id(), "cooling down");
        }
        return false;
    }

    private boolean canFallBack() {
        return attempts != null && attemptIndex < attempts.size() && phase != Phase.UPLOAD && !finished;
    }

    private void callDeployment(Deployment d) {
        Settings s = ex.settings();
        MultiMap headers;
        String uri;
        Buffer body = upstreamBody;
        this.deployment = d;
        this.translator = null;
        if (d == null) {
            headers = upstreamHeaders(s);
            uri = ctx.upstream().uri(pathAndQuery);
        } else {
            CallContext call = new CallContext(ex, req.headers(), upstreamBody, pathAndQuery, ctx.access().keyMode(),
                    s.get(CoreSettings.OPENAI_ORGANIZATION), s.get(CoreSettings.OPENAI_PROJECT));
            try {
                ProviderAdapter adapter = ctx.providers().of(d.provider());
                UpstreamRequest r = adapter.request(call, d);
                translator = adapter.answers(call, d);
                headers = r.headers();
                uri = r.uri();
                body = r.body();
            } catch (TranslationException e) {
                fail(e.toApiError());
                return;
            }
        }
        LimitedUpload upload = null;
        if (phase == Phase.UPLOAD) {
            String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (cl != null) headers.set(HttpHeaders.CONTENT_LENGTH, cl);
            long idleMs = s.get(CoreSettings.CLIENT_BODY_TIMEOUT_MS);
            upload = new LimitedUpload(req, s.get(CoreSettings.MAX_UPLOAD_BYTES), () -> timer.arm(idleMs), this::onUploadTooLarge,
                    () -> { bodyRead = true; phase = Phase.UPSTREAM; timer.disarm(); }, heldUpload, this::onRequestError,
                    this::uploadStillJudged);
            timer.arm(idleMs);
        }
        call = new UpstreamCall(loop.vertx(), loop.client(), d == null ? ctx.upstream() : d.target(), ctx.retryPolicy(), loop.deadlines(), ex,
                req.method(), uri, headers, body, upload,
                s.get(CoreSettings.RETRY_COUNT), s.get(CoreSettings.UPSTREAM_CONNECT_TIMEOUT_MS),
                s.get(CoreSettings.UPSTREAM_FIRST_BYTE_TIMEOUT_MS));
        if (upload == null) phase = Phase.UPSTREAM;
        call.start().onComplete(ar -> {
            if (finished) {
                if (ar.succeeded()) ar.result().request().reset();
                return;
            }
            if (ar.succeeded()) {
                HttpClientResponse up = ar.result();
                if (d != null) {
                    boolean failed = RetryPolicy.retryableStatus(up.statusCode());
                    if (failed) ctx.router().health().failure(d); else ctx.router().health().success(d);
                    ex.attempt(d.id(), Integer.toString(up.statusCode()));
                    if (failed && canFallBack()) {
                        // Read and drop this deployment's failure; nothing has reached the caller yet.
                        up.pause();
                        up.body().onComplete(ignored -> { if (!finished && !nextAttempt()) relayLastFailure(); });
                        up.resume();
                        return;
                    }
                }
                relay(up);
                return;
            }
            UpstreamCall.Failure f = ar.cause() instanceof UpstreamCall.CallFailed cf ? cf.failure : UpstreamCall.Failure.UNREACHABLE;
            if (d != null && f != UpstreamCall.Failure.CANCELLED) {
                ctx.router().health().failure(d);
                ex.attempt(d.id(), f == UpstreamCall.Failure.TIMEOUT ? "timeout" : "unreachable");
                if (canFallBack() && nextAttempt()) return;
            }
            ex.upstreamEnded();
            switch (f) {
                case TIMEOUT -> fail(new ApiError(504, "upstream_error", "upstream_timeout", "The upstream API did not answer in time.", null));
                case UNREACHABLE -> fail(ApiError.badGateway("upstream_unreachable", "The upstream API could not be reached."));
                case CANCELLED -> { }
            }
        });
    }

    // ---- POST /v1/messages/count_tokens ----------------------------------------------------

    /**
     * Anthropic's token count, once the request has passed the model rules, admission and the
     * chain: the model's Anthropic or Gemini deployments count it (attempts and fallback as for
     * any call; their adapters build the count request), else the gateway's tokenizer does.
     */
    private void countTokens(Buffer body) {
        List<Deployment> planned = List.of();
        if (ctx.router().routed() && HeaderOverrides.control(req.headers(), "azure-resource") == null) {
            planned = ctx.router().plan(ex.model()).attempts();
            if (planned.isEmpty()) {
                callUpstream(body); // the model_not_found refusal, as for /v1/messages
                return;
            }
        }
        CountTokens.Plan plan;
        try {
            plan = CountTokens.plan(planned, ex.body());
        } catch (TranslationException e) {
            fail(e.toApiError());
            return;
        }
        if (plan.prompt() != null) ex.body(plan.prompt()); // what Gemini and the tokenizer read; Anthropic gets the body as sent
        if (!plan.deployments().isEmpty()) {
            attempts = plan.deployments();
            upstreamBody = body;
            nextAttempt();
            return;
        }
        String model = ex.model();
        ex.offload(() -> CountTokens.estimate(model, plan.prompt())).onComplete(ar -> {
            if (finished) return;
            if (ar.failed()) {
                fail(new ApiError(500, "server_error", "internal_error", "The gateway failed to count the prompt's tokens.", null));
                return;
            }
            ex.status(200);
            resp.headers().set("x-request-id", ex.requestId());
            ctx.cors().decorate(req.headers(), resp.headers());
            if (admission != null && admission.headers() != null) resp.headers().setAll(admission.headers());
            resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
            resp.setStatusCode(200).end(CountTokens.answer(ar.result()));
            finish();
        });
    }

    /** Every deployment that could be tried failed with a retryable status that was already read. */
    private void relayLastFailure() {
        ex.upstreamEnded();
        fail(new ApiError(503, "upstream_error", "all_deployments_failed",
                "Every deployment of this model failed or is cooling down; try again shortly.", null));
    }

    /** GET /v1/models with a models list: the models (and aliases) this caller may use, answered by the gateway. */
    private void listModels() {
        ex.status(200);
        resp.putHeader("x-request-id", ex.requestId());
        ctx.cors().decorate(req.headers(), resp.headers());
        Replies.json(req, 200, Json.toString(ModelList.of(ctx.router(), key == null ? null : key.key())));
        finish();
    }

    private boolean filtersModelList() {
        return key != null && key.key().allowedModels() != null && req.method() == HttpMethod.GET && ex.endpoint().apiPath().equals("/models");
    }

    // ---- response -------------------------------------------------------------------------

    /** A policy answered in place of the upstream: the answer still runs the response phases. */
    private void answerLocally(ObjectNode answer) {
        bodyRead = true;
        ex.status(200);
        resp.setStatusCode(200);
        resp.headers().set("x-request-id", ex.requestId());
        ctx.cors().decorate(req.headers(), resp.headers());
        if (admission != null && admission.headers() != null) resp.headers().setAll(admission.headers());
        if (ex.stream()) {
            resp.putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            resp.setChunked(true);
            ChainedStreamWriter writer = new ChainedStreamWriter(ex, ctx.chain(), resp);
            for (StreamChunk chunk : AnswerStream.of(ex.endpoint().kind(), answer, AnswerStream.wantsUsage(ex.body()))) {
                if (!writer.write(chunk)) {
                    finish();
                    return;
                }
            }
            resp.end();
        } else {
            ChainRunner.ResponseResult r = ctx.chain().onResponse(ex, answer);
            if (r.error() != null) {
                fail(r.error());
                return;
            }
            resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
            resp.end(toCaller(200, Json.toBuffer(r.body())));
        }
        finish();
    }

    private void relay(HttpClientResponse up) {
        this.upstream = up;
        int status = up.statusCode();
        ex.status(status);
        ex.upstreamStatus(status);
        resp.setStatusCode(status);
        ForwardedHeaders.toClient(up.headers(), resp.headers());
        boolean ok = status >= 200 && status < 300;
        ctx.scrubber().scrubHeaders(resp.headers(), !ok);
        applyRequestId(resp.headers().get("x-request-id")); // the upstream's, as relayed (scrubbed)
        ctx.cors().decorate(req.headers(), resp.headers());
        // The caller's limits are the gateway's, not those of the provider key behind it.
        if (admission != null && admission.headers() != null) resp.headers().setAll(admission.headers());

        String contentType = up.getHeader(HttpHeaders.CONTENT_TYPE);
        long idleMs = ex.settings().get(CoreSettings.UPSTREAM_STREAM_IDLE_TIMEOUT_MS);
        boolean sse = contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17);
        if (translator != null && sse && ok) {
            phase = Phase.DONE;
            resp.headers().set(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            relay = new StreamRelay(ex, ctx.chain(), up, resp, loop.deadlines(), idleMs, this::finish, ctx.scrubber(), translator.stream());
            relay.start();
        } else if (translator != null) {
            bufferTranslated(up, idleMs);
        } else if (!ok) {
            // Any error answer is read whole, whatever its type, so the gateway's credentials can be scrubbed from it.
            readWhole(up, idleMs, (held, chunk) -> upstreamBroken("The upstream's error answer is larger than this gateway relays."), body -> {
                if (encoded(up)) {
                    // Compressed bytes cannot be searched for a key: the caller gets the status, not the unchecked body.
                    fail(ApiError.badGateway("upstream_error_unreadable", "The upstream answered HTTP " + status
                            + " with a compressed body the gateway cannot check for credentials."));
                    return;
                }
                onJsonResponse(status, body);
            });
        } else if (sse) {
            phase = Phase.DONE;
            relay = new StreamRelay(ex, ctx.chain(), up, resp, loop.deadlines(), idleMs, this::finish, ctx.scrubber(), null);
            relay.start();
        } else if ((ex.endpoint().kind() != Endpoint.Kind.OTHER || filtersModelList()) && isJson(contentType)
                && parseLength(up.getHeader(HttpHeaders.CONTENT_LENGTH)) <= ex.settings().get(CoreSettings.MAX_RESPONSE_BYTES)) {
            bufferJson(up, idleMs);
        } else {
            pipe(up, idleMs);
        }
    }

    private void applyRequestId(String upstreamId) {
        if (ex.clientSentRequestId()) {
            resp.headers().set("x-request-id", ex.requestId());
            if (upstreamId != null) resp.headers().set("x-upstream-request-id", upstreamId);
        } else if (upstreamId != null) {
            ex.requestId(upstreamId);
        } else {
            resp.headers().set("x-request-id", ex.requestId());
        }
    }

    private void bufferJson(HttpClientResponse up, long idleMs) {
        readWhole(up, idleMs, (held, chunk) -> {
            // Too large to inspect: relay what we have and the rest unread, like any other body.
            resp.setChunked(true);
            resp.write(held);
            pipe(up, idleMs);
            resp.write(chunk);
        }, body -> onJsonResponse(up.statusCode(), body));
    }

    /** A provider's whole answer (or error), translated to OpenAI's format before the chain reads it. */
    private void bufferTranslated(HttpClientResponse up, long idleMs) {
        readWhole(up, idleMs, (held, chunk) -> upstreamBroken("The provider's answer is larger than this gateway translates."), body -> {
            AnswerTranslator.Whole w;
            try {
                w = translator.whole(up.statusCode(), body);
            } catch (RuntimeException malformed) {
                fail(ApiError.badGateway("upstream_malformed", "The provider's answer could not be read."));
                return;
            }
            ex.status(w.status());
            ex.upstreamStatus(w.status());
            resp.setStatusCode(w.status());
            resp.headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
            onJsonResponse(w.status(), w.body());
        });
    }

    /**
     * Reads an upstream body whole (up to TOLLGATE_MAX_RESPONSE_BYTES, each chunk re-arming the idle
     * deadline). Past the limit {@code tooLarge} gets what was held and the chunk that overflowed.
     */
    private void readWhole(HttpClientResponse up, long idleMs, java.util.function.BiConsumer<Buffer, Buffer> tooLarge,
                           java.util.function.Consumer<Buffer> done) {
        long max = ex.settings().get(CoreSettings.MAX_RESPONSE_BYTES);
        Buffer body = Buffer.buffer();
        boolean[] overflowed = {false};
        phase = Phase.RESPONSE_BODY;
        timer.arm(idleMs);
        up.handler(chunk -> {
            timer.arm(idleMs);
            if (overflowed[0]) return;
            if (body.length() + chunk.length() > max) {
                overflowed[0] = true;
                tooLarge.accept(body, chunk);
                return;
            }
            body.appendBuffer(chunk);
        });
        up.exceptionHandler(e -> upstreamBroken("The upstream connection failed before the response was complete."));
        up.endHandler(v -> {
            if (finished || overflowed[0]) return;
            timer.disarm();
            ex.upstreamEnded();
            done.accept(body);
        });
    }

    private void onJsonResponse(int status, Buffer raw) {
        boolean ok = status >= 200 && status < 300;
        // An error's words are the upstream's and may echo the gateway's key; an answer is relayed byte-exact.
        if (!ok) raw = ctx.scrubber().scrubBody(raw);
        if (ok && filtersModelList()) raw = ModelList.allowedOnly(raw, key.key());
        if (ok && ex.settings().get(UsageAccountingPolicy.USAGE_ACCOUNTING)) {
            ResponseSummary summary = ResponseSummary.scan(raw);
            ex.responseIdentity(summary.id(), summary.model());
            if (summary.usage() != null) ex.usage(summary.usage());
            else ex.completionText(UsageAccountingPolicy.answerText(raw));
        }
        if (!ok || !ctx.chain().readsResponse(ex)) {
            if (status >= 400) ex.errorMessage(upstreamErrorMessage(raw, upstream == null ? null : upstream.getHeader(HttpHeaders.CONTENT_TYPE)));
            resp.end(toCaller(status, raw));
            finish();
            return;
        }
        JsonNode parsed = null;
        try {
            parsed = Json.parse(raw);
        } catch (Exception ignored) {
            // not JSON after all: relayed as it came
        }
        if (parsed instanceof ObjectNode body) {
            ChainRunner.ResponseResult r = ctx.chain().onResponse(ex, body);
            if (r.error() != null) {
                fail(r.error());
                return;
            }
            resp.end(toCaller(status, r.modified() ? Json.toBuffer(r.body()) : raw));
        } else {
            resp.end(toCaller(status, raw));
        }
        finish();
    }

    private static boolean encoded(HttpClientResponse up) {
        String ce = up.getHeader(HttpHeaders.CONTENT_ENCODING);
        return ce != null && !ce.isBlank() && !ce.trim().equalsIgnoreCase("identity");
    }

    /** The upstream's own words for the log: its JSON error message, or the text of a text answer. */
    private static String upstreamErrorMessage(Buffer raw, String contentType) {
        JsonNode parsed = Json.parseOrNull(raw);
        String msg = parsed == null ? null : Json.text(parsed.path("error"), "message");
        if (msg == null && parsed == null && contentType != null && contentType.regionMatches(true, 0, "text/", 0, 5)) {
            msg = raw.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        }
        if (msg == null || msg.isEmpty()) return "upstream error";
        return msg.length() > 500 ? msg.substring(0, 500) + "…" : msg;
    }

    /** Any other body (audio, files, unknown types): bytes through, with back-pressure. */
    private void pipe(HttpClientResponse up, long idleMs) {
        String length = up.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (!resp.isChunked()) {
            if (length != null && parseLength(length) >= 0) resp.putHeader(HttpHeaders.CONTENT_LENGTH, length);
            else resp.setChunked(true);
        }
        phase = Phase.RESPONSE_BODY;
        timer.arm(idleMs);
        up.handler(chunk -> {
            timer.arm(idleMs);
            resp.write(chunk);
            if (resp.writeQueueFull()) {
                up.pause();
                resp.drainHandler(v -> up.resume());
            }
        });
        up.exceptionHandler(e -> upstreamBroken("The upstream connection failed before the response was complete."));
        up.endHandler(v -> {
            if (finished) return;
            timer.disarm();
            ex.upstreamEnded();
            resp.end();
            finish();
        });
    }

    /** The upstream failed after its headers were relayed: the caller must not see a clean end. */
    private void upstreamBroken(String message) {
        if (finished) return;
        timer.disarm();
        ex.upstreamEnded();
        ex.errorMessage(message);
        if (upstream != null) upstream.request().reset();
        if (!resp.headWritten()) {
            fail(ApiError.badGateway("upstream_incomplete", message));
            return;
        }
        resp.reset();
        finish();
    }

    // ---- endings --------------------------------------------------------------------------

    private void onTimeout() {
        if (finished) return;
        switch (phase) {
            case BODY, UPLOAD -> {
                if (call != null) call.cancel();
                fail(new ApiError(408, ApiError.INVALID_REQUEST, "request_timeout", "The request body was not received in time.", null));
            }
            case RESPONSE_BODY -> upstreamBroken("The upstream stopped sending the response.");
            default -> { }
        }
    }

    private void onUploadTooLarge() {
        if (finished) return;
        if (call != null) call.cancel();
        fail(tooLarge(ex.settings().get(CoreSettings.MAX_UPLOAD_BYTES)));
    }

    /** The request stream failed: a malformed chunked body gets its 400; anything else means the client left. */
    private void onRequestError(Throwable e) {
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

    private void onClientGone() {
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
    void fail(ApiError error) {
        fail(error, null);
    }

    private void fail(ApiError error, MultiMap headers) {
        if (finished) return;
        ex.status(error.status());
        ex.errorMessage(error.message());
        Replies.error(req, ctx.cors(), ex.requestId(), error, !bodyRead, headers, toCaller(error.status(), error.toBuffer()));
        finish();
    }

    /** A whole body in the caller's API format: OpenAI's as it is, Anthropic's for /v1/messages (and its count_tokens). */
    private Buffer toCaller(int status, Buffer openAi) {
        if (ex.endpoint().countTokens()) return AnthropicClientFormat.countTokensBody(status, openAi);
        return ex.endpoint().anthropicFormat() ? AnthropicClientFormat.body(status, openAi) : openAi;
    }

    private void finish() {
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
            ctx.access().complete(ex, admission);
        } catch (RuntimeException e) {
            LOG.error("accounting failed for request {}: {}", ex.requestId(), e.toString());
        }
        RequestLog.write(ex);
    }

    /** The headers sent upstream: in key mode the caller's own credentials never leave. */
    private MultiMap upstreamHeaders(Settings s) {
        return ForwardedHeaders.toUpstream(req.headers(), s.get(CoreSettings.OPENAI_API_KEY),
                s.get(CoreSettings.OPENAI_ORGANIZATION), s.get(CoreSettings.OPENAI_PROJECT), ctx.access().keyMode());
    }

    private String clientIp() {
        return ctx.access().clientIp(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(), req.getHeader("x-forwarded-for"));
    }

    // ---- helpers --------------------------------------------------------------------------

    private static ApiError tooLarge(long max) {
        return new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large",
                "The request body is larger than this gateway accepts (" + max + " bytes).", null);
    }

    /** -1 when absent, -2 when malformed. */
    static long parseLength(String value) {
        if (value == null) return -1;
        try {
            long v = Long.parseLong(value.trim());
            return v < 0 ? -2 : v;
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    static boolean isJson(String contentType) {
        if (contentType == null) return false;
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
        return type.equalsIgnoreCase("application/json") || (type.length() > 5 && type.regionMatches(true, type.length() - 5, "+json", 0, 5));
    }
}
