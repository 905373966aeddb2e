package dev.tollgate.server;

import dev.tollgate.access.AccessControl;
import dev.tollgate.apidocs.ApiDocs;
import dev.tollgate.hybrid.DataPlaneSync;
import dev.tollgate.hybrid.HybridSettings;
import dev.tollgate.hybrid.SnapshotEndpoint;
import dev.tollgate.access.AccessSettings;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.Setting;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.metrics.MetricsSettings;
import dev.tollgate.observe.SecretScrubber;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ModelRoute;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.Router;
import dev.tollgate.chain.Policy;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.HeaderOverrides;
import dev.tollgate.config.SettingCatalog;
import dev.tollgate.config.Settings;
import dev.tollgate.policy.Policies;
import dev.tollgate.trace.Tracing;
import dev.tollgate.usage.TokenCounter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.LongSupplier;

/** A running gateway: start it from settings, ask its port, stop it gracefully. */
public final class Gateway {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    private final Vertx vertx;
    private final GatewayContext ctx;
    private final List<GatewayVerticle> verticles;
    private final int port;
    private final HttpServer metricsServer; // its own listener (TOLLGATE_METRICS_PORT), or null

    private Gateway(Vertx vertx, GatewayContext ctx, List<GatewayVerticle> verticles, int port, HttpServer metricsServer) {
        this.vertx = vertx;
        this.ctx = ctx;
        this.verticles = verticles;
        this.port = port;
        this.metricsServer = metricsServer;
    }

    /** The catalog of every setting the standard chain knows. */
    public static SettingCatalog catalog() {
        return SettingCatalog.of(gatewaySettings(), Providers.settings(), Policies.settingsOf(Policies.standard()));
    }

    /** Gateway-wide settings a control plane's snapshot carries: the policies', prices, limits shared by all callers, the models list. */
    static List<Setting<?>> travellingSettings(List<Policy> policies) {
        List<Setting<?>> all = new ArrayList<>(Policies.settingsOf(policies));
        all.addAll(List.of(AccessSettings.PRICES, AccessSettings.UNPRICED_MODELS, AccessSettings.MODEL_LIMITS, AccessSettings.IP_LIMITS,
                AccessSettings.LIMITS_COUNT_FAILED, dev.tollgate.provider.RoutingSettings.MODELS));
        return all;
    }

    /** Settings of the capabilities beside the chain: key mode's and the metrics'. */
    private static List<Setting<?>> gatewaySettings() {
        List<Setting<?>> all = new ArrayList<>(AccessSettings.ALL);
        all.addAll(MetricsSettings.ALL);
        all.addAll(dev.tollgate.hybrid.HybridSettings.ALL);
        all.addAll(dev.tollgate.hybrid.LeaseSettings.ALL);
        all.addAll(dev.tollgate.oidc.OidcSettings.ALL);
        return all;
    }

    public static Future<Gateway> start(Settings settings) {
        return start(settings, Policies.standard());
    }

    public static Future<Gateway> start(Settings settings, List<Policy> policies) {
        return start(settings, policies, System::currentTimeMillis);
    }

    /** With a clock for rate-limit windows and budget periods (tests walk time with it). */
    public static Future<Gateway> start(Settings settings, List<Policy> policies, LongSupplier clockMillis) {
        return start(settings, policies, clockMillis, System::getenv);
    }

    /** With the environment the models list reads credentials from (tests give their own); tracing as the process environment asks. */
    public static Future<Gateway> start(Settings settings, List<Policy> policies, LongSupplier clockMillis, Function<String, String> env) {
        Tracing tracing;
        try {
            tracing = Tracing.fromEnvironment(System.getenv());
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return start(settings, policies, clockMillis, env, tracing);
    }

    /** With tracing made by the caller (tests point it at their own receiver); the gateway closes it when it stops. */
    public static Future<Gateway> start(Settings settings, List<Policy> policies, LongSupplier clockMillis, Function<String, String> env,
                                        Tracing tracing) {
        Future<Gateway> started = startTraced(settings, policies, clockMillis, env, tracing);
        return started.onFailure(e -> tracing.close());
    }

    private static Future<Gateway> startTraced(Settings configured, List<Policy> policies, LongSupplier clockMillis, Function<String, String> env,
                                               Tracing tracing) {
        // A data plane is always in key mode and never has an admin API; its gateway-wide settings come from the snapshot.
        boolean dataPlane = HybridSettings.role(configured) == HybridSettings.Role.DATA_PLANE;
        List<Setting<?>> travelling = travellingSettings(policies);
        List<String> ignoredHere = dataPlane ? TravellingSettings.setLocally(configured, travelling) : List.of();
        Settings settings = dataPlane
                ? TravellingSettings.withoutTravelling(HybridSettings.dataPlaneSettings(configured), travelling) : configured;
        SettingCatalog catalog = SettingCatalog.of(gatewaySettings(), Providers.settings(), Policies.settingsOf(policies));
        TokenCounter.warmUp(); // on the caller's thread: never built on an event loop by a first request
        ApiDocs.get(); // /openapi.json and /docs, read once, here rather than on an event loop
        AccessControl access;
        Router router;
        HybridSettings.Role role;
        try {
            List<String> hybridErrors = new ArrayList<>(HybridSettings.validate(settings));
            hybridErrors.addAll(dev.tollgate.oidc.OidcSettings.validate(settings));
            if (!hybridErrors.isEmpty()) throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", hybridErrors));
            role = HybridSettings.role(settings);
            Policies.validate(policies, settings);
            router = router(settings, env, clockMillis);
            access = role == HybridSettings.Role.DATA_PLANE ? AccessControl.withoutDatabase(settings, catalog, clockMillis)
                    : AccessControl.open(settings, catalog, clockMillis, env);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        access.pricingModel(pricing(router));
        List<String> secrets = secrets(settings, catalog, router);
        SecretScrubber.registerForLogs(secrets);
        GatewayMetrics metrics = metrics(settings, access, router);
        GatewayContext ctx = new GatewayContext(settings, new ChainRunner(policies), new HeaderOverrides(catalog), access, router,
                SecretScrubber.of(secrets), metrics, tracing);
        int loops = settings.get(CoreSettings.EVENT_LOOPS);
        int instances = loops > 0 ? loops : Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(instances).setPreferNativeTransport(true));
        try {
            access.shareCounters(vertx, settings, env);
            // Only a shared store asks: no such series without Redis.
            access.counters().observeCalls(() -> metrics.sharedStateCalls()::record);
            access.syncKeys(vertx, settings, env);
            ctx.dashboard().singleSignOn(dev.tollgate.oidc.OidcLogin.of(vertx, settings, clockMillis));
            if (role == HybridSettings.Role.DATA_PLANE) {
                dev.tollgate.hybrid.BudgetsAcrossPlanes.dataPlane(vertx, settings, access, clockMillis);
                if (!ignoredHere.isEmpty()) {
                    LOG.warn("data plane: {} set here {} ignored: the control plane's snapshot sets the gateway-wide settings",
                            String.join(", ", ignoredHere), ignoredHere.size() == 1 ? "is" : "are");
                }
                // Usage goes home: rows to the spool and on to the control plane (closed with access control).
                dev.tollgate.hybrid.UsageShipper shipper = dev.tollgate.hybrid.UsageShipper.start(vertx, settings, clockMillis);
                access.sendRowsTo(shipper);
                metrics.ledger(shipper::queued, shipper::dropped, shipper::spooled); // the same gauges: rows on their way home
                TravellingSettings layer = new TravellingSettings(ctx, settings, travelling, catalog, policies, env, metrics, secrets);
                DataPlaneSync sync = DataPlaneSync.start(vertx, settings, access, layer, clockMillis);
                sync.reportRowsWaiting(shipper::waiting);
                ctx.hybrid(sync, null);
            } else if (role == HybridSettings.Role.CONTROL_PLANE) {
                SnapshotEndpoint snapshots = new SnapshotEndpoint(vertx, access, ctx.cors(), HybridSettings.travelling(settings, travellingSettings(policies)));
                ctx.hybrid(null, snapshots);
                ctx.leaseEndpoint(new dev.tollgate.hybrid.LeaseEndpoint(vertx, access, ctx.cors(),
                        settings.get(dev.tollgate.hybrid.LeaseSettings.LEASE_SECONDS) * 1000L, java.nio.file.Path.of(settings.get(AccessSettings.DATA_DIR))));
                ctx.usageEndpoint(new dev.tollgate.hybrid.UsageEndpoint(vertx, access, ctx.cors(), snapshots));
            }
        } catch (RuntimeException e) {
            vertx.close();
            access.close();
            metrics.close();
            return Future.failedFuture(new ConfigException("invalid configuration:\n  " + e.getMessage()));
        }
        int port;
        try {
            port = settings.get(CoreSettings.PORT) != 0 ? settings.get(CoreSettings.PORT) : freePort(settings.get(CoreSettings.HOST));
        } catch (IOException e) {
            vertx.close();
            access.close();
            metrics.close();
            return Future.failedFuture(e);
        }
        int metricsPort = metrics.enabled() ? settings.get(MetricsSettings.PORT) : 0;
        if (metricsPort != 0 && metricsPort == port) {
            vertx.close();
            access.close();
            metrics.close();
            return Future.failedFuture(new ConfigException("invalid configuration:\n  TOLLGATE_METRICS_PORT: " + metricsPort
                    + " is the gateway's own port; give another, or 0 to serve /metrics on the main port"));
        }
        List<GatewayVerticle> verticles = new CopyOnWriteArrayList<>();
        return vertx.deployVerticle(() -> {
                    GatewayVerticle v = new GatewayVerticle(ctx, port);
                    verticles.add(v);
                    return v;
                }, new DeploymentOptions().setInstances(instances))
                .compose(id -> metricsPort == 0 ? Future.<HttpServer>succeededFuture(null)
                        : new MetricsEndpoint(metrics, settings.get(MetricsSettings.TOKEN), ctx.cors())
                                .listen(vertx, settings.get(CoreSettings.HOST), metricsPort))
                .map(metricsServer -> {
                    // Idle rate-limit subjects (client IPs) are forgotten once their windows are empty.
                    vertx.setPeriodic(60_000, t -> access.sweep());
                    ctx.markReady();
                    return new Gateway(vertx, ctx, new ArrayList<>(verticles), port, metricsServer);
                })
                .recover(err -> vertx.close().transform(ignored -> {
                    access.close();
                    metrics.close();
                    return Future.failedFuture(err);
                }));
    }

    /** How a model name is priced: a routed alias as its first deployment's model. */
    static java.util.function.UnaryOperator<String> pricing(Router router) {
        return m -> {
            ModelRoute r = router.route(m);
            return r == null ? m : r.deployments().get(0).pricedModel();
        };
    }

    /** The metrics (or none), with the gauges read at each scrape: circuits, the ledger, budgets. */
    private static GatewayMetrics metrics(Settings settings, AccessControl access, Router router) {
        GatewayMetrics metrics = GatewayMetrics.of(settings);
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (ModelRoute r : router.listed()) {
            for (Deployment d : r.deployments()) {
                if (ids.add(d.id())) metrics.deploymentCircuit(d.id(), () -> router.health().state(d.id()));
            }
        }
        dev.tollgate.store.Ledger ledger = access.ledger();
        if (ledger != null) metrics.ledger(ledger::queued, ledger::dropped, ledger::spooled);
        if (access.keyMode()) metrics.budgets(settings, access::budgetsRemaining);
        return metrics;
    }

    /** Every credential the gateway holds: secret settings (provider key, admin token) and each deployment's key. */
    static List<String> secrets(Settings settings, SettingCatalog catalog, Router router) {
        List<String> out = new ArrayList<>();
        for (Setting<?> s : catalog.all()) {
            if (s.secret() && settings.get(s) instanceof String v) out.add(v);
        }
        for (ModelRoute r : router.listed()) {
            for (Deployment d : r.deployments()) out.add(d.credential());
        }
        if (router.defaultDeployment() != null) out.add(router.defaultDeployment().credential());
        return out;
    }

    /** The routes of TOLLGATE_MODELS; a bad entry stops start-up naming it. */
    public static Router router(Settings settings, Function<String, String> env, LongSupplier clockMillis) {
        try {
            return Router.of(settings, env, clockMillis);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid configuration:\n  " + e.getMessage());
        }
    }

    public int port() {
        return port;
    }

    /** Model routing (the models list). */
    public Router router() {
        return ctx.router();
    }

    /** Access control: keys, limits, budgets, ledger (tests inspect it). */
    /** What the verticles share (hybrid mode's parts among it). */
    public GatewayContext context() {
        return ctx;
    }

    public AccessControl access() {
        return ctx.access();
    }

    /** The browser dashboard and its sessions (tests make viewer sessions through it). */
    public dev.tollgate.ui.Dashboard dashboard() {
        return ctx.dashboard();
    }

    /** What the gateway records for /metrics ({@link GatewayMetrics#OFF} when metrics are off). */
    public GatewayMetrics metrics() {
        return ctx.metrics();
    }

    /** Tracing: on (where spans go) or off. */
    public dev.tollgate.trace.Tracing tracing() {
        return ctx.tracing();
    }

    public boolean ready() {
        return ctx.ready();
    }

    /**
     * Graceful stop: /readyz turns 503, the listener closes, in-flight requests and streams get
     * up to the grace period to finish, then everything closes.
     */
    public Future<Void> stop() {
        ctx.markDraining();
        long grace = ctx.settings().get(CoreSettings.SHUTDOWN_GRACE_MS);
        List<Future<Void>> shutdowns = new ArrayList<>();
        for (GatewayVerticle v : verticles) shutdowns.add(v.shutdown(grace));
        if (metricsServer != null) shutdowns.add(metricsServer.close());
        return Future.join(shutdowns)
                .transform(ignored -> ctx.access().counters().flush()) // deferred settlements reach Redis
                .transform(ignored -> vertx.close())
                .andThen(ignored -> {
                    if (ctx.dataPlane() != null) ctx.dataPlane().close();
                    ctx.access().close(); // the ledger's last rows are written before exit
                    ctx.metrics().close();
                })
                .andThen(ignored -> ctx.tracing().close()); // and the last spans exported
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }
}
