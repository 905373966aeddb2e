package dev.tollgate.support;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP server on 127.0.0.1 standing in for the upstream API. Each test sets the handler;
 * every request that arrives is recorded whole (method, URI, headers, body bytes).
 */
public final class FakeUpstream implements AutoCloseable {

    /** One request as the upstream saw it. */
    public record Received(String method, String uri, MultiMap headers, Buffer body) {
        public String bodyText() {
            return body.toString();
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final AtomicReference<Handler<HttpServerRequest>> handler = new AtomicReference<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Received> arrivals = new LinkedBlockingQueue<>();
    /** Connections closed by the peer (the gateway), for cancellation tests. */
    private final BlockingQueue<String> closedConnections = new LinkedBlockingQueue<>();

    public FakeUpstream() {
        this(new HttpServerOptions());
    }

    /** With these server options (host and port are set here), e.g. a small send buffer for back-pressure tests. */
    public FakeUpstream(HttpServerOptions options) {
        handler.set(req -> json(req, 200, "{\"ok\":true}"));
        server = vertx.createHttpServer(new HttpServerOptions(options).setHost("127.0.0.1").setPort(0))
                .connectionHandler(conn -> conn.closeHandler(v -> closedConnections.add("closed")))
                .requestHandler(req -> {
                    Buffer body = Buffer.buffer();
                    req.handler(body::appendBuffer);
                    req.endHandler(v -> {
                        Received r = new Received(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body);
                        received.add(r);
                        arrivals.add(r);
                        handler.get().handle(req);
                    });
                });
        await(server.listen());
    }

    public Vertx vertx() {
        return vertx;
    }

    public int port() {
        return server.actualPort();
    }

    /** The base URL to configure as LLM_API_BASE_PATH. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** Sets how the next requests are answered (runs on the fake's event loop, after the body arrived). */
    public FakeUpstream handle(Handler<HttpServerRequest> h) {
        handler.set(h);
        return this;
    }

    /** How requests are answered now: for a test that wraps it (e.g. to answer one path itself). */
    public Handler<HttpServerRequest> handler() {
        return handler.get();
    }

    public List<Received> received() {
        return received;
    }

    public Received lastReceived() {
        return received.isEmpty() ? null : received.get(received.size() - 1);
    }

    /** Waits for the next request to arrive. */
    public Received nextArrival(long timeoutMs) throws InterruptedException {
        return arrivals.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Waits until a connection to the fake was closed. */
    public boolean awaitConnectionClosed(long timeoutMs) throws InterruptedException {
        return closedConnections.poll(timeoutMs, TimeUnit.MILLISECONDS) != null;
    }

    public static void json(HttpServerRequest req, int status, String body) {
        req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }

    /** Starts an SSE response; write events with {@link #event}. */
    public static void startSse(HttpServerRequest req) {
        req.response().setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream");
    }

    public static void event(HttpServerRequest req, String data) {
        req.response().write("data: " + data + "\n\n");
    }

    /**
     * Writes events one after another as a real upstream does under back-pressure: it stops when its
     * write queue is full and goes on only when the connection drains, so {@link #written()} says how
     * far the reader on the other side has let it get.
     */
    public static final class PacedStream {
        private final HttpServerRequest req;
        private final List<String> events;
        private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicInteger pauses = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
        private int next;

        private PacedStream(HttpServerRequest req, List<String> events) {
            this.req = req;
            this.events = events;
        }

        /** Answers {@code req} with these SSE data payloads (each sent as "data: ...\n\n"), then ends. */
        public static PacedStream start(HttpServerRequest req, List<String> events) {
            PacedStream s = new PacedStream(req, events);
            startSse(req);
            s.writeWhileRoom();
            return s;
        }

        private void writeWhileRoom() {
            var resp = req.response();
            while (next < events.size()) {
                if (resp.writeQueueFull()) {
                    pauses.incrementAndGet();
                    resp.drainHandler(v -> writeWhileRoom());
                    return;
                }
                String frame = "data: " + events.get(next++) + "\n\n";
                written.addAndGet(frame.length());
                resp.write(frame);
            }
            resp.end().onComplete(ar -> ended.complete(null));
        }

        /** Bytes of events handed to the connection so far. */
        public long written() {
            return written.get();
        }

        /** How many times the write queue was full and the stream waited for a drain. */
        public int pauses() {
            return pauses.get();
        }

        public boolean ended() {
            return ended.isDone();
        }
    }

    @Override
    public void close() {
        await(vertx.close());
    }

    /** Waits up to 10 s for a Vert.x future (the test support's servers start and stop with it). */
    static <T> T await(io.vertx.core.Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
