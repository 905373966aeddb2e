package dev.tollgate.sharedstate.redis;

import dev.tollgate.support.TestServices;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RedisChangeFeedTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aChangeAnnouncedByOneReplicaReachesEveryReplicaOfThePrefixOnly() throws Exception {
        TestServices.need(TestServices.REDIS);
        String prefix = "tgtest:" + UUID.randomUUID() + ":";
        try (RedisChangeFeed a = feed(prefix); RedisChangeFeed b = feed(prefix); RedisChangeFeed other = feed(prefix + "x:")) {
            BlockingQueue<String> atA = new LinkedBlockingQueue<>();
            BlockingQueue<String> atB = new LinkedBlockingQueue<>();
            BlockingQueue<String> atOther = new LinkedBlockingQueue<>();
            a.subscribe(atA::add);
            b.subscribe(atB::add);
            other.subscribe(atOther::add);
            awaitSubscribed(a);
            awaitSubscribed(b);
            awaitSubscribed(other);

            a.publish("key:key_abc");
            b.publish("team:research");
            // Two publishers on two connections: Redis orders each one's messages, not the two together.
            assertThat(java.util.Arrays.asList(atB.poll(1, TimeUnit.SECONDS), atB.poll(1, TimeUnit.SECONDS)))
                    .containsExactlyInAnyOrder("key:key_abc", "team:research");
            assertThat(java.util.Arrays.asList(atA.poll(1, TimeUnit.SECONDS), atA.poll(1, TimeUnit.SECONDS)))
                    .containsExactlyInAnyOrder("key:key_abc", "team:research");
            assertThat(atOther.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    private RedisChangeFeed feed(String prefix) {
        return new RedisChangeFeed(vertx, SharedCounters.options(TestServices.redisUrl(), 2_000), prefix);
    }

    private static void awaitSubscribed(RedisChangeFeed f) throws InterruptedException {
        for (int i = 0; i < 100 && !f.subscribed(); i++) Thread.sleep(20);
        assertThat(f.subscribed()).isTrue();
    }
}
