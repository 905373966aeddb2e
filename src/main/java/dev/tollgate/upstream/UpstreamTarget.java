package dev.tollgate.upstream;

import java.net.URI;

/** The upstream base URL split once into what each request needs. */
public record UpstreamTarget(String host, int port, boolean ssl, String basePath, String hostHeader) {

    public static UpstreamTarget of(String baseUrl) {
        URI uri = URI.create(baseUrl);
        boolean ssl = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() != -1 ? uri.getPort() : (ssl ? 443 : 80);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        boolean defaultPort = uri.getPort() == -1 || (ssl && port == 443) || (!ssl && port == 80);
        String hostHeader = defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
        return new UpstreamTarget(uri.getHost(), port, ssl, path, hostHeader);
    }

    /** The request-target for an API path below /v1 (with its raw query, if any). */
    public String uri(String apiPathAndQuery) {
        return basePath + apiPathAndQuery;
    }
}
