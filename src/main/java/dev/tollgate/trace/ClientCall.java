package dev.tollgate.trace;

import dev.tollgate.api.Endpoint;

/**
 * What a client span describes: one HTTP call from the gateway (an upstream attempt or a side
 * call), where it goes and, for a model call, what it asks. The path carries no query: a query
 * may hold a caller's parameters, so it stays out of spans.
 *
 * @param name        the span's name: "chat gpt-4o" for a model call, else "POST /v1/moderations"
 * @param operation   {@code gen_ai.operation.name}, or null
 * @param provider    {@code gen_ai.provider.name}
 * @param model       {@code gen_ai.request.model}: the model asked of this upstream, or null
 * @param deployment  the models-list deployment tried ("gpt-4o/azure:eastus"), or null on the plain pass-through
 */
public record ClientCall(String name, String method, boolean ssl, String host, int port, String path,
                         String operation, String provider, String model, String deployment) {

    /** An attempt of the proxied request at the upstream: named after its GenAI operation and model where it has them. */
    public static ClientCall upstream(String method, boolean ssl, String host, int port, String uri, Endpoint endpoint,
                                      String tollgateProvider, String model, String deployment) {
        String operation = SpanNames.operation(endpoint);
        String path = withoutQuery(uri);
        String name = operation != null && model != null ? operation + " " + model : method;
        return new ClientCall(name, method, ssl, host, port, path, operation, SpanNames.provider(tollgateProvider), model, deployment);
    }

    /** A side call on the request's behalf (moderation): named by its method and API path. */
    public static ClientCall sideCall(String method, boolean ssl, String host, int port, String uri, String apiPath, String model) {
        return new ClientCall(method + " /v1" + apiPath, method, ssl, host, port, withoutQuery(uri), null, "openai", model, null);
    }

    /** {@code url.full}: scheme, authority and path, never a query. */
    String url() {
        boolean defaultPort = ssl ? port == 443 : port == 80;
        return (ssl ? "https://" : "http://") + host + (defaultPort ? "" : ":" + port) + path;
    }

    private static String withoutQuery(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
