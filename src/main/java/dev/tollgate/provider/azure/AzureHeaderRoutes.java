package dev.tollgate.provider.azure;

import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.Settings;
import dev.tollgate.provider.Deployment;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The seeds' per-request form: {@code x-tollgate-azure-resource} names the resource. Only
 * resources in {@code TOLLGATE_AZURE_RESOURCES} (and {@code AZURE_RESOURCE_NAME}) are allowed: a
 * header must never send a key to an arbitrary host.
 */
public final class AzureHeaderRoutes {

    private final Set<String> allowed;
    private final String key;
    private final String apiVersion;

    private AzureHeaderRoutes(Set<String> allowed, String key, String apiVersion) {
        this.allowed = allowed;
        this.key = key;
        this.apiVersion = apiVersion;
    }

    /** From settings {@link Azure#check checked} at start-up. */
    public static AzureHeaderRoutes of(Settings s) {
        Set<String> allowed = new LinkedHashSet<>(s.get(Azure.RESOURCES));
        String seed = s.get(Azure.RESOURCE_NAME);
        if (seed != null && !seed.isEmpty()) allowed.add(seed);
        return new AzureHeaderRoutes(Set.copyOf(allowed), s.get(CoreSettings.OPENAI_API_KEY), s.get(Azure.API_VERSION));
    }

    /** The deployment for a header-named resource, or null when it is not allowed. */
    public Deployment deployment(String resource, String deploymentHeader) {
        if (!AzureResources.validName(resource) || !allowed.contains(resource)) return null;
        return new Deployment("azure:" + resource, Azure.SPEC, deploymentHeader, AzureResources.target(resource), key, 1, apiVersion);
    }
}
