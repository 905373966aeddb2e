package dev.tollgate.sharedstate.redis;

import dev.tollgate.support.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** The machine's Redis for a test: a unique key prefix, replicas made on demand, every key removed afterwards. */
final class RedisFixture implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    final String prefix = "tgtest:" + UUID.randomUUID() + ":";
    final String url;
    private final Redis admin;
    private final List<RedisCounters> replicas = new ArrayList<>();

    RedisFixture(String url) {
        this.url = url;
        this.admin = Redis.createClient(vertx, url);
    }

    static RedisFixture machine() {
        TestServices.need(TestServices.REDIS);
        return new RedisFixture(TestServices.redisUrl());
    }

    /** Another replica: its own Redis client on the same prefix. */
    RedisCounters replica(long reservationTtlMs) {
        RedisCounters c = new RedisCounters(Redis.createClient(vertx, SharedCounters.options(url, 5_000)), prefix, reservationTtlMs, 5_000, System::currentTimeMillis); // a loaded machine is not an outage
        replicas.add(c);
        return c;
    }

    Response send(Request r) {
        return await(admin.send(r));
    }

    List<String> keys() {
        List<String> out = new ArrayList<>();
        for (Response k : send(Request.cmd(Command.KEYS).arg("{" + prefix + "}*"))) out.add(k.toString());
        return out;
    }

    /** Removes every key of this prefix, as a Redis restart without persistence does. */
    void deleteAll() {
        List<String> keys = keys();
        if (keys.isEmpty()) return;
        Request del = Request.cmd(Command.DEL);
        for (String k : keys) del.arg(k);
        send(del);
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            deleteAll();
        } finally {
            for (RedisCounters c : replicas) c.close();
            admin.close();
            await(vertx.close());
        }
    }
}
