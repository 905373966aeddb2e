package dev.tollgate.metrics;

import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Caller;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.config.Settings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The gateway's metrics: what the request path records (each meter bound once, then kept), the
 * gauges read at scrape time, and the Prometheus text the scrape returns. One per gateway.
 * {@link #OFF} records nothing: every method returns at its first line.
 */
public final class GatewayMetrics implements AutoCloseable {

    /** Metrics switched off: no registry, no recording. */
    public static final GatewayMetrics OFF = new GatewayMetrics();

    private final PrometheusMeterRegistry registry;
    private final boolean on;
    private final LabelCap models;
    private final LabelCap policies;
    private final LabelCap deployments;
    private final LabelCap teams;
    private final boolean costByTeam;
    private final RequestCounts requests;
    private final GenAiMeters genAi;
    private final ConcurrentHashMap<String, Counter[]> findings = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> refusals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> retries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> fallbacks = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Object, Counter> cost = new ConcurrentHashMap<>();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Timer eventLoopLag;
    private final JvmGcMetrics gc;
    private volatile BudgetGauges budgets;
    private final java.util.List<Object> held = new java.util.concurrent.CopyOnWriteArrayList<>();

    private GatewayMetrics() {
        registry = null;
        on = false;
        models = policies = deployments = teams = null;
        costByTeam = false;
        requests = null;
        genAi = null;
        eventLoopLag = null;
        gc = null;
    }

    private GatewayMetrics(Settings s) {
        on = true;
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        int max = s.get(MetricsSettings.MAX_LABEL_VALUES);
        models = new LabelCap(max);
        policies = new LabelCap(max);
        deployments = new LabelCap(max);
        teams = new LabelCap(max);
        costByTeam = s.get(MetricsSettings.COST_BY_TEAM);
        requests = new RequestCounts(registry);
        genAi = new GenAiMeters(registry);
        Gauge.builder("tollgate.streams.open", openStreams, AtomicInteger::get)
                .description("Streamed answers being relayed now.").register(registry);
        eventLoopLag = Timer.builder("tollgate.event_loop.lag")
                .description("How late each event loop ran a timer due every 200 ms: time the loop was busy with other work.")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** The gateway's metrics as its settings ask: {@link #OFF} when TOLLGATE_METRICS_ENABLED is false. */
    public static GatewayMetrics of(Settings s) {
        return s.get(MetricsSettings.ENABLED) ? new GatewayMetrics(s) : OFF;
    }

    public boolean enabled() {
        return on;
    }

    /** Everything in Prometheus text format 0.0.4 (gauges are read now). CPU work: run it off the event loops. */
    public String scrape() {
        BudgetGauges b = budgets;
        if (b != null) b.refresh();
        return registry.scrape();
    }

    // ---- the request path ------------------------------------------------------------------

    /** A request that ended before it became an API call (refused before routing, a CORS preflight). */
    public void requestEnded(Endpoint endpoint, int status) {
        if (!on) return;
        requests.count(endpoint, status);
    }

    /**
     * An API request ended: its count, its findings, its cost, and for a GenAI operation that went
     * upstream the GenAI metrics of the call that served it.
     *
     * @param providerId     the provider of the upstream call that served it (the last one made), null when none was made
     * @param callStartNanos when that call started (0: none)
     * @param callError      how that call failed ({@code error.type}), null when the upstream answered 2xx
     */
    public void requestEnded(Exchange ex, String providerId, long callStartNanos, String callError, long endNanos) {
        if (!on) return;
        int status = ex.status();
        requests.count(ex.endpoint(), status);
        if (!ex.findings().isEmpty()) findings(ex);
        String model = ex.model();
        String responseModel = ex.responseModel();
        if (ex.costNanoUsd() >= 0) cost(responseModel != null ? responseModel : model, ex.caller(), ex.costNanoUsd());
        String operation = GenAiMeters.operation(ex.endpoint().kind());
        if (operation == null || model == null || providerId == null) return;

        GenAiMeters.Bundle b = genAi.bundle(operation, GenAiMeters.provider(providerId), models.of(model),
                responseModel == null ? "" : models.of(responseModel));
        boolean ok = status >= 200 && status < 300;
        b.serverDuration(endNanos - ex.startNanos(), ok ? null : Integer.toString(status));
        if (callStartNanos != 0) {
            if (callError == null && ex.upstreamStatus() == 0) callError = "cancelled"; // no answer came: the caller left first
            long upstreamEnd = ex.upstreamEndNanos() >= callStartNanos ? ex.upstreamEndNanos() : endNanos;
            b.clientDuration(upstreamEnd - callStartNanos, callError);
            if (ex.upstreamFirstChunkNanos() >= callStartNanos) b.timeToFirstChunk(ex.upstreamFirstChunkNanos() - callStartNanos);
        }
        long out = ex.outputTokens();
        if (ex.inputTokens() >= 0) b.tokens(ex.inputTokens(), out);
        long first = ex.firstOutputNanos();
        if (ok && first != 0) {
            b.timeToFirstToken(first - ex.startNanos());
            if (out > 1) b.timePerOutputToken((endNanos - first) / (out - 1));
        }
    }

    /** An upstream call that failed and was followed by another deployment's (the request went on). */
    public void upstreamCallFailed(Exchange ex, String providerId, long startNanos, long endNanos, String errorType, String deploymentId) {
        if (!on) return;
        fallbacks.computeIfAbsent(deployments.of(deploymentId), d -> Counter.builder("tollgate.upstream.fallbacks")
                .description("Calls that failed at a deployment and moved on to the next one of the model's plan.")
                .tag("deployment", d).register(registry)).increment();
        String operation = GenAiMeters.operation(ex.endpoint().kind());
        String model = ex.model();
        if (operation == null || model == null) return;
        genAi.bundle(operation, GenAiMeters.provider(providerId), models.of(model), "").clientDuration(endNanos - startNanos, errorType);
    }

    /** Retries of one upstream call (the same deployment again, after a retryable failure); deploymentId null: LLM_API_BASE_PATH. */
    public void retried(String deploymentId, int count) {
        if (!on || count <= 0) return;
        retries.computeIfAbsent(deploymentId == null ? "passthrough" : deployments.of(deploymentId), d -> Counter.builder("tollgate.upstream.retries")
                .description("Upstream calls sent again after a retryable failure (POLICY_RETRY_COUNT).")
                .tag("deployment", d).register(registry)).increment(count);
    }

    /**
     * A request refused by a rate limit or a budget.
     *
     * @param limit   rpm, rph, rpd, tpm, concurrent, budget, or unavailable (the counter store could not be reached)
     * @param subject what the limit belongs to: key, user, team, model, ip, or none
     */
    public void refused(String limit, String subject) {
        if (!on) return;
        refusals.computeIfAbsent(limit + '|' + subject, k -> Counter.builder("tollgate.limit.refusals")
                .description("Requests refused by a rate limit or a budget, by limit and whose limit it is.")
                .tag("limit", limit).tag("subject", subject).register(registry)).increment();
    }

    public void streamOpened() {
        if (on) openStreams.incrementAndGet();
    }

    public void streamClosed() {
        if (on) openStreams.decrementAndGet();
    }

    private void findings(Exchange ex) {
        for (Finding f : ex.findings()) {
            String policy = policies.of(f.policy());
            Counter[] byAction = findings.computeIfAbsent(policy, p -> new Counter[Finding.Action.values().length]);
            int i = f.action().ordinal();
            Counter c = byAction[i];
            if (c == null) {
                byAction[i] = c = Counter.builder("tollgate.policy.findings")
                        .description("What policies found (the request log's flags), by policy and action.")
                        .tag("policy", policy).tag("action", f.action().name().toLowerCase(Locale.ROOT)).register(registry);
            }
            c.increment();
        }
    }

    private record CostKey(String model, String team) {}

    private void cost(String model, Caller caller, long nanoUsd) {
        String m = model == null ? "none" : models.of(model);
        Counter c;
        if (costByTeam) {
            String team = caller == null || caller.team() == null ? "none" : teams.of(caller.team());
            c = cost.computeIfAbsent(new CostKey(m, team), k -> costCounter(m).tag("team", team).register(registry));
        } else {
            c = cost.computeIfAbsent(m, k -> costCounter(m).register(registry));
        }
        c.increment(nanoUsd / 1e9);
    }

    private static Counter.Builder costCounter(String model) {
        return Counter.builder("tollgate.cost").baseUnit("usd")
                .description("What requests cost in US dollars, from the price table (the ledger's cost), by model.").tag("model", model);
    }

    // ---- gauges read at scrape time --------------------------------------------------------

    /** Records how late an event loop ran a timer: once per {@link EventLoopLag#INTERVAL_MS}. */
    void eventLoopLag(long nanos) {
        eventLoopLag.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Starts measuring the calling event loop's lag; the returned handle stops it. */
    public AutoCloseable watchEventLoop(io.vertx.core.Vertx vertx) {
        if (!on) return () -> { };
        return EventLoopLag.start(vertx, this);
    }

    /** A deployment's circuit breaker: 0 closed, 1 open (cooling down), 2 half-open (one probe let through). */
    public void deploymentCircuit(String deploymentId, IntSupplier state) {
        if (!on) return;
        Gauge.builder("tollgate.deployment.circuit.state", state, IntSupplier::getAsInt)
                .description("Circuit breaker of each deployment: 0 closed, 1 open (cooling down), 2 half-open (a probe is let through).")
                .strongReference(true) // a gauge holds its state weakly: these lambdas have no other owner
                .tag("deployment", deployments.of(deploymentId)).register(registry);
    }

    /** The ledger writer (key mode): rows waiting, rows dropped, rows in the spool. */
    public void ledger(IntSupplier queued, LongSupplier dropped, IntSupplier spooled) {
        if (!on) return;
        Gauge.builder("tollgate.ledger.queue.depth", queued, IntSupplier::getAsInt)
                .description("Ledger rows queued in memory, waiting to be written.").baseUnit("rows").strongReference(true).register(registry);
        FunctionCounter.builder("tollgate.ledger.dropped", dropped, LongSupplier::getAsLong)
                .description("Ledger rows dropped because the queue was full (TOLLGATE_LEDGER_QUEUE_SIZE).").baseUnit("rows").register(registry);
        held.add(dropped); // a function counter holds its state weakly, and has no strongReference option
        Gauge.builder("tollgate.ledger.spooled", spooled, IntSupplier::getAsInt)
                .description("Ledger rows in the local spool file, waiting for the database to come back.").baseUnit("rows").strongReference(true)
                .register(registry);
    }

    /**
     * Round trips to the shared counter store (Redis): their latency by outcome, and whether the
     * last one succeeded. Every admission waits on one, so this is the layer to alert on first.
     * Registered when asked for: only a gateway with Redis asks.
     */
    public SharedStateCalls sharedStateCalls() {
        if (!on) return SharedStateCalls.NONE;
        AtomicInteger up = new AtomicInteger(1);
        Gauge.builder("tollgate.shared_state.up", up, AtomicInteger::get)
                .description("1 unless the last call to the shared counter store (Redis) failed or timed out.").register(registry);
        return new SharedStateCalls(sharedStateTimer("ok"), sharedStateTimer("error"), up);
    }

    private Timer sharedStateTimer(String outcome) {
        return Timer.builder("tollgate.shared_state.calls")
                .description("Round trips to the shared counter store (Redis): one script call, carrying an admission, settlements or a read.")
                .serviceLevelObjectives(java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(2), java.time.Duration.ofMillis(5),
                        java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(25), java.time.Duration.ofMillis(100),
                        java.time.Duration.ofMillis(500))
                .tag("outcome", outcome).register(registry);
    }

    /** What each budget subject has left, in nano-dollars, read at every scrape (only when TOLLGATE_METRICS_BUDGET_REMAINING is on). */
    public void budgets(Settings s, Supplier<Map<String, Long>> remainingNanoUsd) {
        if (!on || !s.get(MetricsSettings.BUDGET_REMAINING)) return;
        budgets = new BudgetGauges(registry, remainingNanoUsd, s.get(MetricsSettings.MAX_LABEL_VALUES));
    }

    @Override
    public void close() {
        if (!on) return;
        gc.close();
        registry.close();
    }
}
