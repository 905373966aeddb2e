package dev.tollgate.provider.azure;

import dev.tollgate.upstream.UpstreamTarget;

import java.util.regex.Pattern;

/** Azure OpenAI resource names and their endpoints. */
public final class AzureResources {

    /** Azure resource names: letters, digits and hyphens (a subdomain label). Anything else could change the host. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?");

    /**
     * Azure deployment names: letters, digits, '-', '_' and dots inside, at most 64. The name is a
     * path segment of the upstream URL, so a dot segment, a slash, a backslash or a percent sign
     * (an encoded one of those) could point the call, and its key, at another path.
     */
    private static final Pattern DEPLOYMENT = Pattern.compile("[A-Za-z0-9_-](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_-])?");

    /** What an invalid deployment name is told, after its source. */
    public static final String DEPLOYMENT_RULE = "letters, digits, '-', '_' and inner '.', at most 64";

    private AzureResources() {}

    public static boolean validDeployment(String name) {
        return name != null && DEPLOYMENT.matcher(name).matches();
    }

    /** The config error for an invalid name, after the key that holds it. */
    public static String invalidDeployment(String name) {
        return "'" + name + "' is not a valid Azure deployment name (" + DEPLOYMENT_RULE + ")";
    }

    public static boolean validName(String resource) {
        return resource != null && NAME.matcher(resource).matches();
    }

    /** {@code https://{resource}.openai.azure.com}. */
    public static UpstreamTarget target(String resource) {
        if (!validName(resource)) throw new IllegalArgumentException("not a valid Azure resource name: '" + resource + "'");
        return UpstreamTarget.of("https://" + resource + ".openai.azure.com");
    }
}
