package dev.tollgate.trace;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.MultiMap;

/** W3C trace context in and out of Vert.x headers: read from the caller's request, set on upstream requests. */
final class HeaderCarrier implements TextMapGetter<MultiMap>, TextMapSetter<MultiMap> {

    static final HeaderCarrier INSTANCE = new HeaderCarrier();

    @Override
    public Iterable<String> keys(MultiMap carrier) {
        return carrier.names();
    }

    @Override
    public String get(MultiMap carrier, String key) {
        return carrier == null ? null : carrier.get(key);
    }

    /** Replaces any value the caller sent: the upstream's parent is the gateway's span. */
    @Override
    public void set(MultiMap carrier, String key, String value) {
        if (carrier != null) carrier.set(key, value);
    }
}
