package dev.tollgate.server;

import dev.tollgate.api.ApiError;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.HeaderOverrides;
import dev.tollgate.config.Settings;
import dev.tollgate.upstream.UpstreamCall;
import dev.tollgate.upstream.UpstreamTarget;
import dev.tollgate.upstream.RetryPolicy;
import dev.tollgate.provider.AnswerTranslator;
import dev.tollgate.provider.azure.AzureResources;
import dev.tollgate.provider.CallContext;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.DeploymentHealth;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.Router;
import dev.tollgate.api.TranslationException;
import dev.tollgate.provider.ThinkingParameter;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.provider.responses.ResponsesOverChat;
import java.util.List;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;

/**
 * Where a request goes: the plain pass-through upstream, an Azure resource named by header, or the
 * router's deployments in order, falling back to the next while nothing has reached the caller.
 */
final class UpstreamAttempts {

    private final ProxyRequest proxy;

    UpstreamAttempts(ProxyRequest proxy) {
        this.proxy = proxy;
    }

    /** Decides where: without a models list (or Azure resource) LLM_API_BASE_PATH, else the router's plan in order. */
    void callUpstream(Buffer body) {
        String azureResource = HeaderOverrides.control(proxy.req.headers(), "azure-resource");
        String azureDeployment = HeaderOverrides.control(proxy.req.headers(), "azure-deployment");
        if (azureDeployment != null && !AzureResources.validDeployment(azureDeployment.trim())) {
            proxy.fail(ApiError.badRequest("invalid_header_value", "Header x-tollgate-azure-deployment: not a valid Azure deployment name ("
                    + AzureResources.DEPLOYMENT_RULE + ")."));
            return;
        }
        if (azureResource != null) {
            Deployment d = proxy.gen.router().headerAzure(azureResource.trim(), azureDeployment == null ? null : azureDeployment.trim());
            if (d == null) {
                proxy.fail(new ApiError(403, "permission_error", "azure_resource_not_allowed", "The Azure resource named in the "
                        + "x-tollgate-azure-resource header is not in this gateway's allow-list (TOLLGATE_AZURE_RESOURCES).", null));
                return;
            }
            attempts = List.of(d);
        } else if (proxy.gen.router().routed()) {
            Router.Plan plan = proxy.gen.router().plan(proxy.ex.model());
            if (plan.attempts().isEmpty()) {
                proxy.fail(new ApiError(404, ApiError.INVALID_REQUEST, "model_not_found", "The model '" + ApiError.clip(proxy.ex.model())
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
    List<Deployment> attempts;
    int attemptIndex;
    Buffer upstreamBody;
    Deployment deployment;
    AnswerTranslator translator;
    /** The last call made: when it started, and how it failed (error.type; null when it answered 2xx/3xx). */
    long callStartNanos;
    String callError;

    /** Tries the next deployment that may take a request now; false when none is left. */
    boolean nextAttempt() {
        DeploymentHealth health = proxy.gen.router().health();
        while (attemptIndex < attempts.size()) {
            Deployment d = attempts.get(attemptIndex++);
            boolean last = attemptIndex >= attempts.size();
            if (health.tryUse(d) || last && proxy.ex.attempted().isEmpty()) {
                callDeployment(d);
                return true;
            }
            proxy.ex.attempt(d.id(), "cooling down");
        }
        return false;
    }

    boolean canFallBack() {
        return attempts != null && attemptIndex < attempts.size() && proxy.phase != ProxyRequest.Phase.UPLOAD && !proxy.finished;
    }

    void callDeployment(Deployment d) {
        Settings s = proxy.ex.settings();
        MultiMap headers;
        String uri;
        Buffer body = upstreamBody;
        this.deployment = d;
        this.translator = null;
        if (d == null) {
            headers = proxy.upstreamHeaders(s);
            uri = proxy.ctx.upstream().uri(proxy.pathAndQuery);
            if (body != null) body = ThinkingParameter.forOpenAiStyle(proxy.ex, body); // an OpenAI-style upstream
        } else {
            CallContext attempt = new CallContext(proxy.ex, proxy.req.headers(), upstreamBody, proxy.pathAndQuery, proxy.ctx.access().keyMode(),
                    s.get(CoreSettings.OPENAI_ORGANIZATION), s.get(CoreSettings.OPENAI_PROJECT));
            try {
                // A Responses request to a provider that speaks only chat is translated per attempt.
                ProviderAdapter adapter = ResponsesOverChat.forAttempt(proxy.ctx.providers().of(d.provider()), attempt);
                UpstreamRequest r = adapter.request(attempt, d);
                translator = adapter.answers(attempt, d);
                headers = r.headers();
                uri = r.uri();
                body = r.body();
            } catch (TranslationException e) {
                proxy.fail(e.toApiError());
                return;
            }
        }
        LimitedUpload upload = null;
        if (proxy.phase == ProxyRequest.Phase.UPLOAD) {
            String cl = proxy.req.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (cl != null) headers.set(HttpHeaders.CONTENT_LENGTH, cl);
            long idleMs = s.get(CoreSettings.CLIENT_BODY_TIMEOUT_MS);
            upload = new LimitedUpload(proxy.req, s.get(CoreSettings.MAX_UPLOAD_BYTES), () -> proxy.timer.arm(idleMs), proxy::onUploadTooLarge,
                    () -> { proxy.bodyRead = true; proxy.phase = ProxyRequest.Phase.UPSTREAM; proxy.timer.disarm(); }, proxy.reader.heldUpload, proxy::onRequestError,
                    proxy.reader::uploadStillJudged);
            proxy.timer.arm(idleMs);
        }
        UpstreamTarget target = d == null ? proxy.ctx.upstream() : d.target();
        proxy.call = new UpstreamCall(proxy.loop.vertx(), proxy.loop.client(), target, proxy.ctx.retryPolicy(), proxy.loop.deadlines(), proxy.ex,
                proxy.req.method(), uri, headers, body, upload,
                s.get(CoreSettings.RETRY_COUNT), s.get(CoreSettings.UPSTREAM_CONNECT_TIMEOUT_MS),
                s.get(CoreSettings.UPSTREAM_FIRST_BYTE_TIMEOUT_MS), CallSpans.attempts(proxy, d, target, uri));
        if (upload == null) proxy.phase = ProxyRequest.Phase.UPSTREAM;
        long start = callStartNanos = System.nanoTime();
        int attemptsBefore = proxy.ex.attempts();
        callError = null;
        proxy.call.start().onComplete(ar -> {
            proxy.ctx.metrics().retried(d == null ? null : d.id(), proxy.ex.attempts() - attemptsBefore - 1);
            if (proxy.finished) {
                if (ar.succeeded()) ar.result().request().reset();
                return;
            }
            if (ar.succeeded()) {
                HttpClientResponse up = ar.result();
                if (up.statusCode() >= 400) callError = Integer.toString(up.statusCode());
                if (d != null) {
                    boolean failed = RetryPolicy.retryableStatus(up.statusCode());
                    if (failed) proxy.gen.router().health().failure(d); else proxy.gen.router().health().success(d);
                    proxy.ex.attempt(d.id(), Integer.toString(up.statusCode()));
                    if (failed && canFallBack()) {
                        // Read and drop this deployment's failure; nothing has reached the caller yet.
                        up.pause();
                        up.body().onComplete(ignored -> { if (!proxy.finished && !fellBack(d, start, callError)) relayLastFailure(); });
                        up.resume();
                        return;
                    }
                }
                proxy.answers.relay(up);
                return;
            }
            UpstreamCall.Failure f = ar.cause() instanceof UpstreamCall.CallFailed cf ? cf.failure : UpstreamCall.Failure.UNREACHABLE;
            callError = f == UpstreamCall.Failure.TIMEOUT ? "timeout" : f == UpstreamCall.Failure.CANCELLED ? "cancelled" : "unreachable";
            if (d != null && f != UpstreamCall.Failure.CANCELLED) {
                proxy.gen.router().health().failure(d);
                proxy.ex.attempt(d.id(), callError);
                if (canFallBack() && fellBack(d, start, callError)) return;
            }
            proxy.ex.upstreamEnded();
            switch (f) {
                case TIMEOUT -> proxy.fail(new ApiError(504, "upstream_error", "upstream_timeout", "The upstream API did not answer in time.", null));
                case UNREACHABLE -> proxy.fail(ApiError.badGateway("upstream_unreachable", "The upstream API could not be reached."));
                case CANCELLED -> { }
            }
        });
    }

    /**
     * Anthropic's token count ({@code POST /v1/messages/count_tokens}), once the request has passed
     * the model rules, admission and the chain: the model's Anthropic or Gemini deployments count it
     * (attempts and fallback as for any call; their adapters build the count request), else the
     * gateway's tokenizer does, on the worker pool.
     */
    void countTokens(Buffer body) {
        List<Deployment> planned = List.of();
        if (proxy.gen.router().routed() && HeaderOverrides.control(proxy.req.headers(), "azure-resource") == null) {
            planned = proxy.gen.router().plan(proxy.ex.model()).attempts();
            if (planned.isEmpty()) {
                callUpstream(body); // the model_not_found refusal, as for /v1/messages
                return;
            }
        }
        CountTokens.Plan plan;
        try {
            plan = CountTokens.plan(planned, proxy.ex.body());
        } catch (TranslationException e) {
            proxy.fail(e.toApiError());
            return;
        }
        if (plan.prompt() != null) proxy.ex.body(plan.prompt()); // what Gemini and the tokenizer read; Anthropic gets the body as sent
        if (!plan.deployments().isEmpty()) {
            attempts = plan.deployments();
            upstreamBody = body;
            nextAttempt();
            return;
        }
        String model = proxy.ex.model();
        proxy.ex.offload(() -> CountTokens.estimate(model, plan.prompt())).onComplete(ar -> {
            if (proxy.finished) return;
            if (ar.failed()) {
                proxy.fail(new ApiError(500, "server_error", "internal_error", "The gateway failed to count the prompt's tokens.", null));
                return;
            }
            proxy.ownAnswers.answerDirectly(CountTokens.answer(ar.result()));
        });
    }

    /** Moves on to the next deployment after {@code failed}'s call failed; its call is then one failed GenAI operation. */
    private boolean fellBack(Deployment failed, long start, String error) {
        long end = System.nanoTime();
        boolean next = nextAttempt();
        if (next) proxy.ctx.metrics().upstreamCallFailed(proxy.ex, failed.provider().id(), start, end, error, failed.id());
        return next;
    }

    /** The request ended: its metrics, with the last upstream call (the one that served it). */
    void recordEnd() {
        proxy.ctx.metrics().requestEnded(proxy.ex, callStartNanos == 0 ? null : deployment == null ? "openai" : deployment.provider().id(),
                callStartNanos, callError, System.nanoTime());
    }

    /** Every deployment that could be tried failed with a retryable status that was already read. */
    void relayLastFailure() {
        proxy.ex.upstreamEnded();
        proxy.fail(new ApiError(503, "upstream_error", "all_deployments_failed",
                "Every deployment of this model failed or is cooling down; try again shortly.", null));
    }
}
