package dev.tollgate.server;

import dev.tollgate.http.Deadlines;

import dev.tollgate.http.Replies;

import dev.tollgate.access.AccessControl;
import dev.tollgate.access.KeyRegistry;
import dev.tollgate.access.KeySecrets;
import dev.tollgate.admin.AdminApi;
import dev.tollgate.apidocs.ApiDocs;
import dev.tollgate.admin.RateLimitStatus;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.CanonicalPath;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.HeaderOverrides;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.metrics.MetricsSettings;
import dev.tollgate.secret.Redaction;
import dev.tollgate.observe.RequestLog;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's HTTP server and upstream client. Several instances share the port; each keeps
 * its connections, timers and requests on its own thread.
 */
final class GatewayVerticle extends VerticleBase {

    private final GatewayContext ctx;
    private final int port;
    private HttpServer server;
    private EventLoopResources loop;
    private HeaderTimeout headerTimeout;
    private AdminApi adminApi;
    private MetricsEndpoint metricsEndpoint; // null: metrics off, or on their own port
    private AutoCloseable lagProbe;

    GatewayVerticle(GatewayContext ctx, int port) {
        this.ctx = ctx;
        this.port = port;
    }

    @Override
    public Future<?> start() {
        Settings s = ctx.settings();
        int headerTimeoutMs = s.get(CoreSettings.CLIENT_HEADER_TIMEOUT_MS);
        headerTimeout = new HeaderTimeout(headerTimeoutMs);
        adminApi = new AdminApi(vertx, ctx.access(), ctx.cors(), ctx.dashboard().sessions(),
                () -> dev.tollgate.ui.ConfigView.of(s, Gateway.catalog().all(), ctx.router(), ctx.scrubber()));
        if (ctx.snapshotEndpoint() != null) adminApi.snapshotVersion(ctx.snapshotEndpoint()::version);
        if (ctx.metrics().enabled() && s.get(MetricsSettings.PORT) == 0) {
            metricsEndpoint = new MetricsEndpoint(ctx.metrics(), s.get(MetricsSettings.TOKEN), ctx.cors());
        }
        lagProbe = ctx.metrics().watchEventLoop(vertx);
        long tick = Math.max(5, Math.min(100, minTimeout(s) / 5));
        Deadlines deadlines = new Deadlines(vertx, tick);
        HttpClientOptions clientOptions = new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setDecompressionSupported(false)
                .setForceSni(true)
                .setConnectTimeout(s.get(CoreSettings.UPSTREAM_CONNECT_TIMEOUT_MS))
                .setKeepAliveTimeout(60)
                .setMaxHeaderSize(64 * 1024);
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(s.get(CoreSettings.UPSTREAM_POOL_SIZE)).setMaxWaitQueueSize(-1);
        loop = new EventLoopResources(vertx, vertx.createHttpClient(clientOptions, pool), deadlines);

        HttpServerOptions serverOptions = new HttpServerOptions()
                .setHost(s.get(CoreSettings.HOST))
                .setPort(port)
                .setTcpNoDelay(true)
                .setCompressionSupported(false)
                .setHandle100ContinueAutomatically(true)
                .setHttp2ClearTextEnabled(s.get(CoreSettings.HTTP2_CLEARTEXT))
                .setMaxHeaderSize(32 * 1024)
                .setMaxInitialLineLength(16 * 1024)
                .setIdleTimeout(headerTimeoutMs).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                // Every answer is written on its connection's event loop: Vert.x then writes straight to
                // the channel instead of through a cross-thread queue (a 4 KB array per connection).
                .setStrictThreadMode(true);
        server = vertx.createHttpServer(serverOptions)
                .invalidRequestHandler(this::onInvalidRequest)
                .requestHandler(this::onRequest);
        return server.listen();
    }

    int actualPort() {
        return server.actualPort();
    }

    /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
    Future<Void> shutdown(long graceMs) {
        return server.shutdown(graceMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public Future<?> stop() throws Exception {
        lagProbe.close();
        loop.deadlines().close();
        return loop.client().close();
    }

    private static long minTimeout(Settings s) {
        return Math.min(Math.min(s.get(CoreSettings.CLIENT_HEADER_TIMEOUT_MS), s.get(CoreSettings.CLIENT_BODY_TIMEOUT_MS)),
                Math.min(s.get(CoreSettings.UPSTREAM_FIRST_BYTE_TIMEOUT_MS), s.get(CoreSettings.UPSTREAM_STREAM_IDLE_TIMEOUT_MS)));
    }

    private void onInvalidRequest(HttpServerRequest req) {
        if (RequestFraming.unreadable(req.connection())) {
            req.connection().close(); // bytes after a refused request's head: not a request of their own
            return;
        }
        Throwable cause = req.decoderResult().cause();
        ApiError error;
        if (cause instanceof TooLongFrameException && cause.getMessage() != null && cause.getMessage().contains("header")) {
            error = new ApiError(431, ApiError.INVALID_REQUEST, "headers_too_large", "The request headers are too large.", null);
        } else if (RequestFraming.ofDecoderFailure(cause) != null) {
            error = RequestFraming.ofDecoderFailure(cause);
        } else if (cause instanceof TooLongFrameException) {
            error = new ApiError(414, ApiError.INVALID_REQUEST, "uri_too_long", "The request line is too long.", null);
        } else {
            error = ApiError.badRequest("malformed_request", "The request is not valid HTTP.");
        }
        refuse(req, req.path() == null ? "" : req.path(), newRequestId(), false, error);
    }

    private void onRequest(HttpServerRequest req) {
        Replies.guardHttp2(req);
        HttpConnection conn = req.connection();
        headerTimeout.requestStarted(conn);
        if (RequestFraming.unreadable(conn)) {
            conn.close(); // bytes after a refused request's head: not a request of their own
            return;
        }
        ApiError framing = RequestFraming.check(req);
        if (framing != null) {
            // Refused before routing: with an unknown body length the connection cannot be read on.
            RequestFraming.markUnreadable(conn);
            req.response().endHandler(v -> headerTimeout.requestEnded(conn));
            String path = req.path() == null ? "" : req.path();
            refuse(req, path, newRequestId(), false, framing);
            return;
        }
        route(req, () -> headerTimeout.requestEnded(conn));
    }

    /** The gateway's routes: health, CORS preflight, then the OpenAI API. */
    private void route(HttpServerRequest req, Runnable done) {
        String uri = req.uri();
        HttpMethod method = req.method();
        String clientId = req.getHeader("x-request-id");
        boolean clientSentId = clientId != null && validRequestId(clientId);
        String requestId = clientSentId ? clientId : newRequestId();
        req.response().endHandler(v -> done.run());

        if (uri.isEmpty() || uri.charAt(0) != '/') {
            refuse(req, uri, requestId, clientSentId, ApiError.badRequest("invalid_path", "The request target must be a path."));
            return;
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q);
        // Seed 004's form for clients that can only change the base URL: /{key}/v1/... The key is
        // cut off here, so it never reaches a log line, an error message or the upstream.
        String pathKey = null;
        if (ctx.access().keyInPath() && path.startsWith("/" + KeySecrets.PREFIX)) {
            int end = path.indexOf('/', 1);
            pathKey = path.substring(1, end < 0 ? path.length() : end);
            path = end < 0 ? "/" : path.substring(end);
        }
        // One spelling for judging and forwarding alike: any other is normalised or refused here.
        CanonicalPath.Result canonical = CanonicalPath.of(path);
        if (!canonical.ok()) {
            refuse(req, path, requestId, clientSentId, ApiError.badRequest("invalid_path", canonical.error()));
            return;
        }
        path = canonical.path();

        // Health probes are not logged: a probe every few seconds would drown the request log.
        if (path.equals("/healthz") || path.equals("/readyz")) {
            if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
                refuse(req, path, requestId, clientSentId, ApiError.methodNotAllowed(method.name(), path));
            } else if (path.equals("/healthz")) {
                Replies.json(req, 200, "{\"status\":\"ok\"}");
            } else {
                boolean ready = ctx.ready();
                dev.tollgate.store.Ledger ledger = ctx.access().ledger();
                dev.tollgate.hybrid.DataPlaneSync dataPlane = ctx.dataPlane();
                if (ready && dataPlane != null) {
                    // A data plane is ready once it holds a snapshot; a stale one still serves, and says so.
                    dev.tollgate.hybrid.DataPlaneSync.Status st = dataPlane.status();
                    Replies.json(req, st.loaded() ? 200 : 503, st.toJson());
                } else if (ready && ledger != null && ledger.unreachable()) {
                    // Still serving: usage waits in the spool until the database is back.
                    Replies.json(req, 200, "{\"status\":\"degraded\",\"database\":\"unreachable\",\"spooled_rows\":" + ledger.spooled() + "}");
                } else {
                    Replies.json(req, ready ? 200 : 503, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"not_ready\"}");
                }
            }
            return;
        }
        ApiDocs.Asset docs = ApiDocs.get().find(path);
        if (docs != null) { // /openapi.json and /docs: static, from memory, not logged (like the probes)
            if (method != HttpMethod.GET && method != HttpMethod.HEAD) refuse(req, path, requestId, clientSentId, ApiError.methodNotAllowed(method.name(), path));
            else docs.send(req, requestId);
            return;
        }
        if (metricsEndpoint != null && path.equals(MetricsEndpoint.PATH)) {
            metricsEndpoint.handle(req, requestId);
            return;
        }
        if (path.equals(dev.tollgate.hybrid.SnapshotEndpoint.PATH) && ctx.snapshotEndpoint() != null) {
            ctx.snapshotEndpoint().handle(req, requestId);
            return;
        }
        if (ctx.leaseEndpoint() != null && dev.tollgate.hybrid.LeaseEndpoint.owns(path)) {
            ctx.leaseEndpoint().handle(req, path, requestId);
            return;
        }
        if (path.equals(dev.tollgate.hybrid.UsageEndpoint.PATH) && ctx.usageEndpoint() != null) {
            ctx.usageEndpoint().handle(req, requestId);
            return;
        }
        if (path.startsWith("/admin/")) {
            adminApi.handle(req, path, requestId);
            return;
        }
        if (dev.tollgate.ui.Dashboard.owns(path)) {
            ctx.dashboard().handle(req, path, requestId);
            return;
        }
        if (path.equals("/ratelimit")) {
            rateLimitStatus(req, method, path, pathKey, requestId, clientSentId);
            return;
        }
        String apiPath = apiPath(path);
        if (method == HttpMethod.OPTIONS) {
            ctx.cors().preflight(req, requestId);
            log(exchange(req, apiPath != null ? Endpoint.of(method.name(), apiPath) : Endpoint.unrouted(clip(path)), requestId, clientSentId), 204, null);
            return;
        }
        if (apiPath == null) {
            refuse(req, path, requestId, clientSentId, ApiError.notFound("Unknown route " + clip(path) + "."));
            return;
        }
        if (!(method == HttpMethod.GET || method == HttpMethod.POST || method == HttpMethod.DELETE
                || method == HttpMethod.PUT || method == HttpMethod.PATCH || method == HttpMethod.HEAD)) {
            refuse(req, path, requestId, clientSentId, ApiError.methodNotAllowed(method.name(), path));
            return;
        }
        Endpoint endpoint = Endpoint.of(method.name(), apiPath);
        Exchange ex = exchange(req, endpoint, requestId, clientSentId);
        String pathAndQuery = endpoint.apiPath() + query;
        new ProxyRequest(loop, ctx, req, ex, pathAndQuery, pathKey).run();
    }

    /** GET /ratelimit: the caller's limits, current usage and budgets (ProxyGPT's endpoint, extended). */
    private void rateLimitStatus(HttpServerRequest req, HttpMethod method, String path, String pathKey, String requestId,
                                 boolean clientSentId) {
        if (method != HttpMethod.GET) {
            refuse(req, path, requestId, clientSentId, ApiError.methodNotAllowed(method.name(), path));
            return;
        }
        if (!ctx.access().keyMode()) {
            rateLimitStatus(req, path, null, requestId, clientSentId);
            return;
        }
        ctx.access().authenticateAsync(req.headers(), pathKey).onComplete(ar -> {
            AccessControl.Auth auth = ar.result();
            if (auth.error() != null) refuse(req, path, requestId, clientSentId, auth.error());
            else rateLimitStatus(req, path, auth.entry(), requestId, clientSentId);
        });
    }

    private void rateLimitStatus(HttpServerRequest req, String path, KeyRegistry.Entry key, String requestId, boolean clientSentId) {
        String ip = ctx.access().clientIp(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(), req.getHeader("x-forwarded-for"));
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        RateLimitStatus.of(ctx.access(), key, ip).onComplete(ar -> context.runOnContext(v -> {
            if (ar.failed()) {
                refuse(req, path, requestId, clientSentId, new ApiError(503, "server_error", "limits_unavailable",
                        "Rate limits and budgets cannot be read right now (the shared counter store is unreachable). Try again shortly.", null));
                return;
            }
            req.response().putHeader("x-request-id", requestId);
            Replies.json(req, 200, Json.toString(ar.result()));
        }));
    }

    private Exchange exchange(HttpServerRequest req, Endpoint endpoint, String requestId, boolean clientSentId) {
        return new Exchange(req.method().name(), endpoint, requestId, clientSentId,
                HeaderOverrides.control(req.headers(), "trace-id"), ctx.generation().settings());
    }

    /** Refuses a request before routing; it still gets its request log line. */
    private void refuse(HttpServerRequest req, String path, String requestId, boolean clientSentId, ApiError error) {
        Replies.error(req, ctx.cors(), requestId, error, true);
        log(exchange(req, Endpoint.unrouted(clip(path)), requestId, clientSentId), error.status(), error.message());
    }

    private void log(Exchange ex, int status, String errorMessage) {
        ex.status(status);
        if (errorMessage != null) ex.errorMessage(errorMessage);
        ctx.metrics().requestEnded(ex.endpoint(), status);
        RequestLog.write(ex);
    }

    /** The path below /v1, or null when this is not an OpenAI API path. */
    static String apiPath(String path) {
        if (path.startsWith("/v1/")) {
            return path.length() > 4 ? path.substring(3) : null;
        }
        int end = path.indexOf('/', 1);
        String first = end < 0 ? path.substring(1) : path.substring(1, end);
        return Endpoint.OPENAI_RESOURCES.contains(first) ? path : null;
    }

    static boolean validRequestId(String id) {
        if (id.isEmpty() || id.length() > 128) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-' && c != '_' && c != '.' && c != ':') return false;
        }
        return true;
    }

    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "req_" + Long.toHexString(r.nextLong() | Long.MIN_VALUE).substring(1)
                + Long.toHexString(r.nextLong() | Long.MIN_VALUE).substring(1);
    }

    /** A path fit for an error message and the log: short, printable, and with anything key-shaped masked. */
    private static String clip(String path) {
        String p = Redaction.scrub(path.length() > 100 ? path.substring(0, 100) + "…" : path);
        return p.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
