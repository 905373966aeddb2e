package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.api.ApiError;
import dev.tollgate.http.Cors;
import dev.tollgate.http.Replies;
import dev.tollgate.http.SmallBody;
import dev.tollgate.json.Json;
import dev.tollgate.store.UsageQueries;
import dev.tollgate.upstream.ForwardedHeaders;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The control plane's budget calls for data planes, with a data-plane token like the snapshot:
 * {@code POST /dataplane/v1/leases} renews, tops up, opens or releases a budget lease (hybrid mode
 * without Redis, {@link LeaseBook}); {@code GET /dataplane/v1/budget-spent} answers what a budget
 * spent in a period according to the control plane's ledger (with Redis: a data plane has no
 * ledger to start a budget period in Redis from).
 */
public final class LeaseEndpoint {

    public static final String LEASES = "/dataplane/v1/leases";
    public static final String SPENT = "/dataplane/v1/budget-spent";
    private static final int MAX_BODY = 4096;
    private static final Set<String> FIELDS = Set.of("budget", "lease_id", "spent_nano_usd", "need_nano_usd", "min_nano_usd", "release");
    private static final Set<String> SLICE_FIELDS = Set.of("requests_for", "lease_id", "used_requests", "need_requests", "release");
    static final String SUBJECT = "(key|user|team):[\\x21-\\x7e]{1,200}";

    private final AccessControl access;
    private final Cors cors;
    private final ControlPlaneContacts contacts;
    private final LeaseBook book;
    private final LeaseFile file;
    private final java.util.concurrent.atomic.AtomicBoolean saving = new java.util.concurrent.atomic.AtomicBoolean();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    /** Takes back the leases saved by a previous run (blocking: call at start-up) and keeps them on disk from now on. */
    public LeaseEndpoint(Vertx vertx, AccessControl access, Cors cors, long leaseMs, Path dataDir) {
        this.access = access;
        this.cors = cors;
        this.contacts = new ControlPlaneContacts(access.database(), access::now);
        // Unreported leases are settled whole as long again after they expire.
        this.book = new LeaseBook(access.counters(), subject -> access.budgets().get(subject), subject -> limitsOf(access, subject),
                access::now, leaseMs, leaseMs);
        this.file = new LeaseFile(dataDir);
        try {
            int restored = book.restore(file.load());
            if (restored > 0) LOG.info("control plane: took back {} budget leases granted before the restart", restored);
        } catch (IOException e) {
            LOG.error("control plane: cannot read the saved leases {}: {}; leases granted before the restart are not counted",
                    file.path(), e.getClass().getSimpleName());
        }
        vertx.setPeriodic(1_000, t -> {
            book.expire();
            if (book.dirty() && saving.compareAndSet(false, true)) {
                List<LeaseBook.Saved> now = book.saved();
                vertx.executeBlocking(() -> {
                    file.save(now);
                    return null;
                }, false).onComplete(ar -> {
                    saving.set(false);
                    if (ar.failed()) LOG.error("control plane: cannot save the leases to {}: {}", file.path(), ar.cause().getClass().getSimpleName());
                });
            }
        });
    }

    public static boolean owns(String path) {
        return path.equals(LEASES) || path.equals(SPENT);
    }

    public LeaseBook book() {
        return book;
    }

    public void handle(HttpServerRequest req, String path, String requestId) {
        HttpMethod wanted = path.equals(LEASES) ? HttpMethod.POST : HttpMethod.GET;
        if (req.method() != wanted) {
            Replies.error(req, cors, requestId, ApiError.methodNotAllowed(req.method().name(), path), true);
            return;
        }
        String token = ForwardedHeaders.bearerToken(req.getHeader(HttpHeaders.AUTHORIZATION));
        if (token == null || !DataPlaneTokens.looksLikeToken(token.trim())) {
            Replies.error(req, cors, requestId, unauthorized(), true);
            return;
        }
        Context context = Vertx.currentContext();
        SmallBody.read(req, MAX_BODY, body -> contacts.authenticate(token.trim()).whenComplete((tokenId, err) -> context.runOnContext(v -> {
            if (err != null) {
                Replies.error(req, cors, requestId, new ApiError(503, "api_error", "database_unavailable",
                        "The control plane cannot read its database.", null), false);
                return;
            }
            if (tokenId == null) {
                Replies.error(req, cors, requestId, unauthorized(), false);
                return;
            }
            Future<String> answer;
            try {
                answer = path.equals(LEASES) ? lease(req, body) : spent(req);
            } catch (Invalid e) {
                answer = Future.failedFuture(e);
            }
            answer.onComplete(ar -> context.runOnContext(x -> {
                if (ar.succeeded()) Replies.json(req, 200, ar.result());
                else Replies.error(req, cors, requestId, error(ar.cause()), false);
            }));
        })), () -> Replies.error(req, cors, requestId, new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large",
                "Lease requests are limited to " + MAX_BODY + " bytes.", null), true));
    }

    private Future<String> lease(HttpServerRequest req, io.vertx.core.buffer.Buffer body) {
        String planeId = req.getHeader(DataPlaneSync.ID_HEADER);
        if (planeId == null || !planeId.trim().matches("[A-Za-z0-9._:+-]{1,64}")) {
            throw new Invalid("invalid_dataplane_id", "A lease request needs the header " + DataPlaneSync.ID_HEADER
                    + ": the data plane's id (1 to 64 letters, digits and . _ : + -).", DataPlaneSync.ID_HEADER);
        }
        JsonNode n = object(body);
        if (n.has("requests_for")) {
            return book.requests().handle(planeId.trim(), parseSlice(n)).map(g -> {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("lease_id", g.sliceId());
                o.put("granted_requests", g.granted());
                o.put("expires_in_ms", g.expiresInMs());
                o.put("retry_after_ms", g.retryAfterMs());
                o.put("window", g.window());
                o.put("limit", g.limit());
                return Json.toString(o);
            });
        }
        LeaseRequest r = parse(n);
        return book.handle(planeId.trim(), r).map(g -> {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("lease_id", g.leaseId());
            o.put("granted_nano_usd", g.grantedNanoUsd());
            o.put("expires_in_ms", g.expiresInMs());
            o.put("period_start", g.periodStart());
            o.put("remaining_nano_usd", g.remainingNanoUsd());
            return Json.toString(o);
        });
    }

    /** A lease request body, strictly: an object of the known fields, each of its type. */
    static LeaseRequest parse(io.vertx.core.buffer.Buffer body) {
        return parse(object(body));
    }

    private static JsonNode object(io.vertx.core.buffer.Buffer body) {
        JsonNode n;
        try {
            n = Json.parseRequest(body);
        } catch (Exception e) {
            throw new Invalid("invalid_json", "The body is not valid JSON.", null);
        }
        if (n == null || !n.isObject()) throw new Invalid("invalid_body", "The body must be a JSON object.", null);
        return n;
    }

    private static void known(JsonNode n, Set<String> fields) {
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) throw new Invalid("unknown_field", "Unknown field '" + ApiError.clip(f) + "'.", ApiError.clip(f));
        }
    }

    /** A request-slice body ({@code requests_for} instead of {@code budget}), as strictly. */
    static SliceRequest parseSlice(JsonNode n) {
        known(n, SLICE_FIELDS);
        JsonNode subject = n.get("requests_for");
        if (!subject.isTextual() || !subject.asText().matches(SUBJECT)) {
            throw new Invalid("invalid_requests_for", "requests_for: expected key:<id>, user:<id> or team:<id>.", "requests_for");
        }
        JsonNode slice = n.get("lease_id");
        if (slice != null && !slice.isNull() && !(slice.isTextual() && slice.asText().matches("rs_[0-9a-f]{16,64}"))) {
            throw new Invalid("invalid_lease_id", "lease_id: expected a request slice id (rs_…) or null.", "lease_id");
        }
        JsonNode release = n.get("release");
        if (release != null && !release.isBoolean()) throw new Invalid("invalid_release", "release: expected true or false.", "release");
        return new SliceRequest(subject.asText(), slice == null || slice.isNull() ? null : slice.asText(),
                count(n, "used_requests"), count(n, "need_requests"), release != null && release.asBoolean());
    }

    private static long count(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null) return 0;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new Invalid("invalid_" + field, field + ": expected a whole number, 0 or more.", field);
        }
        return v.asLong();
    }

    /** A subject's request limits on this control plane (null: no such key, user or team). */
    static dev.tollgate.limits.Limits limitsOf(AccessControl access, String subject) {
        int colon = subject.indexOf(':');
        String id = subject.substring(colon + 1);
        return switch (subject.substring(0, colon)) {
            case "key" -> {
                var e = access.keys().byId(id);
                yield e == null ? null : e.key().limits();
            }
            case "user" -> {
                var p = access.keys().principal(dev.tollgate.keys.Principal.Kind.USER, id);
                yield p == null ? null : p.limits();
            }
            default -> {
                var p = access.keys().principal(dev.tollgate.keys.Principal.Kind.TEAM, id);
                yield p == null ? null : p.limits();
            }
        };
    }

    static LeaseRequest parse(JsonNode n) {
        known(n, FIELDS);
        JsonNode budget = n.get("budget");
        if (budget == null || !budget.isTextual() || !budget.asText().matches(SUBJECT)) {
            throw new Invalid("invalid_budget", "budget: expected key:<id>, user:<id> or team:<id>.", "budget");
        }
        JsonNode lease = n.get("lease_id");
        if (lease != null && !lease.isNull() && !(lease.isTextual() && lease.asText().matches("ls_[0-9a-f]{16,64}"))) {
            throw new Invalid("invalid_lease_id", "lease_id: expected a lease id (ls_…) or null.", "lease_id");
        }
        JsonNode release = n.get("release");
        if (release != null && !release.isBoolean()) throw new Invalid("invalid_release", "release: expected true or false.", "release");
        return new LeaseRequest(budget.asText(), lease == null || lease.isNull() ? null : lease.asText(),
                amount(n, "spent_nano_usd"), amount(n, "need_nano_usd"), amount(n, "min_nano_usd"), release != null && release.asBoolean());
    }

    private static long amount(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null) return 0;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new Invalid("invalid_" + field, field + ": expected a whole number of nano-dollars, 0 or more.", field);
        }
        return v.asLong();
    }

    /** What a budget spent from {@code period_start} on, in the ledger (after writing what is queued). */
    private Future<String> spent(HttpServerRequest req) {
        String budget = req.getParam("budget");
        if (budget == null || !budget.matches(SUBJECT)) throw new Invalid("invalid_budget", "budget: expected key:<id>, user:<id> or team:<id>.", "budget");
        long start;
        try {
            start = Long.parseLong(req.getParam("period_start", ""));
        } catch (NumberFormatException e) {
            start = -1;
        }
        if (start < 0) throw new Invalid("invalid_period_start", "period_start: expected epoch milliseconds, 0 or more.", "period_start");
        int colon = budget.indexOf(':');
        String column = switch (budget.substring(0, colon)) {
            case "user" -> "user_id";
            case "team" -> "team_id";
            default -> "key_id";
        };
        String id = budget.substring(colon + 1);
        long from = start;
        CompletableFuture<Long> spent = access.ledger().flushAsync()
                .thenCompose(v -> access.database().read(c -> UsageQueries.spentSince(c, column, id, from)));
        return Future.fromCompletionStage(spent).map(nano -> {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("budget", budget);
            o.put("period_start", from);
            o.put("spent_nano_usd", nano);
            return Json.toString(o);
        });
    }

    private static ApiError error(Throwable e) {
        if (e instanceof Invalid i) return new ApiError(400, ApiError.INVALID_REQUEST, i.code, i.getMessage(), i.param);
        if (e instanceof RequestSlices.NoSuchLimit) {
            return new ApiError(404, ApiError.INVALID_REQUEST, "limit_not_found", "The control plane has no request limits for this subject.",
                    "requests_for");
        }
        if (e instanceof LeaseBook.NoSuchBudget) {
            return new ApiError(404, ApiError.INVALID_REQUEST, "budget_not_found", "The control plane has no such budget.", "budget");
        }
        return new ApiError(503, "api_error", "budgets_unavailable", "The control plane cannot answer for budgets right now.", null);
    }

    private static ApiError unauthorized() {
        return new ApiError(401, ApiError.INVALID_REQUEST, "invalid_dataplane_token",
                "Budget calls need 'Authorization: Bearer <data-plane token>' with an active token.", null);
    }

    /** A request that breaks the rules: a 400 with this code. */
    static final class Invalid extends RuntimeException {
        final String code;
        final String param;

        Invalid(String code, String message, String param) {
            super(message, null, false, false);
            this.code = code;
            this.param = param;
        }
    }
}
