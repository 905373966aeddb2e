package dev.tollgate.provider;

import dev.tollgate.upstream.UpstreamTarget;

import java.util.regex.Pattern;

/** Azure OpenAI resource names and their endpoints. */
public final class AzureResources {

    /** Azure resource names: letters, digits and hyphens (a subdomain label). Anything else could change the host. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?");

    private AzureResources() {}

    public static boolean validName(String resource) {
        return resource != null && NAME.matcher(resource).matches();
    }

    /** {@code https://{resource}.openai.azure.com}. */
    public static UpstreamTarget target(String resource) {
        if (!validName(resource)) throw new IllegalArgumentException("not a valid Azure resource name: '" + resource + "'");
        return UpstreamTarget.of("https://" + resource + ".openai.azure.com");
    }
}
