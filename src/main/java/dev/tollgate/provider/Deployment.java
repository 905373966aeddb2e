package dev.tollgate.provider;

import dev.tollgate.upstream.UpstreamTarget;

/**
 * One place a model can be served: a provider, the model (or Azure deployment) name there, the
 * base URL, the credential (read from the environment variable the config names; the value is
 * never logged), and its share of traffic. {@code id} names it in logs: "gpt-4o/azure:eastus".
 */
public record Deployment(String id, ProviderKind provider, String upstreamModel, UpstreamTarget target, String credential,
                         int weight, String apiVersion) {

    /** Never prints the credential. */
    @Override
    public String toString() {
        return id;
    }
}
