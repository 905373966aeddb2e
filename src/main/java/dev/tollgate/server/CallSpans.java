package dev.tollgate.server;

import dev.tollgate.provider.Deployment;
import dev.tollgate.trace.AttemptSpans;
import dev.tollgate.trace.ClientCall;
import dev.tollgate.upstream.UpstreamTarget;

/** The spans of an upstream call's tries: what each describes (where it goes, which provider and model), when the request is traced. */
final class CallSpans {

    private CallSpans() {}

    /**
     * For a deployment (its model; an Azure resource named by header serves the caller's), or the plain
     * pass-through when {@code d} is null: an OpenAI-style upstream asked for the caller's model.
     */
    static AttemptSpans attempts(ProxyRequest proxy, Deployment d, UpstreamTarget target, String uri) {
        if (!proxy.trace.on()) return AttemptSpans.NONE; // nothing made for requests that are not traced
        ClientCall call = ClientCall.upstream(proxy.req.method().name(), target.ssl(), target.host(), target.port(), uri, proxy.ex.endpoint(),
                d == null ? "openai" : d.provider().id(), d == null || d.upstreamModel() == null ? proxy.ex.model() : d.upstreamModel(), d == null ? null : d.id());
        return proxy.trace.attempts(call);
    }
}
