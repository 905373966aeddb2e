package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.api.ApiError;
import dev.tollgate.http.Cors;
import dev.tollgate.http.Replies;
import dev.tollgate.upstream.ForwardedHeaders;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * The control plane's {@code GET /dataplane/v1/snapshot}: the configuration a data plane serves
 * from, for a data-plane token only. {@code If-None-Match} with the current version answers 304;
 * with {@code ?wait=N} (seconds, at most 60) the answer waits until the version changes (a key
 * made, revoked, rotated or changed; a user's or team's limits) and is sent at once then. The
 * request's {@code x-tollgate-dataplane-*} headers say which data plane asks and what it holds:
 * that is what {@code GET /admin/v1/dataplanes} lists.
 */
public final class SnapshotEndpoint {

    public static final String PATH = "/dataplane/v1/snapshot";
    static final int MAX_WAIT_SECONDS = 60;
    /** How often a waiting request looks at the key registry's change count (a number read, nothing more). */
    static final long WAIT_CHECK_MS = 100;

    private final Vertx vertx;
    private final AccessControl access;
    private final Cors cors;
    private final ObjectNode travellingSettings;
    private final ControlPlaneContacts contacts;
    private volatile Cached cached;

    private record Cached(long changeCount, Snapshot snapshot, Buffer bytes) {}

    public SnapshotEndpoint(Vertx vertx, AccessControl access, Cors cors, ObjectNode travellingSettings) {
        this.vertx = vertx;
        this.access = access;
        this.cors = cors;
        this.travellingSettings = travellingSettings;
        this.contacts = new ControlPlaneContacts(access.database(), access::now);
    }

    /** The current snapshot, built again only when the key registry changed since the last one. */
    Cached current() {
        long count = access.keys().changeCount();
        Cached c = cached;
        if (c != null && c.changeCount() == count) return c;
        Snapshot s = Snapshot.of(travellingSettings, access.keys().keys(), java.util.List.copyOf(access.keys().principals()), access.now());
        if (c != null && c.snapshot().version().equals(s.version())) s = c.snapshot(); // same content: same answer
        Cached fresh = new Cached(count, s, c != null && s == c.snapshot() ? c.bytes() : Buffer.buffer(s.toBytes()));
        cached = fresh;
        return fresh;
    }

    /** The data planes' contact records, shared with the usage endpoint. */
    ControlPlaneContacts contacts() {
        return contacts;
    }

    /** The version data planes should hold now. */
    public String version() {
        return current().snapshot().version();
    }

    public void handle(HttpServerRequest req, String requestId) {
        if (req.method() != HttpMethod.GET) {
            Replies.error(req, cors, requestId, ApiError.methodNotAllowed(req.method().name(), PATH), true);
            return;
        }
        String token = ForwardedHeaders.bearerToken(req.getHeader(HttpHeaders.AUTHORIZATION));
        if (token == null || !DataPlaneTokens.looksLikeToken(token.trim())) {
            Replies.error(req, cors, requestId, unauthorized(), true);
            return;
        }
        int wait;
        try {
            wait = waitSeconds(req.getParam("wait"));
        } catch (IllegalArgumentException e) {
            Replies.error(req, cors, requestId, new ApiError(400, ApiError.INVALID_REQUEST, "invalid_wait", e.getMessage(), "wait"), true);
            return;
        }
        String held = etagValue(req.getHeader(HttpHeaders.IF_NONE_MATCH));
        String planeId = clip(req.getHeader(DataPlaneSync.ID_HEADER));
        String planeVersion = clip(req.getHeader(DataPlaneSync.VERSION_HEADER));
        Long waiting = DataPlaneRows.parse(req.getHeader(UsageShipper.WAITING_HEADER));
        io.vertx.core.Context context = vertx.getOrCreateContext();
        contacts.authenticate(token.trim()).whenComplete((tokenId, err) -> context.runOnContext(v -> {
            if (err != null) {
                Replies.error(req, cors, requestId, new ApiError(503, "api_error", "database_unavailable",
                        "The control plane cannot read its database.", null), false);
                return;
            }
            if (tokenId == null) {
                Replies.error(req, cors, requestId, unauthorized(), false);
                return;
            }
            if (planeId != null) {
                contacts.record(planeId, tokenId, planeVersion == null ? "unknown" : planeVersion, held == null ? "" : held);
                if (waiting != null) contacts.waiting(planeId, waiting);
            }
            answer(req, held, wait);
        }));
    }

    private void answer(HttpServerRequest req, String held, int waitSeconds) {
        Cached c = current();
        if (held == null || !held.equals(c.snapshot().version()) || waitSeconds == 0) {
            send(req, held, c);
            return;
        }
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        long[] timer = {0};
        timer[0] = vertx.setPeriodic(WAIT_CHECK_MS, t -> {
            Cached now = current();
            boolean changed = !held.equals(now.snapshot().version());
            if (changed || System.nanoTime() >= deadline || req.response().closed()) {
                vertx.cancelTimer(timer[0]);
                if (!req.response().closed()) send(req, held, now);
            }
        });
    }

    private static void send(HttpServerRequest req, String held, Cached c) {
        var resp = req.response();
        resp.putHeader(HttpHeaders.ETAG, "\"" + c.snapshot().version() + "\"");
        resp.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        if (c.snapshot().version().equals(held)) {
            resp.setStatusCode(304).end();
            return;
        }
        resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        resp.setStatusCode(200).end(c.bytes());
    }

    static int waitSeconds(String raw) {
        if (raw == null || raw.isEmpty()) return 0;
        try {
            int w = Integer.parseInt(raw);
            if (w >= 0 && w <= MAX_WAIT_SECONDS) return w;
        } catch (NumberFormatException ignored) {
            // the message below
        }
        throw new IllegalArgumentException("wait: expected whole seconds from 0 to " + MAX_WAIT_SECONDS);
    }

    /** The version in an {@code If-None-Match} value ({@code "v"} or {@code W/"v"}), or null. */
    static String etagValue(String header) {
        if (header == null) return null;
        String v = header.trim();
        if (v.startsWith("W/")) v = v.substring(2);
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
        return v.matches("[0-9a-f]{64}") ? v : null;
    }

    static String clip(String v) {
        if (v == null) return null;
        String t = v.trim();
        return t.isEmpty() || !t.matches("[A-Za-z0-9._:+-]{1,64}") ? null : t;
    }

    static ApiError unauthorized() {
        return new ApiError(401, ApiError.INVALID_REQUEST, "invalid_dataplane_token",
                "The snapshot needs 'Authorization: Bearer <data-plane token>' with an active token.", null);
    }
}
