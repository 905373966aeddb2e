import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;

/**
 * A fast, fixed-answer stand-in for an OpenAI-compatible upstream, for benchmarking a proxy in
 * front of it. Answers POST /v1/chat/completions:
 *   - plain request: one canned chat.completion JSON;
 *   - "stream":true: SSE, 20 chat.completion.chunk events 1 ms apart (content "tok-0 ".."tok-19 "
 *     so a client can check order), a usage-only chunk when the body mentions include_usage, then
 *     "data: [DONE]". With CHUNK_GAP_MS 0 all events are written back to back at once.
 * Anything else gets a 404. The body is scanned, not parsed, so the upstream costs as little CPU
 * as possible and the proxy dominates what is measured.
 *
 * Run: java -cp target/tollgate.jar bench/FakeUpstream.java PORT [CHUNK_GAP_MS]
 */
public final class FakeUpstream {

    static final int CHUNKS = 20;
    static long chunkGapMs = 1;
    static final String MODEL = "gpt-4o-mini-2024-07-18";

    // Built once: the answer bytes are the same for every request.
    static final Buffer COMPLETION = Buffer.buffer((
            "{\"id\":\"chatcmpl-bench0000000000000000000001\",\"object\":\"chat.completion\",\"created\":1732000000,"
            + "\"model\":\"" + MODEL + "\",\"system_fingerprint\":\"fp_bench\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"Load balancers spread requests across servers; a reverse proxy such as nginx terminates the "
            + "client connection, forwards the request upstream over a pooled keep-alive connection and relays "
            + "the answer back. Measuring one means comparing it against a direct call.\",\"refusal\":null},"
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":212,\"completion_tokens\":48,\"total_tokens\":260,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}")
            .getBytes(StandardCharsets.UTF_8));

    static final Buffer[] CONTENT_EVENTS = new Buffer[CHUNKS];
    static final Buffer[] CONTENT_EVENTS_WITH_USAGE_NULL = new Buffer[CHUNKS];
    static final Buffer USAGE_EVENT = Buffer.buffer(
            "data: {\"id\":\"chatcmpl-bench-stream\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
            + "\"model\":\"" + MODEL + "\",\"system_fingerprint\":\"fp_bench\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":212,\"completion_tokens\":" + CHUNKS + ",\"total_tokens\":" + (212 + CHUNKS) + "}}\n\n");
    static final Buffer DONE_EVENT = Buffer.buffer("data: [DONE]\n\n");

    static {
        for (int i = 0; i < CHUNKS; i++) {
            String delta = i == 0 ? "{\"role\":\"assistant\",\"content\":\"tok-0 \"}" : "{\"content\":\"tok-" + i + " \"}";
            String finish = i == CHUNKS - 1 ? "\"stop\"" : "null";
            String head = "data: {\"id\":\"chatcmpl-bench-stream\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
                    + "\"model\":\"" + MODEL + "\",\"system_fingerprint\":\"fp_bench\","
                    + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]";
            CONTENT_EVENTS[i] = Buffer.buffer(head + "}\n\n");
            // With include_usage, OpenAI puts "usage":null on every content chunk.
            CONTENT_EVENTS_WITH_USAGE_NULL[i] = Buffer.buffer(head + ",\"usage\":null}\n\n");
        }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args.length > 0 ? args[0] : "18081");
        if (args.length > 1) chunkGapMs = Long.parseLong(args[1]);
        int loops = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
        // One server instance per event loop, all sharing the port: Vert.x spreads connections.
        vertx.deployVerticle(() -> new Server(port), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("fake upstream listening on 127.0.0.1:" + port + " (" + loops + " event loops)"))
                .onFailure(e -> {
                    System.err.println("fake upstream failed to start: " + e);
                    System.exit(1);
                });
    }

    static final class Server extends VerticleBase {
        private final int port;
        // Like OpenAI, every answer gets its own x-request-id (the gateway adopts it for its log).
        private final String idPrefix = "req_bench" + Integer.toHexString(System.identityHashCode(this)) + "_";
        private long served;

        Server(int port) {
            this.port = port;
        }

        @Override
        public Future<?> start() {
            return vertx.createHttpServer(new HttpServerOptions()
                            .setHost("127.0.0.1").setPort(port).setTcpNoDelay(true).setIdleTimeout(0))
                    .requestHandler(this::handle)
                    .listen();
        }

        private void handle(HttpServerRequest req) {
            if (req.method() != HttpMethod.POST || !req.path().equals("/v1/chat/completions")) {
                req.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end("{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\"}}");
                return;
            }
            req.body().onSuccess(body -> {
                if (jsonTrue(body, "\"stream\"")) {
                    stream(req.response(), jsonTrue(body, "\"include_usage\""));
                } else {
                    req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                            .putHeader("x-request-id", idPrefix + served++)
                            .end(COMPLETION);
                }
            });
        }

        private void stream(HttpServerResponse resp, boolean usage) {
            resp.setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .putHeader("x-request-id", idPrefix + served++);
            Buffer[] events = usage ? CONTENT_EVENTS_WITH_USAGE_NULL : CONTENT_EVENTS;
            if (chunkGapMs == 0) {
                // Back to back: one write per event, flushed together (the proxy gets them in one read or a few).
                for (Buffer e : events) resp.write(e);
                if (usage) resp.write(USAGE_EVENT);
                resp.end(DONE_EVENT);
                return;
            }
            resp.write(events[0]);
            // A timer per event (not a busy loop, never a sleep): the event loop stays free.
            sendFrom(resp, events, 1, usage);
        }

        private void sendFrom(HttpServerResponse resp, Buffer[] events, int next, boolean usage) {
            vertx.setTimer(chunkGapMs, id -> {
                if (resp.closed()) return; // the client (or proxy) gave up
                if (next < events.length) {
                    resp.write(events[next]);
                    sendFrom(resp, events, next + 1, usage);
                } else {
                    if (usage) resp.write(USAGE_EVENT);
                    resp.end(DONE_EVENT);
                }
            });
        }
    }

    /**
     * Whether the JSON text has {@code key} followed by {@code : true}. Good enough for the
     * well-formed bodies a benchmark sends; avoids a full parse per request.
     */
    static boolean jsonTrue(Buffer body, String key) {
        String s = body.toString(StandardCharsets.UTF_8);
        int from = 0;
        while (true) {
            int i = s.indexOf(key, from);
            if (i < 0) return false;
            int j = i + key.length();
            while (j < s.length() && Character.isWhitespace(s.charAt(j))) j++;
            if (j < s.length() && s.charAt(j) == ':') {
                j++;
                while (j < s.length() && Character.isWhitespace(s.charAt(j))) j++;
                if (s.startsWith("true", j)) return true;
            }
            from = i + key.length();
        }
    }
}
