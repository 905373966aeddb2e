package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessSettings;
import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A data plane's budget calls to its control plane ({@link LeaseEndpoint}): leases without Redis,
 * and with Redis what a budget spent in a period the shared store does not know yet. Vert.x's HTTP
 * client: nothing here blocks.
 */
public final class ControlPlaneLeases implements LeaseSource, AutoCloseable {

    static final long TIMEOUT_MS = 5_000;

    private final HttpClient client;
    private final URI base;
    private final String token;
    private final String planeId;

    public ControlPlaneLeases(Vertx vertx, Settings s) {
        this.base = URI.create(HybridSettings.controlPlaneUrl(s));
        this.token = HybridSettings.token(s);
        this.planeId = DataPlaneSync.planeId(Path.of(s.get(AccessSettings.DATA_DIR)));
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout((int) TIMEOUT_MS)
                .setSsl("https".equalsIgnoreCase(base.getScheme())).setForceSni(true));
    }

    @Override
    public Future<LeaseGrant> ask(LeaseRequest r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("budget", r.budget());
        o.put("lease_id", r.leaseId());
        o.put("spent_nano_usd", r.spentNanoUsd());
        o.put("need_nano_usd", r.needNanoUsd());
        o.put("min_nano_usd", r.minNanoUsd());
        o.put("release", r.release());
        return call(HttpMethod.POST, LeaseEndpoint.LEASES, Json.toBuffer(o)).map(n -> new LeaseGrant(
                n.path("lease_id").isTextual() ? n.path("lease_id").asText() : null, n.path("granted_nano_usd").asLong(),
                n.path("expires_in_ms").asLong(), n.path("period_start").asLong(), n.path("remaining_nano_usd").asLong()));
    }

    @Override
    public Future<RequestSlice> slice(SliceRequest r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("requests_for", r.subject());
        o.put("lease_id", r.sliceId());
        o.put("used_requests", r.used());
        o.put("need_requests", r.need());
        o.put("release", r.release());
        return call(HttpMethod.POST, LeaseEndpoint.LEASES, Json.toBuffer(o)).map(n -> new RequestSlice(
                n.path("lease_id").isTextual() ? n.path("lease_id").asText() : null, n.path("granted_requests").asLong(),
                n.path("expires_in_ms").asLong(), n.path("retry_after_ms").asLong(),
                n.path("window").isTextual() ? n.path("window").asText() : null, n.path("limit").asLong()));
    }

    /** What the control plane's ledger says this budget spent from {@code periodStart} on. */
    public Future<Long> spentSince(BudgetAccount account, long periodStart) {
        String uri = LeaseEndpoint.SPENT + "?budget=" + URLEncoder.encode(account.subject(), StandardCharsets.UTF_8) + "&period_start=" + periodStart;
        return call(HttpMethod.GET, uri, null).map(n -> n.path("spent_nano_usd").asLong());
    }

    private Future<JsonNode> call(HttpMethod method, String uri, Buffer body) {
        String p = base.getRawPath();
        RequestOptions options = new RequestOptions().setMethod(method).setHost(base.getHost())
                .setPort(base.getPort() > 0 ? base.getPort() : "https".equalsIgnoreCase(base.getScheme()) ? 443 : 80)
                .setURI((p == null ? "" : p.replaceAll("/+$", "")) + uri)
                .setTimeout(TIMEOUT_MS)
                .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .putHeader(DataPlaneSync.ID_HEADER, planeId)
                .putHeader(DataPlaneSync.VERSION_HEADER, DataPlaneSync.version());
        if (body != null) options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        return client.request(options).compose(req -> body == null ? req.send() : req.send(body)).compose(resp -> resp.body().compose(b -> {
            if (resp.statusCode() != 200) {
                String code = "";  // a short code only: never echo more of an answer into a log
                try {
                    code = Json.parse(b).path("error").path("code").asText();
                    if (!code.matches("[a-z_]{1,64}")) code = "";
                } catch (Exception ignored) {
                    // the status alone then
                }
                return Future.failedFuture(new Refused("the control plane answered " + resp.statusCode() + (code.isEmpty() ? "" : " " + code)));
            }
            try {
                return Future.succeededFuture(Json.parse(b));
            } catch (Exception e) {
                return Future.failedFuture(new Refused("the control plane's answer is not JSON"));
            }
        }));
    }

    @Override
    public void close() {
        client.close();
    }

    /** The control plane answered, but not with what was asked. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
