package dev.tollgate.provider;

import dev.tollgate.chain.Exchange;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * What an adapter needs to build one attempt: the exchange (body as the chain left it), the
 * caller's headers, the raw body as it would go to an OpenAI upstream, the API path below /v1
 * with its query, and whether the gateway runs in key mode (the caller's credentials never leave).
 */
public record CallContext(Exchange ex, MultiMap callerHeaders, Buffer body, String apiPathAndQuery, boolean keyMode,
                          String organization, String project) {}
