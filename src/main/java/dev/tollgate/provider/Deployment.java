package dev.tollgate.provider;

import dev.tollgate.upstream.UpstreamTarget;

/**
 * One place a model can be served: a provider, the model (or Azure deployment) name there, the
 * base URL, the credential (read from the environment variable the config names; the value is
 * never logged), and its share of traffic. {@code id} names it in logs: "gpt-4o/azure:eastus".
 * {@code pricedModel} is the model whose price applies (an Azure deployment's name is not one).
 */
public record Deployment(String id, ProviderSpec provider, String upstreamModel, UpstreamTarget target, String credential,
                         int weight, String apiVersion, String pricedModel) {

    /** Without a separate pricing name: the upstream model is the one priced. */
    public Deployment(String id, ProviderSpec provider, String upstreamModel, UpstreamTarget target, String credential,
                      int weight, String apiVersion) {
        this(id, provider, upstreamModel, target, credential, weight, apiVersion, upstreamModel);
    }

    /** Never prints the credential. */
    @Override
    public String toString() {
        return id;
    }
}
