package dev.tollgate.metrics;

import dev.tollgate.api.Endpoint;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry GenAI metrics (semantic conventions, exported the Prometheus way: dots become
 * underscores, seconds get {@code _seconds}), with the conventions' bucket boundaries. Meters are
 * bound per (operation, provider, request model, response model) once and kept, so recording a
 * request is one map read and a few histogram updates.
 */
final class GenAiMeters {

    static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    static final String CLIENT_DURATION = "gen_ai.client.operation.duration";
    static final String CLIENT_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";
    static final String SERVER_DURATION = "gen_ai.server.request.duration";
    static final String SERVER_TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
    static final String SERVER_TIME_PER_OUTPUT_TOKEN = "gen_ai.server.time_per_output_token";

    static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
            16777216, 67108864};
    static final Duration[] DURATION_BUCKETS = seconds(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
            20.48, 40.96, 81.92);
    static final Duration[] FIRST_TOKEN_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
            1.0, 2.5, 5.0, 7.5, 10.0);
    static final Duration[] PER_TOKEN_BUCKETS = seconds(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5);

    private final MeterRegistry registry;
    private final ConcurrentHashMap<Key, Bundle> bundles = new ConcurrentHashMap<>();

    GenAiMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code gen_ai.operation.name} of an endpoint, or null when it is not a GenAI operation the gateway meters. */
    static String operation(Endpoint.Kind kind) {
        return switch (kind) {
            case CHAT_COMPLETIONS, RESPONSES -> "chat"; // chat completions, Anthropic Messages, the Responses API
            case COMPLETIONS -> "text_completion";
            case EMBEDDINGS -> "embeddings";
            default -> null;
        };
    }

    /** {@code gen_ai.provider.name} of a provider id: the conventions' well-known values. */
    static String provider(String providerId) {
        return switch (providerId) {
            case "azure" -> "azure.ai.openai";
            case "gemini" -> "gcp.gemini";
            default -> providerId; // openai, anthropic
        };
    }

    private record Key(String operation, String provider, String requestModel, String responseModel) {}

    /** The meters of one label combination; the labels must already be capped. */
    Bundle bundle(String operation, String provider, String requestModel, String responseModel) {
        Key key = new Key(operation, provider, requestModel, responseModel);
        Bundle b = bundles.get(key);
        return b != null ? b : bundles.computeIfAbsent(key, k -> new Bundle(Tags.of("gen_ai.operation.name", k.operation,
                "gen_ai.provider.name", k.provider, "gen_ai.request.model", k.requestModel, "gen_ai.response.model", k.responseModel)));
    }

    /** Meters of one label combination, each registered on first use (a stream-only meter never shows for whole answers). */
    final class Bundle {
        private final Tags tags;
        private volatile DistributionSummary input;
        private volatile DistributionSummary output;
        private volatile Timer serverDuration;
        private volatile Timer clientDuration;
        private volatile Timer timeToFirstChunk;
        private volatile Timer timeToFirstToken;
        private volatile Timer timePerOutputToken;
        private final ConcurrentHashMap<String, Timer> serverErrors = new ConcurrentHashMap<>(4);
        private final ConcurrentHashMap<String, Timer> clientErrors = new ConcurrentHashMap<>(4);

        Bundle(Tags tags) {
            this.tags = tags;
        }

        void tokens(long inputTokens, long outputTokens) {
            DistributionSummary in = input;
            if (in == null) input = in = tokenUsage("input");
            DistributionSummary out = output;
            if (out == null) output = out = tokenUsage("output");
            in.record(inputTokens);
            out.record(outputTokens);
        }

        /** What the caller saw: from the request's arrival to its end; errorType null on success. */
        void serverDuration(long nanos, String errorType) {
            Timer t;
            if (errorType == null) {
                t = serverDuration;
                if (t == null) serverDuration = t = duration(SERVER_DURATION, "");
            } else {
                t = serverErrors.computeIfAbsent(errorType, e -> duration(SERVER_DURATION, e));
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        /** One call to an upstream (its retries included); errorType null on success. */
        void clientDuration(long nanos, String errorType) {
            Timer t;
            if (errorType == null) {
                t = clientDuration;
                if (t == null) clientDuration = t = duration(CLIENT_DURATION, "");
            } else {
                t = clientErrors.computeIfAbsent(errorType, e -> duration(CLIENT_DURATION, e));
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        void timeToFirstChunk(long nanos) {
            Timer t = timeToFirstChunk;
            if (t == null) timeToFirstChunk = t = timer(CLIENT_TIME_TO_FIRST_CHUNK, FIRST_TOKEN_BUCKETS, tags,
                    "From sending a streamed request upstream to its first chunk.");
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        void timeToFirstToken(long nanos) {
            Timer t = timeToFirstToken;
            if (t == null) timeToFirstToken = t = timer(SERVER_TIME_TO_FIRST_TOKEN, FIRST_TOKEN_BUCKETS, tags,
                    "From a streamed request's arrival to the first event the gateway sent its caller.");
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        void timePerOutputToken(long nanos) {
            Timer t = timePerOutputToken;
            if (t == null) timePerOutputToken = t = timer(SERVER_TIME_PER_OUTPUT_TOKEN, PER_TOKEN_BUCKETS, tags,
                    "Time per output token after the first, of successful streamed answers.");
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        private DistributionSummary tokenUsage(String type) {
            return DistributionSummary.builder(TOKEN_USAGE).description("Number of input and output tokens used.")
                    .tags(tags).tag("gen_ai.token.type", type).serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
        }

        /** error.type is "" on success: Prometheus needs one label set per name, and an empty label is an absent one. */
        private Timer duration(String name, String errorType) {
            String description = name.equals(SERVER_DURATION) ? "GenAI request duration as the gateway's callers see it."
                    : "GenAI operation duration: one call to an upstream, its retries included.";
            return timer(name, DURATION_BUCKETS, tags.and("error.type", errorType), description);
        }
    }

    private Timer timer(String name, Duration[] buckets, Tags tags, String description) {
        return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(buckets).register(registry);
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        return out;
    }
}
