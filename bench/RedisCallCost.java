// What one request's trip through the shared counters costs the gateway's CPU, without the rest of
// a load test: admissions and settlements shaped like the benchmark's key (key rpm, tpm and
// concurrency, user rpm and rph, team rpd, a key budget and a team budget) run through
// RedisCounters on one event loop, N at a time; then the same number of calls of a script that
// does nothing with the same arguments ("bare"), so what the client costs and what our code around
// it costs can be told apart. Prints µs of this JVM's CPU per request and Redis's CPU per request.
//
//   redis-server --port 6390 --save '' --appendonly no &
//   java -cp target/tollgate.jar bench/RedisCallCost.java redis://127.0.0.1:6390 [LANES] [SECONDS] [counters|bare]
import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.redis.RedisCounters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

public class RedisCallCost {

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "redis://127.0.0.1:6379";
        int lanes = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        List<String> modes = args.length > 3 ? List.of(args[3]) : List.of("counters", "bare");
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        RedisOptions options = new RedisOptions().setConnectionString(url).setMaxPoolSize(4)
                .setNetClientOptions(new NetClientOptions().setTcpNoDelay(true));
        Redis client = Redis.createClient(vertx, options);
        String prefix = "tgcost:" + Long.toHexString(System.nanoTime()) + ":";
        RedisCounters counters = new RedisCounters(client, prefix, 600_000, 5_000, System::currentTimeMillis);

        long now = System.currentTimeMillis();
        long big = 1_000_000_000L;
        List<RateLimiter.Subject> subjects = List.of(
                new RateLimiter.Subject("key:bench", new Limits(big, big * 1000, 0, 0, 100_000)),
                new RateLimiter.Subject("user:bench", new Limits(big, 0, big, 0, 0)),
                new RateLimiter.Subject("team:perf", new Limits(0, 0, 0, big, 0)));
        BudgetAccount keyBudget = new BudgetAccount("key:bench", new Budget(big * big, BudgetPeriod.TOTAL), BudgetPeriod.TOTAL.start(now), 0);
        BudgetAccount teamBudget = new BudgetAccount("team:perf", new Budget(big * big, BudgetPeriod.MONTHLY), BudgetPeriod.MONTHLY.start(now), 0);
        Claim claim = new Claim(subjects, 200, List.of(keyBudget, teamBudget), 20_000_000L);
        await(counters.initPeriod(keyBudget, BudgetPeriod.TOTAL.start(now), 0));
        await(counters.initPeriod(teamBudget, BudgetPeriod.MONTHLY.start(now), 0));

        Context loop = vertx.getOrCreateContext();
        Promise<Long> threadId = Promise.promise();
        loop.runOnContext(v -> threadId.complete(Thread.currentThread().getId()));
        long loopThread = await(threadId.future());
        Supplier<Future<Void>> request = () -> counters.admit(claim).compose(d -> {
            if (!d.admitted()) return Future.failedFuture("refused: " + d);
            d.hold().settle(false, 150, 12_000L);
            return Future.succeededFuture();
        });
        // "bare": one EVALSHA per request of a script that returns at once, with as many arguments.
        String noop = "return 1";
        RedisConnection conn = await(client.connect());
        String sha = await(conn.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(noop))).toString();
        Supplier<Future<Void>> bare = () -> {
            Request r = Request.cmd(Command.EVALSHA).arg(sha).arg(13);
            for (int i = 0; i < 13; i++) r.arg(prefix + "win:key:bench:rpm:" + i);
            for (int i = 0; i < 32; i++) r.arg("1000000000");
            return conn.send(r).mapEmpty();
        };

        for (int round = 0; round < 3; round++) {
            for (String mode : modes) {
                Supplier<Future<Void>> one = mode.equals("counters") ? request : bare;
                run(vertx, loop, one, lanes, 2); // warm-up
                long redisBefore = redisCpuMicros(conn);
                long cpuBefore = processCpuNanos();
                long allocBefore = allocated(loopThread);
                long n = run(vertx, loop, one, lanes, seconds);
                long cpu = processCpuNanos() - cpuBefore;
                long alloc = allocated(loopThread) - allocBefore;
                long redis = redisCpuMicros(conn) - redisBefore;
                System.out.printf("round %d %-8s lanes %d: %,d requests, %.1f µs JVM CPU/request, %.1f µs Redis CPU/request, "
                                + "%,d bytes allocated on the event loop/request, %.0f req/s%n",
                        round, mode, lanes, n, cpu / 1000.0 / n, (double) redis / n, alloc / n, n / (double) seconds);
            }
        }
        vertx.close();
    }

    /** Runs {@code one} back to back on {@code lanes} lanes for {@code seconds}; returns how many completed. */
    static long run(Vertx vertx, Context loop, Supplier<Future<Void>> one, int lanes, int seconds) throws Exception {
        AtomicLong done = new AtomicLong();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Promise<Void> all = Promise.promise();
        AtomicLong running = new AtomicLong(lanes);
        loop.runOnContext(v -> {
            for (int i = 0; i < lanes; i++) lane(one, until, done, () -> {
                if (running.decrementAndGet() == 0) all.complete();
            }, all);
        });
        all.future().toCompletionStage().toCompletableFuture().get(seconds + 30L, TimeUnit.SECONDS);
        return done.get();
    }

    static void lane(Supplier<Future<Void>> one, long until, AtomicLong done, Runnable finished, Promise<Void> all) {
        one.get().onComplete(ar -> {
            if (ar.failed()) {
                all.tryFail(ar.cause());
                return;
            }
            done.incrementAndGet();
            if (System.nanoTime() < until) lane(one, until, done, finished, all);
            else finished.run();
        });
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Bytes the thread allocated so far: a steadier measure than CPU time on a shared machine. */
    static long allocated(long threadId) {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(threadId);
    }

    static long redisCpuMicros(RedisConnection conn) throws Exception {
        String info = await(conn.send(Request.cmd(Command.INFO).arg("cpu"))).toString();
        double total = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) total += Double.parseDouble(line.substring(line.indexOf(':') + 1));
        }
        return (long) (total * 1_000_000);
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
