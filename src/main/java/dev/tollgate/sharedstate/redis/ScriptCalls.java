package dev.tollgate.sharedstate.redis;

import dev.tollgate.sharedstate.CallObserver;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs the counters script, at the fewest round trips and the least CPU per request:
 * <ul>
 *   <li>one pipelined connection per event loop, opened on that loop, so a reply is read by the
 *       thread that sent the call (no pool to pass through, no hop to another thread); calls from
 *       outside an event loop use the pooled client;</li>
 *   <li>settlements are deferred and ride along with the loop's next call (the script runs them
 *       first, in order), or go on their own after {@value #FLUSH_MS} ms: about one round trip per
 *       request instead of two. A deferred settlement only ever makes limits stricter for those
 *       milliseconds (a reservation held a little longer);</li>
 *   <li>by hash (EVALSHA), with the text only when Redis lost its script cache (NOSCRIPT).</li>
 * </ul>
 * A connection that fails or times out is closed and opened again on the next call.
 */
final class ScriptCalls {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");
    static final long FLUSH_MS = 2;
    private static final int MAX_DEFERRED = 32;

    private final Redis pooled;
    private final String script;
    private final String sha;
    private final long timeoutMs;
    /**
     * Each event-loop thread's Loop. Per thread, not per context: every HTTP request runs on a
     * context of its own (a duplicate of its verticle's), and a connection per request would be none of the point.
     */
    private final ThreadLocal<Loop> byThread = new ThreadLocal<>();
    private final Set<Loop> loops = ConcurrentHashMap.newKeySet();
    private volatile CallObserver observer = CallObserver.NONE;

    ScriptCalls(Redis pooled, String script, String sha, long timeoutMs) {
        this.pooled = pooled;
        this.script = script;
        this.sha = sha;
        this.timeoutMs = timeoutMs;
    }

    /** Runs {@code op} (after this loop's deferred settlements) and answers its result. */
    Future<Response> call(ScriptOp op) {
        Loop loop = loop();
        return loop == null ? run(pooled::send, List.of(op)) : loop.call(op);
    }

    /** Runs {@code op} soon, with the next call of this event loop or on its own; its result is not needed. */
    void defer(ScriptOp op) {
        Loop loop = loop();
        if (loop == null) run(pooled::send, List.of(op)).onFailure(e -> lost(1, e));
        else loop.defer(op);
    }

    /** Sends every event loop's deferred operations now; completes when Redis has run them (or failed to). */
    Future<Void> flushAll() {
        List<Future<Void>> all = new ArrayList<>();
        for (Loop loop : loops) {
            Promise<Void> done = Promise.promise();
            loop.context.runOnContext(v -> loop.flush().onComplete(ar -> done.complete()));
            all.add(done.future());
        }
        return Future.join(all).mapEmpty();
    }

    void close() {
        pooled.close();
    }

    void observer(CallObserver observer) {
        this.observer = observer;
    }

    private Loop loop() {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext()) return null;
        Loop loop = byThread.get();
        if (loop == null) {
            loop = new Loop(context);
            byThread.set(loop);
            loops.add(loop);
        }
        return loop;
    }

    /** One call: EVALSHA, or EVAL when Redis does not have the script; timed for the observer. */
    private Future<Response> run(Function<Request, Future<Response>> sender, List<ScriptOp> ops) {
        CallObserver o = observer;
        if (o == CallObserver.NONE) return evaluate(sender, ops);
        long start = System.nanoTime();
        return evaluate(sender, ops).onComplete(ar -> o.call(System.nanoTime() - start, ar.succeeded()));
    }

    private Future<Response> evaluate(Function<Request, Future<Response>> sender, List<ScriptOp> ops) {
        return sender.apply(request(Command.EVALSHA, sha, ops)).timeout(timeoutMs, TimeUnit.MILLISECONDS).recover(e -> {
            String m = e.getMessage();
            if (m != null && m.startsWith("NOSCRIPT")) {
                return sender.apply(request(Command.EVAL, script, ops)).timeout(timeoutMs, TimeUnit.MILLISECONDS);
            }
            return Future.failedFuture(e);
        });
    }

    /** The call's arguments in one array, so the client sizes its list once rather than growing it per argument. */
    private static Request request(Command command, String script, List<ScriptOp> ops) {
        int keys = 0;
        int size = 2;
        for (ScriptOp op : ops) {
            keys += op.keys().size();
            size += op.keys().size() + 3 + op.args().size();
        }
        Object[] a = new Object[size];
        int i = 0;
        a[i++] = script;
        a[i++] = Integer.toString(keys);
        for (ScriptOp op : ops) for (String k : op.keys()) a[i++] = k;
        for (ScriptOp op : ops) {
            a[i++] = op.name();
            a[i++] = Integer.toString(op.args().size());
            a[i++] = Integer.toString(op.keys().size());
            for (String arg : op.args()) a[i++] = arg;
        }
        return Request.cmd(command, a);
    }

    private static void lost(int settlements, Throwable e) {
        LOG.warn("settling {} reservation(s) in Redis failed ({}); each will be counted at its worst case when it expires",
                settlements, e.getMessage());
    }

    /** One event loop's connection and deferred settlements; touched only on its own thread. */
    private final class Loop {
        final Context context;
        private Future<RedisConnection> connection;
        private List<ScriptOp> deferred = new ArrayList<>();
        private boolean timerSet;

        Loop(Context context) {
            this.context = context;
        }

        Future<Response> call(ScriptOp op) {
            if (deferred.isEmpty()) return send(List.of(op));
            List<ScriptOp> ops = take();
            ops.add(op);
            return send(ops).onFailure(e -> lost(ops.size() - 1, e));
        }

        void defer(ScriptOp op) {
            deferred.add(op);
            if (deferred.size() >= MAX_DEFERRED) {
                flush();
            } else if (!timerSet) {
                timerSet = true;
                context.owner().setTimer(FLUSH_MS, t -> {
                    timerSet = false;
                    flush();
                });
            }
        }

        Future<Void> flush() {
            if (deferred.isEmpty()) return Future.succeededFuture();
            List<ScriptOp> ops = take();
            return send(ops).onFailure(e -> lost(ops.size(), e)).mapEmpty();
        }

        private List<ScriptOp> take() {
            List<ScriptOp> ops = deferred;
            deferred = new ArrayList<>();
            return ops;
        }

        private Future<Response> send(List<ScriptOp> ops) {
            Future<RedisConnection> c = connection;
            if (c == null || c.failed()) c = open();
            Future<RedisConnection> used = c;
            return run(request -> used.compose(conn -> conn.send(request)), ops).onFailure(e -> {
                // A reply that is an error (a script error) leaves the connection sound.
                if (!(e instanceof ErrorType)) drop(used);
            });
        }

        private Future<RedisConnection> open() {
            Future<RedisConnection> c = pooled.connect();
            connection = c;
            c.onSuccess(conn -> {
                conn.exceptionHandler(e -> drop(c));
                conn.endHandler(v -> drop(c));
            });
            return c;
        }

        private void drop(Future<RedisConnection> c) {
            if (connection != c) return;
            connection = null;
            c.onSuccess(RedisConnection::close);
        }
    }
}
