package dev.tollgate.sharedstate.redis;

import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.config.Settings;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.CounterStore;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.LocalCounters;
import dev.tollgate.sharedstate.SharedStateSettings;
import dev.tollgate.sharedstate.SharedStateUnavailable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

import java.util.List;
import java.util.function.Function;

/**
 * Redis counters with a decided failure mode. While Redis answers, everything is counted there.
 * When a call fails, Redis counts as unreachable until a PING (every 500 ms) answers again; until
 * then requests are refused ({@code closed}: the caller gets 503) or counted in this replica's
 * memory ({@code local}: each decision says so, and one warning is logged per outage).
 */
public final class SharedCounters implements CounterStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");
    private static final long PROBE_MS = 500;

    private final Vertx vertx;
    private final RedisCounters redis;
    private final LocalCounters local;
    private final boolean fallBackToLocal;
    private volatile boolean down;
    /** Failed calls in a row: a slow moment (one timeout) does not make an outage, three failures or a refused connection do. */
    private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    public SharedCounters(Vertx vertx, RedisCounters redis, LocalCounters local, boolean fallBackToLocal) {
        this.vertx = vertx;
        this.redis = redis;
        this.local = local;
        this.fallBackToLocal = fallBackToLocal;
    }

    /** Counters in the Redis of {@code TOLLGATE_REDIS_URL}, or null when it is not set. */
    public static SharedCounters fromSettings(Vertx vertx, Settings s, Function<String, String> env, LocalCounters local,
                                              java.util.function.LongSupplier clock) {
        RedisOptions options = redisOptions(s, env);
        if (options == null) return null;
        int timeout = s.get(SharedStateSettings.REDIS_TIMEOUT_MS);
        long ttlMs = reservationTtlMs(s);
        RedisCounters counters = new RedisCounters(Redis.createClient(vertx, options), s.get(SharedStateSettings.REDIS_PREFIX), ttlMs,
                timeout, clock);
        return new SharedCounters(vertx, counters, local, s.get(SharedStateSettings.ON_ERROR).equals("local"));
    }

    /** The client options of {@code TOLLGATE_REDIS_URL} with its password, or null when it is not set. */
    public static RedisOptions redisOptions(Settings s, Function<String, String> env) {
        String url = s.get(SharedStateSettings.REDIS_URL);
        if (url == null || url.isBlank()) return null;
        RedisOptions options = options(url, s.get(SharedStateSettings.REDIS_TIMEOUT_MS));
        String password = dev.tollgate.secret.PasswordVariable.read(SharedStateSettings.REDIS_PASSWORD_ENV.key(),
                s.get(SharedStateSettings.REDIS_PASSWORD_ENV), env);
        if (password != null) options.setPassword(password);
        return options;
    }

    /**
     * A pooled client that never makes a request wait for lack of room in its queue: a burst of
     * admissions waits for one of 16 pipelined connections instead of failing.
     */
    static RedisOptions options(String url, int timeoutMs) {
        return new RedisOptions().setConnectionString(url.trim()).setMaxPoolSize(16).setMaxPoolWaiting(100_000)
                .setMaxWaitingHandlers(100_000).setPoolRecycleTimeout(15_000)
                .setNetClientOptions(new NetClientOptions().setConnectTimeout(timeoutMs).setTcpNoDelay(true)
                        .setSsl(url.trim().startsWith("rediss://")));
    }

    /** The reservation time-to-live: the setting, or the longest a request may take plus a minute. */
    public static long reservationTtlMs(Settings s) {
        long seconds = s.get(SharedStateSettings.RESERVATION_TTL_SECONDS);
        if (seconds > 0) return seconds * 1000;
        return (long) s.get(CoreSettings.UPSTREAM_FIRST_BYTE_TIMEOUT_MS) + s.get(CoreSettings.UPSTREAM_STREAM_IDLE_TIMEOUT_MS) + 60_000L;
    }

    @Override
    public Future<Decision> admit(Claim claim) {
        if (down) return unavailable(() -> local.decide(claim).asLocal());
        return redis.admit(claim).onSuccess(ok -> failures.set(0)).recover(e -> {
            failed(e);
            return unavailable(() -> local.decide(claim).asLocal());
        });
    }

    @Override
    public Future<List<WindowState>> windows(List<RateLimiter.Subject> subjects) {
        if (down) return unavailable(() -> local.windows(subjects).result());
        return redis.windows(subjects).onSuccess(ok -> failures.set(0)).recover(e -> {
            failed(e);
            return unavailable(() -> local.windows(subjects).result());
        });
    }

    @Override
    public Future<List<BudgetState>> budgets(List<BudgetAccount> accounts) {
        if (down) return unavailable(() -> local.budgets(accounts).result());
        return redis.budgets(accounts).onSuccess(ok -> failures.set(0)).recover(e -> {
            failed(e);
            return unavailable(() -> local.budgets(accounts).result());
        });
    }

    @Override
    public long remainingHint(BudgetAccount account, long now) {
        return redis.remainingHint(account, now);
    }

    @Override
    public Future<Void> initPeriod(BudgetAccount account, long periodStart, long spentNanoUsd) {
        return redis.initPeriod(account, periodStart, spentNanoUsd);
    }

    @Override
    public Future<Void> flush() {
        return redis.flush();
    }

    @Override
    public void observeCalls(java.util.function.Supplier<dev.tollgate.sharedstate.CallObserver> observer) {
        redis.observeCalls(observer);
    }

    @Override
    public void sweep() {
        local.sweep();
    }

    /** Whether Redis is currently taken as unreachable. */
    public boolean down() {
        return down;
    }

    @Override
    public void close() {
        closed = true;
        redis.close();
    }

    private <T> Future<T> unavailable(java.util.function.Supplier<T> locally) {
        if (fallBackToLocal) return Future.succeededFuture(locally.get());
        return Future.failedFuture(new SharedStateUnavailable("the shared counter store (Redis) is unreachable"));
    }

    /** Loads the script and opens a connection before the first request needs them; an unreachable Redis is noticed now. */
    public void warmUp() {
        redis.loadScript().onSuccess(ok -> failures.set(0)).onFailure(this::wentDown);
    }

    private void failed(Throwable e) {
        if (failures.incrementAndGet() >= 3 || refused(e)) wentDown(e);
        else LOG.debug("Redis call failed: {}", e.toString());
    }

    private static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof java.net.ConnectException) return true;
        return false;
    }

    private synchronized void wentDown(Throwable e) {
        if (down || closed) return;
        down = true;
        LOG.warn("Redis (shared limits and budgets) is unreachable: {}. {}", e.getMessage(), fallBackToLocal
                ? "Until it is back, limits and budgets are counted by each replica alone (TOLLGATE_SHARED_STATE_ON_ERROR=local)."
                : "Until it is back, requests that need counting get 503 limits_unavailable (TOLLGATE_SHARED_STATE_ON_ERROR=closed).");
        probe();
    }

    private void probe() {
        if (closed) return;
        vertx.setTimer(PROBE_MS, t -> redis.ping().onComplete(ar -> {
            if (ar.succeeded()) {
                failures.set(0);
                down = false;
                LOG.info("Redis is reachable again: limits and budgets are shared again.");
            } else {
                probe();
            }
        }));
    }
}
