package dev.tollgate.hybrid;

import dev.tollgate.access.AccessControl;
import dev.tollgate.api.ApiError;
import dev.tollgate.http.Cors;
import dev.tollgate.http.Replies;
import dev.tollgate.http.SmallBody;
import dev.tollgate.store.LedgerRow;
import dev.tollgate.upstream.ForwardedHeaders;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * The control plane's {@code POST /dataplane/v1/usage}: a data plane's ledger rows, for a
 * data-plane token only. The batch is checked whole ({@link UsageBatch}); a bad one is refused with
 * 400 and nothing of it stored. A good one goes through the ledger, with its rollups, in one
 * transaction with the data plane's figures, and the answer is sent once that transaction has
 * committed: a 200 means stored. Rows whose id the ledger holds already are skipped, so a batch
 * sent twice (its answer lost) is stored once. JSON parsing runs on a worker thread, the database
 * work on the store's.
 */
public final class UsageEndpoint {

    public static final String PATH = UsageShipper.PATH;
    /** A batch's body at most: 500 rows with their texts fit; the data plane sends at most 4 MiB. */
    static final int MAX_BODY = 16 << 20;

    private final Vertx vertx;
    private final AccessControl access;
    private final Cors cors;
    private final ControlPlaneContacts contacts;

    public UsageEndpoint(Vertx vertx, AccessControl access, Cors cors, SnapshotEndpoint snapshots) {
        this.vertx = vertx;
        this.access = access;
        this.cors = cors;
        this.contacts = snapshots.contacts();
    }

    public void handle(HttpServerRequest req, String requestId) {
        if (req.method() != HttpMethod.POST) {
            Replies.error(req, cors, requestId, ApiError.methodNotAllowed(req.method().name(), PATH), true);
            return;
        }
        String token = ForwardedHeaders.bearerToken(req.getHeader(HttpHeaders.AUTHORIZATION));
        if (token == null || !DataPlaneTokens.looksLikeToken(token.trim())) {
            Replies.error(req, cors, requestId, unauthorized(), true);
            return;
        }
        String planeId = SnapshotEndpoint.clip(req.getHeader(DataPlaneSync.ID_HEADER));
        if (planeId == null) {
            Replies.error(req, cors, requestId, new ApiError(400, ApiError.INVALID_REQUEST, "invalid_dataplane_id",
                    "Usage needs the header " + DataPlaneSync.ID_HEADER + ": the data plane's id (1 to 64 letters, digits and . _ : + -).",
                    DataPlaneSync.ID_HEADER), true);
            return;
        }
        String raw = req.getHeader(UsageShipper.WAITING_HEADER);
        Long waiting = DataPlaneRows.parse(raw);
        if (raw != null && waiting == null) {
            Replies.error(req, cors, requestId, new ApiError(400, ApiError.INVALID_REQUEST, "invalid_rows_waiting",
                    UsageShipper.WAITING_HEADER + ": expected a whole number of rows.", UsageShipper.WAITING_HEADER), true);
            return;
        }
        String version = SnapshotEndpoint.clip(req.getHeader(DataPlaneSync.VERSION_HEADER));
        Context context = vertx.getOrCreateContext();
        SmallBody.read(req, MAX_BODY, body -> contacts.authenticate(token.trim()).whenComplete((tokenId, err) -> context.runOnContext(v -> {
            if (err != null) {
                Replies.error(req, cors, requestId, unavailable(), false);
            } else if (tokenId == null) {
                Replies.error(req, cors, requestId, unauthorized(), false);
            } else {
                long now = access.now();
                vertx.executeBlocking(() -> UsageBatch.read(body.getBytes(), now), false).onComplete(parsed -> {
                    if (parsed.failed()) {
                        Throwable e = parsed.cause();
                        Replies.error(req, cors, requestId, e instanceof UsageBatch.Invalid bad
                                ? new ApiError(400, ApiError.INVALID_REQUEST, "invalid_usage_batch", "Usage batch refused, nothing stored: "
                                        + bad.getMessage(), bad.param) : unavailable(), false);
                        return;
                    }
                    store(req, requestId, context, planeId, tokenId, version == null ? "unknown" : version, parsed.result(),
                            waiting == null ? null : waiting, now);
                });
            }
        })), () -> Replies.error(req, cors, requestId, new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large",
                "Usage batches are limited to 16 MiB.", null), false));
    }

    private void store(HttpServerRequest req, String requestId, Context context, String planeId, String tokenId, String version,
                       List<LedgerRow> rows, Long waiting, long now) {
        // What still waits once this batch is stored: the data plane counted the batch among its waiting rows.
        long after = waiting == null ? -1 : Math.max(0, waiting - rows.size());
        access.ledger().storeReceived(rows, planeId, c -> {
            DataPlaneRows.lock(c, planeId, tokenId, version, now);
            return null;
        }, (c, stored) -> DataPlaneRows.received(c, planeId, tokenId, version, stored, Math.max(0, after), now)).whenComplete((stored, err) -> context.runOnContext(v -> {
            if (err != null) {
                Replies.error(req, cors, requestId, unavailable(), false);
                return;
            }
            contacts.noteWaiting(planeId, Math.max(0, after));
            Replies.json(req, 200, "{\"object\":\"tollgate.usage_receipt\",\"received\":" + rows.size() + ",\"stored\":" + stored + "}");
        }));
    }

    private static ApiError unavailable() {
        return new ApiError(503, "api_error", "database_unavailable", "The control plane cannot write its database; send the batch again.",
                null);
    }

    static ApiError unauthorized() {
        return new ApiError(401, ApiError.INVALID_REQUEST, "invalid_dataplane_token",
                "Usage needs 'Authorization: Bearer <data-plane token>' with an active token.", null);
    }
}
