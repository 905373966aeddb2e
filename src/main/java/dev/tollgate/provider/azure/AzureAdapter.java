package dev.tollgate.provider.azure;

import dev.tollgate.provider.CallContext;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ThinkingParameter;
import io.vertx.core.buffer.Buffer;
import dev.tollgate.api.TranslationException;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.upstream.ForwardedHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Azure OpenAI: {@code /openai/deployments/{deployment}/{operation}?api-version=…} on the
 * resource's host, the bare key in an {@code api-key} header. The body is OpenAI's (Azure ignores
 * {@code model}: the deployment decides).
 */
public final class AzureAdapter implements ProviderAdapter {

    /** Operations Azure serves per deployment. */
    static final Set<String> OPERATIONS = Set.of("/chat/completions", "/completions", "/embeddings", "/images/generations",
            "/audio/transcriptions", "/audio/translations", "/audio/speech", "/responses");

    private final Map<String, String> deploymentsByModel;

    /** {@code deploymentsByModel}: TOLLGATE_AZURE_DEPLOYMENTS, for deployments that name none of their own. */
    public AzureAdapter(Map<String, String> deploymentsByModel) {
        this.deploymentsByModel = deploymentsByModel;
    }

    @Override
    public boolean speaksResponses() {
        return true;
    }

    @Override
    public UpstreamRequest request(CallContext call, Deployment d) {
        String pathAndQuery = call.apiPathAndQuery();
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        if (!OPERATIONS.contains(path)) {
            throw new TranslationException(null, "The endpoint /v1" + path + " is not available on Azure OpenAI deployments.");
        }
        String model = call.ex().model();
        String deployment = d.upstreamModel() != null ? d.upstreamModel()
                : model != null && deploymentsByModel.containsKey(model) ? deploymentsByModel.get(model) : model;
        if (deployment == null) throw new TranslationException("model", "An Azure OpenAI request needs a model (the deployment name).");
        if (!AzureResources.validDeployment(deployment)) {
            // Configured names were checked at start-up; this is a requested model standing in for one.
            throw TranslationException.invalid("model", "The model name is not a valid Azure deployment name ("
                    + AzureResources.DEPLOYMENT_RULE + ").");
        }
        StringBuilder uri = new StringBuilder(d.target().basePath()).append("/openai/deployments/")
                .append(URLEncoder.encode(deployment, StandardCharsets.UTF_8)).append(path)
                .append("?api-version=").append(URLEncoder.encode(d.apiVersion(), StandardCharsets.UTF_8));
        if (q >= 0 && q + 1 < pathAndQuery.length()) uri.append('&').append(pathAndQuery.substring(q + 1));
        MultiMap headers = ForwardedHeaders.toUpstream(call.callerHeaders(), null, call.organization(), call.project(), true);
        String key = d.credential() != null ? d.credential() : call.keyMode() ? null : callerKey(call.callerHeaders());
        if (key != null) headers.set("api-key", key);
        // Azure OpenAI, like OpenAI, rejects Anthropic's 'thinking'.
        Buffer body = call.body() == null ? null : ThinkingParameter.forOpenAiStyle(call.ex(), call.body());
        return new UpstreamRequest(uri.toString(), headers, body);
    }

    /** Pass-through without a gateway key (the seeds' behaviour): the caller's own Azure key, from its Bearer token or api-key. */
    private static String callerKey(MultiMap h) {
        String apiKey = h.get("api-key");
        if (apiKey != null) return apiKey;
        return ForwardedHeaders.bearerToken(h.get(HttpHeaders.AUTHORIZATION));
    }
}
