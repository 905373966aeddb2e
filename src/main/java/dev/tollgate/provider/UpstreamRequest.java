package dev.tollgate.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** One attempt's request to a deployment: request-target, headers, and body (null: none, or the streamed upload). */
public record UpstreamRequest(String uri, MultiMap headers, Buffer body) {}
