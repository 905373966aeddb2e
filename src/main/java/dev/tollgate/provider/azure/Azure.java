package dev.tollgate.provider.azure;

import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Settings;
import dev.tollgate.provider.BaseUrl;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.DeploymentEntry;
import dev.tollgate.provider.ProviderAdapter;
import dev.tollgate.provider.ProviderSpec;
import dev.tollgate.upstream.UpstreamTarget;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Azure OpenAI. A deployment names its resource ({@code resource}, giving
 * {@code https://{resource}.openai.azure.com}) or its endpoint ({@code base_url}, as the Azure
 * portal shows it), and {@code deployment}, the name in the URL; {@code model} is the model it
 * serves, for pricing. The adapter adds {@code /openai/deployments/{deployment}/...}, so a
 * trailing {@code /openai} is dropped and a longer {@code /openai/...} path is refused.
 * {@code api_key_env} is required. The seeds' settings route unlisted models and header-named
 * resources here too ({@link #seedDefault}, {@link AzureHeaderRoutes}).
 */
public final class Azure implements ProviderSpec {

    public static final Azure SPEC = new Azure();

    public static final Setting<String> RESOURCE_NAME = Setting.global("AZURE_RESOURCE_NAME", SettingType.string(), null,
            "Seed compatibility: send requests to this Azure OpenAI resource instead of LLM_API_BASE_PATH");

    public static final Setting<String> DEPLOYMENT_ID = Setting.global("AZURE_DEPLOYMENT_ID", SettingType.string(), null,
            "Seed compatibility: the Azure deployment (default: TOLLGATE_AZURE_DEPLOYMENTS by model, else the model name)");

    public static final Setting<Map<String, String>> DEPLOYMENTS = Setting.global("TOLLGATE_AZURE_DEPLOYMENTS",
            SettingType.stringMap(), Map.of(), "Azure deployment name per requested model, for AZURE_RESOURCE_NAME and the azure-resource header");

    public static final Setting<List<String>> RESOURCES = Setting.global("TOLLGATE_AZURE_RESOURCES",
            SettingType.stringList(), List.of(), "Azure resources a request may name in x-tollgate-azure-resource (AZURE_RESOURCE_NAME is always allowed)");

    public static final Setting<String> API_VERSION = Setting.global("TOLLGATE_AZURE_API_VERSION",
            SettingType.nonEmptyString(), "2024-10-21", "api-version of Azure OpenAI calls");

    private Azure() {}

    @Override
    public String id() {
        return "azure";
    }

    @Override
    public List<String> aliases() {
        return List.of("azure-openai");
    }

    @Override
    public List<String> fields() {
        return List.of("resource", "deployment", "api_version");
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(RESOURCE_NAME, DEPLOYMENT_ID, DEPLOYMENTS, RESOURCES, API_VERSION);
    }

    @Override
    public String baseUrl(String configured) {
        String endpoint = BaseUrl.dropLast(configured, Set.of("openai"));
        if (BaseUrl.hasSegment(endpoint, "openai")) {
            throw new IllegalArgumentException("the path " + BaseUrl.path(configured) + " is not the resource's endpoint: give "
                    + "https://{resource}.openai.azure.com (the gateway adds /openai/deployments/{deployment}/...)");
        }
        return endpoint;
    }

    @Override
    public Deployment deployment(DeploymentEntry e, Settings s) {
        String deployment = e.text("deployment");
        if (deployment != null && !AzureResources.validDeployment(deployment)) {
            throw e.invalid("deployment", AzureResources.invalidDeployment(deployment));
        }
        String resource = e.text("resource");
        if (resource == null && e.text("base_url") == null) throw e.invalid("an azure deployment needs resource or base_url");
        if (deployment == null) throw e.invalid("an azure deployment needs deployment (the Azure deployment name)");
        UpstreamTarget target;
        if (resource != null) {
            try {
                target = AzureResources.target(resource);
            } catch (IllegalArgumentException bad) {
                throw e.invalid(bad.getMessage());
            }
        } else {
            target = e.target(this, null);
        }
        String credential = e.requiredCredential(this);
        String apiVersion = e.text("api_version");
        if (apiVersion == null) apiVersion = s.get(API_VERSION);
        // The URL takes the deployment's name; `model` (default: the entry's name) is what it serves, for pricing.
        String label = (resource != null ? resource + "/" : "") + deployment;
        return e.deployment(this, label, deployment, target, credential, apiVersion, e.modelOrRouteName());
    }

    /** The seeds' AZURE_RESOURCE_NAME: unlisted models go to that resource with OPENAI_API_KEY; null when unset. */
    public Deployment seedDefault(Settings s) {
        String resource = s.get(RESOURCE_NAME);
        if (resource == null || resource.isEmpty()) return null;
        if (!AzureResources.validName(resource)) throw invalidResource(RESOURCE_NAME, resource);
        return new Deployment("azure:" + resource, this, s.get(DEPLOYMENT_ID), AzureResources.target(resource),
                s.get(CoreSettings.OPENAI_API_KEY), 1, s.get(API_VERSION));
    }

    /** Names in the seeds' settings become hosts and path segments: each is checked at start-up. */
    @Override
    public void check(Settings s) {
        for (String a : s.get(RESOURCES)) {
            if (!AzureResources.validName(a)) throw invalidResource(RESOURCES, a);
        }
        String seedDeployment = s.get(DEPLOYMENT_ID);
        if (seedDeployment != null && !AzureResources.validDeployment(seedDeployment)) {
            throw new IllegalArgumentException(DEPLOYMENT_ID.key() + ": " + AzureResources.invalidDeployment(seedDeployment));
        }
        s.get(DEPLOYMENTS).forEach((model, deployment) -> {
            if (!AzureResources.validDeployment(deployment)) {
                throw new IllegalArgumentException(DEPLOYMENTS.key() + "." + model + ": " + AzureResources.invalidDeployment(deployment));
            }
        });
        String seedResource = s.get(RESOURCE_NAME);
        if (seedResource != null && !seedResource.isEmpty() && !AzureResources.validName(seedResource)) {
            throw invalidResource(RESOURCE_NAME, seedResource);
        }
    }

    private static IllegalArgumentException invalidResource(Setting<?> where, String name) {
        return new IllegalArgumentException(where.key() + ": '" + name + "' is not a valid Azure resource name");
    }

    @Override
    public ProviderAdapter adapter(Settings s) {
        return new AzureAdapter(s.get(DEPLOYMENTS));
    }
}
