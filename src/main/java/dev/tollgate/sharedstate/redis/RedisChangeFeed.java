package dev.tollgate.sharedstate.redis;

import dev.tollgate.sharedstate.ChangeFeed;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Changes announced on a Redis pub/sub channel under the key prefix. Subscribing takes a
 * connection of its own (a subscribed connection can do nothing else), which is made again one
 * second after it is lost; changes announced meanwhile are caught up by the database poll.
 */
public final class RedisChangeFeed implements ChangeFeed {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");
    private static final long RECONNECT_MS = 1_000;

    private final Vertx vertx;
    private final Redis client;
    private final Redis subscriber;
    private final String channel;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private volatile RedisConnection connection;
    private volatile boolean closed;
    private volatile boolean lost;

    public RedisChangeFeed(Vertx vertx, RedisOptions options, String prefix) {
        this.vertx = vertx;
        this.client = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(2));
        this.subscriber = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
        this.channel = RedisKeys.of(prefix).changes();
    }

    @Override
    public void publish(String change) {
        client.send(Request.cmd(Command.PUBLISH).arg(channel).arg(change))
                .onFailure(e -> LOG.warn("announcing a key change in Redis failed ({}); other replicas see it at their next poll",
                        e.getClass().getSimpleName()));
    }

    @Override
    public void subscribe(Consumer<String> listener) {
        boolean first = listeners.isEmpty();
        listeners.add(listener);
        if (first) connect();
    }

    /** Whether the subscription is up (tests wait for it before announcing). */
    public boolean subscribed() {
        return connection != null;
    }

    private void connect() {
        if (closed) return;
        subscriber.connect().onSuccess(conn -> {
            java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable end = () -> {
                if (ended.compareAndSet(false, true)) lost(conn);
            };
            conn.handler(this::onPush);
            conn.exceptionHandler(e -> end.run());
            conn.endHandler(v -> end.run());
            conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onSuccess(r -> {
                connection = conn;
                if (lost) LOG.info("key change feed in Redis is back");
                lost = false;
            }).onFailure(e -> end.run());
        }).onFailure(e -> {
            if (!lost && !closed) LOG.warn("key change feed in Redis unreachable; replicas poll the database until it is back");
            lost = true;
            retry();
        });
    }

    private void onPush(Response r) {
        // A published message arrives as [message, channel, payload].
        if (r == null || r.type() != ResponseType.PUSH && r.type() != ResponseType.MULTI || r.size() < 3) return;
        if (!"message".equals(r.get(0).toString()) || !channel.equals(r.get(1).toString())) return;
        String change = r.get(2).toString();
        for (Consumer<String> l : listeners) {
            try {
                l.accept(change);
            } catch (RuntimeException e) {
                LOG.warn("applying key change {} failed: {}", change, e.toString());
            }
        }
    }

    private void lost(RedisConnection conn) {
        if (connection == conn) connection = null;
        conn.close();
        if (!lost && !closed) LOG.warn("key change feed in Redis lost; replicas fall back to polling the database until it is back");
        lost = true;
        retry();
    }

    private void retry() {
        if (!closed) vertx.setTimer(RECONNECT_MS, id -> connect());
    }

    @Override
    public void close() {
        closed = true;
        RedisConnection c = connection;
        if (c != null) c.close();
        subscriber.close();
        client.close();
    }
}
