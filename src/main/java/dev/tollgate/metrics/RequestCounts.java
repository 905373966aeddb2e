package dev.tollgate.metrics;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Route;
import dev.tollgate.api.Routes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@code tollgate_requests_total} by endpoint and status class. The endpoint label is the
 * operation catalog's pattern ({@code /v1/files/{id}/content} never names a file), found by the
 * route object's identity in a table made at start; each (endpoint, class) counter is bound on
 * first use and kept in an array slot.
 */
final class RequestCounts {

    static final String NAME = "tollgate.requests";
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final MeterRegistry registry;
    private final Map<Route, Row> byRoute = new IdentityHashMap<>(); // written only in the constructor
    private final Row models;
    private final Row other;
    private final Row unrouted;

    RequestCounts(MeterRegistry registry) {
        this.registry = registry;
        for (Route r : Routes.all()) byRoute.put(r, new Row("/v1" + r.pattern()));
        models = new Row("/v1/models");
        other = new Row("other");
        unrouted = new Row("unrouted");
    }

    void count(Endpoint endpoint, int status) {
        Row row = row(endpoint);
        int i = Math.min(4, Math.max(0, status / 100 - 1));
        Counter c = row.counters[i];
        if (c == null) {
            // Bound once; a racing thread registers the same meter (the registry dedups by name and tags).
            c = Counter.builder(NAME).description("Requests answered, by endpoint and status class.")
                    .tag("endpoint", row.label).tag("status_class", CLASSES[i]).register(registry);
            row.counters[i] = c;
        }
        c.increment();
    }

    /** The endpoint label: a catalogued operation's pattern, {@code /v1/models}, {@code other}, or {@code unrouted}. */
    private Row row(Endpoint e) {
        if (!e.routed()) return unrouted;
        Route r = e.route();
        if (r == Route.READ) {
            String p = e.apiPath();
            return p.equals("/models") || p.startsWith("/models/") ? models : other;
        }
        Row row = byRoute.get(r);
        return row != null ? row : other;
    }

    private static final class Row {
        final String label;
        final Counter[] counters = new Counter[CLASSES.length];

        Row(String label) {
            this.label = label;
        }
    }
}
