package dev.tollgate.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.provider.CallContext;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ThinkingParameter;
import dev.tollgate.provider.UpstreamRequest;
import dev.tollgate.upstream.ForwardedHeaders;
import io.vertx.core.buffer.Buffer;

/** OpenAI and every OpenAI-compatible server: the request passes as it is, with the deployment's model name and key. */
public final class OpenAiAdapter implements ProviderAdapter {

    @Override
    public boolean speaksResponses() {
        return true;
    }

    @Override
    public UpstreamRequest request(CallContext call, Deployment d) {
        Buffer body = call.body();
        String requested = call.ex().model();
        ObjectNode copy = body == null ? null : ThinkingParameter.translated(call.ex()); // OpenAI rejects Anthropic's 'thinking'
        if (body != null && d.upstreamModel() != null && requested != null && !d.upstreamModel().equals(requested)
                && call.ex().hasJsonBody() && !call.ex().bodyForwardedAsIs()) {
            // A copy: the exchange keeps the name the caller asked for (logs, pricing, policies).
            if (copy == null) copy = call.ex().body().deepCopy();
            copy.put("model", d.upstreamModel());
        }
        if (copy != null) body = Json.toBuffer(copy);
        return new UpstreamRequest(d.target().uri(call.apiPathAndQuery()),
                ForwardedHeaders.toUpstream(call.callerHeaders(), d.credential(), call.organization(), call.project(), call.keyMode()),
                body);
    }
}
