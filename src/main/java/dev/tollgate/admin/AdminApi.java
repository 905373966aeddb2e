package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.api.ApiError;
import dev.tollgate.hybrid.DataPlaneAdmin;
import dev.tollgate.api.Endpoint;
import dev.tollgate.budget.Budget;
import dev.tollgate.chain.Exchange;
import dev.tollgate.json.Json;
import dev.tollgate.limits.Limits;
import dev.tollgate.observe.RequestLog;
import dev.tollgate.http.Cors;
import dev.tollgate.http.SmallBody;
import dev.tollgate.http.Replies;
import dev.tollgate.store.UsageQueries;
import dev.tollgate.usage.Cost;
import dev.tollgate.ui.SessionAuth;
import dev.tollgate.ui.Sessions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin REST API under {@code /admin/v1/}, guarded by {@code TOLLGATE_ADMIN_TOKEN} (sent as
 * {@code Authorization: Bearer <token>}, compared in constant time). Keys, users' and teams'
 * limits and budgets, and usage reports. Every call gets a request log line (never a secret).
 */
public final class AdminApi {

    private static final Logger LOG = LoggerFactory.getLogger("tollgate.admin");
    private static final int MAX_BODY = 1 << 20;
    private static final Pattern KEY = Pattern.compile("/admin/v1/keys/([^/]+)(/revoke|/rotate)?");
    private static final Pattern PRINCIPAL = Pattern.compile("/admin/v1/(users|teams)(?:/([^/]+))?");

    private final Vertx vertx;
    private final AccessControl access;
    private final Cors cors;
    private final AdminService service;
    private final DashboardRoutes dashboard;

    private final DataPlaneAdmin dataPlanes;
    private volatile java.util.function.Supplier<String> snapshotVersion;
    private final Sessions sessions;
    private final java.util.function.Supplier<JsonNode> config;

    /** {@code config}: the effective configuration for GET /admin/v1/config (never a secret's value). */
    public AdminApi(Vertx vertx, AccessControl access, Cors cors, Sessions sessions, java.util.function.Supplier<JsonNode> config) {
        this.vertx = vertx;
        this.sessions = sessions;
        this.config = config;
        this.access = access;
        this.cors = cors;
        this.service = access.database() == null ? null : new AdminService(access);
        this.dashboard = new DashboardRoutes(access);
        this.dataPlanes = access.database() == null ? null : new DataPlaneAdmin(access.database(), access::now);
    }

    /** On a control plane: the current snapshot's version, for {@code GET /admin/v1/dataplanes}. */
    public void snapshotVersion(java.util.function.Supplier<String> version) {
        this.snapshotVersion = version;
    }

    public void handle(HttpServerRequest req, String path, String requestId) {
        Exchange ex = new Exchange(req.method().name(), Endpoint.unrouted(path.length() > 100 ? path.substring(0, 100) : path),
                requestId, false, null, null);
        if (!access.adminEnabled() || service == null) {
            reply(req, ex, ApiError.notFound("The admin API is off: set TOLLGATE_ADMIN_TOKEN to turn it on."));
            return;
        }
        // The admin token, or a dashboard session (with its CSRF and origin checks for changes).
        SessionAuth.Caller caller = SessionAuth.check(req, access, sessions);
        if (caller.error() != null) {
            reply(req, ex, caller.error());
            return;
        }
        Context context = vertx.getOrCreateContext();
        SmallBody.read(req, MAX_BODY, body -> {
            CompletableFuture<JsonNode> result;
            try {
                result = route(req, path, body);
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            result.whenComplete((json, err) -> context.runOnContext(x -> {
                if (err == null && json instanceof com.fasterxml.jackson.databind.node.POJONode p && p.getPojo() instanceof TextReply t) {
                    replyText(req, ex, t);
                } else if (err == null) replyJson(req, ex, status(req, path), json);
                else reply(req, ex, toError(err));
            }));
        }, () -> reply(req, ex, new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large", "Admin request bodies are limited to 1 MiB.", null)));
    }

    private static int status(HttpServerRequest req, String path) {
        return req.method() == HttpMethod.POST && (path.equals("/admin/v1/keys") || path.equals("/admin/v1/dataplane-tokens")) ? 201 : 200;
    }

    private CompletableFuture<JsonNode> route(HttpServerRequest req, String path, Buffer body) {
        HttpMethod m = req.method();
        switch (AdminRoutes.match(m.name(), path)) { // the listed routes only (the OpenAPI document is checked against them)
            case NO_ROUTE -> throw new Refused404("Unknown admin route " + ApiError.clip(path) + ".");
            case WRONG_METHOD -> throw notAllowed(m, path);
            case FOUND -> { }
        }
        long now = access.now();
        if (path.equals("/admin/v1/keys")) {
            if (m == HttpMethod.POST) {
                KeySpec spec = KeySpec.parse(parse(body), access.keys().catalog(), now);
                return service.create(spec).thenApply(issued -> issued(issued, now));
            }
            if (m == HttpMethod.GET) {
                ObjectNode o = Json.object();
                o.put("object", "list");
                ArrayNode data = o.putArray("data");
                String user = req.getParam("user");
                String team = req.getParam("team");
                for (ApiKey k : service.list()) {
                    if (user != null && !user.equals(k.user())) continue;
                    if (team != null && !team.equals(k.team())) continue;
                    data.add(k.toJson(now));
                }
                return done(o);
            }
            throw notAllowed(m, path);
        }
        Matcher km = KEY.matcher(path);
        if (km.matches()) {
            String id = km.group(1);
            String action = km.group(2);
            if (action == null && m == HttpMethod.GET) return done(service.get(id).toJson(now));
            if (action == null && m == HttpMethod.PATCH) {
                JsonNode b = parse(body);
                java.util.Set<String> fields = new java.util.HashSet<>();
                b.fieldNames().forEachRemaining(fields::add);
                return service.edit(id, KeySpec.parse(b, access.keys().catalog(), now), fields).thenApply(k -> k.toJson(access.now()));
            }
            if ("/revoke".equals(action) && m == HttpMethod.POST) return service.revoke(id).thenApply(k -> k.toJson(access.now()));
            if ("/rotate".equals(action) && m == HttpMethod.POST) {
                long grace = 86_400;
                JsonNode b = body.length() == 0 ? Json.object() : parse(body);
                JsonNode g = b.get("grace_seconds");
                if (g != null && !g.isNull()) {
                    if (!g.isIntegralNumber() || g.longValue() < 0 || g.longValue() > 30L * 86_400) {
                        throw new IllegalArgumentException("grace_seconds: expected a whole number from 0 to 2592000 (30 days)");
                    }
                    grace = g.longValue();
                }
                return service.rotate(id, grace).thenApply(issued -> issued(issued, now));
            }
            throw notAllowed(m, path);
        }
        Matcher pm = PRINCIPAL.matcher(path);
        if (pm.matches()) {
            Principal.Kind kind = pm.group(1).equals("users") ? Principal.Kind.USER : Principal.Kind.TEAM;
            String id = pm.group(2);
            if (id == null) {
                if (m != HttpMethod.GET) throw notAllowed(m, path);
                ObjectNode o = Json.object();
                o.put("object", "list");
                ArrayNode data = o.putArray("data");
                access.keys().principals().stream().filter(p -> p.kind() == kind)
                        .sorted(java.util.Comparator.comparing(Principal::id)).forEach(p -> data.add(p.toJson()));
                return done(o);
            }
            if (!KeySpec.ID.matcher(id).matches()) throw new IllegalArgumentException(kind.id + " ids are letters, digits and . _ @ + - only");
            if (m == HttpMethod.GET) return done(service.principal(kind, id).toJson());
            if (m == HttpMethod.DELETE) return service.delete(kind, id).thenApply(d -> {
                ObjectNode o = Json.object();
                o.put("id", id);
                o.put("deleted", true);
                return o;
            });
            if (m == HttpMethod.PUT) {
                JsonNode b = parse(body);
                for (var it = b.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (!f.equals("limits") && !f.equals("budget")) throw new IllegalArgumentException("unknown field '" + ApiError.clip(f) + "'");
                }
                Limits limits = Limits.parse(b.get("limits"), "limits");
                Budget budget = Budget.parse(b.get("budget"), "budget");
                return service.put(kind, id, limits, budget).thenApply(Principal::toJson);
            }
            throw notAllowed(m, path);
        }
        if (path.equals("/admin/v1/dataplane-tokens")) {
            if (m == HttpMethod.POST) return dataPlanes.create(parse(body));
            if (m == HttpMethod.GET) return dataPlanes.list();
            throw notAllowed(m, path);
        }
        Matcher dm = DataPlaneAdmin.TOKEN.matcher(path);
        if (dm.matches()) {
            if (m != HttpMethod.POST) throw notAllowed(m, path);
            return dataPlanes.revoke(dm.group(1));
        }
        if (path.equals("/admin/v1/dataplanes")) {
            if (m != HttpMethod.GET) throw notAllowed(m, path);
            return dataPlanes.dataPlanes(snapshotVersion == null ? null : snapshotVersion.get());
        }
        if (path.equals("/admin/v1/config")) {
            if (m != HttpMethod.GET) throw notAllowed(m, path);
            return done(config.get());
        }
        if (path.equals("/admin/v1/usage")) {
            if (m != HttpMethod.GET) throw notAllowed(m, path);
            return usage(req, now);
        }
        if (path.equals("/admin/v1/stats/overview") || path.equals("/admin/v1/requests")) {
            if (m != HttpMethod.GET) throw notAllowed(m, path);
            return path.equals("/admin/v1/requests") ? dashboard.requests(req, now) : dashboard.overview(req, now);
        }
        throw new Refused404("Unknown admin route " + ApiError.clip(path) + ".");
    }

    private CompletableFuture<JsonNode> usage(HttpServerRequest req, long now) {
        String by = req.getParam("group_by", "model");
        UsageQueries.GroupBy groupBy = UsageQueries.GroupBy.parse(by);
        long from = time(req.getParam("from"), "from", now - 30L * 86_400_000);
        long to = time(req.getParam("to"), "to", now + 1);
        if (from >= to) throw new IllegalArgumentException("from must be before to");
        Map<String, String> filters = new LinkedHashMap<>();
        for (String f : UsageQueries.FILTERS.keySet()) {
            String v = req.getParam(f);
            if (v != null) filters.put(f, v);
        }
        String format = req.getParam("format", "json");
        if (!format.equals("json") && !format.equals("csv")) throw new IllegalArgumentException("format must be one of json, csv");
        return service.usage(groupBy, from, to, filters).thenApply(rows -> {
            if (format.equals("csv")) return new com.fasterxml.jackson.databind.node.POJONode(UsageCsv.of(groupBy, rows));
            ObjectNode o = Json.object();
            o.put("object", "tollgate.usage_report");
            o.put("group_by", groupBy.name().toLowerCase(java.util.Locale.ROOT));
            o.put("from", Instant.ofEpochMilli(from).toString());
            o.put("to", Instant.ofEpochMilli(to).toString());
            ArrayNode data = o.putArray("data");
            long requests = 0, input = 0, output = 0, cost = 0;
            for (UsageQueries.Row r : rows) {
                ObjectNode row = data.addObject();
                row.put("group", r.group());
                row.put("requests", r.requests());
                row.put("input_tokens", r.inputTokens());
                row.put("cached_input_tokens", r.cachedInputTokens());
                row.put("output_tokens", r.outputTokens());
                row.put("reasoning_tokens", r.reasoningTokens());
                row.put("cost_usd", Cost.dollars(r.costNanoUsd()));
                requests += r.requests();
                input += r.inputTokens();
                output += r.outputTokens();
                cost += r.costNanoUsd();
            }
            ObjectNode total = o.putObject("total");
            total.put("requests", requests);
            total.put("input_tokens", input);
            total.put("output_tokens", output);
            total.put("cost_usd", Cost.dollars(cost));
            return o;
        });
    }

    /** An instant as unix seconds, an ISO-8601 instant, or a date (UTC midnight). */
    static long time(String v, String name, long absent) {
        if (v == null || v.isEmpty()) return absent;
        try {
            if (v.chars().allMatch(Character::isDigit)) return Math.multiplyExact(Long.parseLong(v), 1000L);
            if (v.length() == 10) return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            return Instant.parse(v).toEpochMilli();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + ": expected unix seconds, 2026-11-01 or 2026-11-01T00:00:00Z");
        }
    }

    private static JsonNode issued(AdminService.IssuedKey issued, long now) {
        ObjectNode o = issued.key().toJson(now);
        o.put("key", issued.secret()); // shown once: only its hash is stored
        return o;
    }

    private static JsonNode parse(Buffer body) {
        try {
            JsonNode n = Json.parse(body);
            if (!n.isObject()) throw new IllegalArgumentException("the body must be a JSON object");
            return n;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("the body is not valid JSON");
        }
    }

    private static CompletableFuture<JsonNode> done(JsonNode n) {
        return CompletableFuture.completedFuture(n);
    }

    private static RuntimeException notAllowed(HttpMethod m, String path) {
        return new NotAllowed(m.name(), path);
    }

    private static final class NotAllowed extends RuntimeException {
        final String method, path;

        NotAllowed(String method, String path) {
            super(null, null, false, false);
            this.method = method;
            this.path = path;
        }
    }

    private static final class Refused404 extends RuntimeException {
        Refused404(String message) {
            super(message, null, false, false);
        }
    }

    private ApiError toError(Throwable err) {
        Throwable e = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (e instanceof IllegalArgumentException) return ApiError.badRequest("invalid_admin_request", e.getMessage());
        if (e instanceof AdminService.Refused r) return new ApiError(r.status, ApiError.INVALID_REQUEST, r.code, r.getMessage(), null);
        if (e instanceof NotAllowed n) return ApiError.methodNotAllowed(n.method, ApiError.clip(n.path));
        if (e instanceof Refused404 r) return ApiError.notFound(r.getMessage());
        if (e instanceof DataPlaneAdmin.NotFound r) return new ApiError(404, ApiError.INVALID_REQUEST, "dataplane_token_not_found", r.getMessage(), null);
        if (e instanceof dev.tollgate.store.Database.StoreException) {
            // The database is unreachable (or refused): nothing was changed; requests go on from memory meanwhile.
            LOG.warn("admin request failed on the database: {}", e.getMessage());
            return new ApiError(503, "server_error", "database_unavailable",
                    "The gateway's database cannot be reached right now; nothing was changed. Try again shortly.", null);
        }
        LOG.error("admin request failed: {}", e.toString());
        return new ApiError(500, "server_error", "internal_error", "The admin request failed; see the gateway log.", null);
    }

    // The log line is written before the answer, so it precedes anything the caller does next.
    private void replyJson(HttpServerRequest req, Exchange ex, int status, JsonNode json) {
        ex.status(status);
        RequestLog.write(ex);
        req.response().putHeader("x-request-id", ex.requestId());
        Replies.json(req, status, Json.toString(json));
    }

    private void replyText(HttpServerRequest req, Exchange ex, TextReply t) {
        ex.status(200);
        RequestLog.write(ex);
        req.response().putHeader("x-request-id", ex.requestId());
        req.response().putHeader("content-disposition", "attachment; filename=\"" + t.fileName() + "\"");
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, t.contentType());
        req.response().end(t.body());
    }

    private void reply(HttpServerRequest req, Exchange ex, ApiError error) {
        ex.status(error.status());
        ex.errorMessage(error.message());
        RequestLog.write(ex);
        Replies.error(req, cors, ex.requestId(), error, false);
    }
}
