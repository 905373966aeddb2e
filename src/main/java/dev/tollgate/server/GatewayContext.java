package dev.tollgate.server;

import dev.tollgate.http.Cors;

import dev.tollgate.access.AccessControl;
import dev.tollgate.chain.ChainRunner;
import dev.tollgate.provider.Providers;
import dev.tollgate.provider.Router;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.HeaderOverrides;
import dev.tollgate.config.Settings;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.observe.SecretScrubber;
import dev.tollgate.trace.Tracing;
import dev.tollgate.upstream.RetryPolicy;
import dev.tollgate.upstream.UpstreamTarget;

import java.util.concurrent.atomic.AtomicBoolean;

/** What every event loop shares: resolved settings, the chain, access control, and the readiness flag. */
public final class GatewayContext {

    private final Settings settings;
    private final ChainRunner chain;
    private final HeaderOverrides overrides;
    private final UpstreamTarget upstream;
    private final RetryPolicy retryPolicy;
    private final Cors cors;
    private final AccessControl access;
    /** The gateway-wide configuration requests start with; replaced whole on a data plane (see {@link ConfigGeneration}). */
    private volatile ConfigGeneration generation;
    private final Providers providers;
    private volatile SecretScrubber scrubber;
    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final dev.tollgate.ui.Dashboard dashboard;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean ready = new AtomicBoolean();
    /** Hybrid mode: a data plane's snapshot follower, or a control plane's snapshot endpoint (null otherwise). */
    private volatile dev.tollgate.hybrid.DataPlaneSync dataPlane;
    private volatile dev.tollgate.hybrid.SnapshotEndpoint snapshotEndpoint;
    /** Hybrid mode: a control plane's usage endpoint (null otherwise). */
    private volatile dev.tollgate.hybrid.UsageEndpoint usageEndpoint;

    public GatewayContext(Settings settings, ChainRunner chain, HeaderOverrides overrides, AccessControl access, Router router,
                          SecretScrubber scrubber, GatewayMetrics metrics, Tracing tracing) {
        this.metrics = metrics;
        this.access = access;
        this.tracing = tracing;
        this.scrubber = scrubber;
        this.generation = new ConfigGeneration(settings, router, access.rules());
        this.providers = new Providers(settings);
        this.settings = settings;
        this.chain = chain;
        this.overrides = overrides;
        this.upstream = UpstreamTarget.of(settings.get(CoreSettings.LLM_API_BASE_PATH));
        this.retryPolicy = new RetryPolicy(settings.get(CoreSettings.RETRY_BASE_DELAY_MS), settings.get(CoreSettings.RETRY_MAX_WAIT_MS));
        this.cors = new Cors(settings.get(CoreSettings.CORS_HEADERS));
        this.dashboard = new dev.tollgate.ui.Dashboard(access, cors); // reads its files from the jar once, here
    }

    /** The settings this gateway was started with (its own: ports, timeouts, credentials; see {@link #generation}). */
    public Settings settings() { return settings; }

    /** The gateway-wide configuration in force now: a request reads it once, at its start. */
    public ConfigGeneration generation() { return generation; }

    /**
     * Puts a new configuration in force (a data plane's new snapshot): requests under way finish
     * with the one they started with. The scrubber learns the new generation's credentials first,
     * so none of them can reach a response or log line unmasked.
     */
    void generation(ConfigGeneration next, SecretScrubber scrubber) {
        this.scrubber = scrubber;
        access.rules(next.rules());
        this.generation = next;
    }
    public dev.tollgate.hybrid.DataPlaneSync dataPlane() { return dataPlane; }
    public dev.tollgate.hybrid.SnapshotEndpoint snapshotEndpoint() { return snapshotEndpoint; }
    /** A control plane's budget calls for data planes (leases, a period's spent figure); null otherwise. */
    private volatile dev.tollgate.hybrid.LeaseEndpoint leaseEndpoint;
    public dev.tollgate.hybrid.LeaseEndpoint leaseEndpoint() { return leaseEndpoint; }
    void leaseEndpoint(dev.tollgate.hybrid.LeaseEndpoint e) { this.leaseEndpoint = e; }
    void hybrid(dev.tollgate.hybrid.DataPlaneSync dataPlane, dev.tollgate.hybrid.SnapshotEndpoint snapshotEndpoint) {
        this.dataPlane = dataPlane;
        this.snapshotEndpoint = snapshotEndpoint;
    }
    public dev.tollgate.hybrid.UsageEndpoint usageEndpoint() { return usageEndpoint; }
    void usageEndpoint(dev.tollgate.hybrid.UsageEndpoint endpoint) { this.usageEndpoint = endpoint; }
    public ChainRunner chain() { return chain; }
    public HeaderOverrides overrides() { return overrides; }
    public UpstreamTarget upstream() { return upstream; }
    public RetryPolicy retryPolicy() { return retryPolicy; }
    public Cors cors() { return cors; }
    public AccessControl access() { return access; }
    /** The browser dashboard at /ui and its sessions, shared by every event loop. */
    public dev.tollgate.ui.Dashboard dashboard() { return dashboard; }
    /** The models list's router in force now. */
    public Router router() { return generation.router(); }
    public Providers providers() { return providers; }
    /** Masks the gateway's credentials in upstream error bodies and error events. */
    public SecretScrubber scrubber() { return scrubber; }
    /** What the request path records for /metrics ({@link GatewayMetrics#OFF} when metrics are off). */
    public GatewayMetrics metrics() { return metrics; }

    /** Tracing: the OpenTelemetry SDK, or off. */
    public Tracing tracing() { return tracing; }

    /** Ready: started and not shutting down. */
    public boolean ready() { return ready.get() && !draining.get(); }
    void markReady() { ready.set(true); }
    void markDraining() { draining.set(true); }
}
