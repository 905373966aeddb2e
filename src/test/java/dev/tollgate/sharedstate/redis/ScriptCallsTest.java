package dev.tollgate.sharedstate.redis;

import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.support.OwnRedisServer;
import dev.tollgate.support.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static dev.tollgate.sharedstate.redis.RedisFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the counters reach Redis from an event loop: settlements ride with the loop's next call, go
 * on their own within milliseconds otherwise, are sent before any read and on flush; one
 * connection per event-loop thread. A redis-server of the test's own, so its statistics are ours.
 */
class ScriptCallsTest {

    private static final Claim ONE_AT_A_TIME = new Claim(List.of(new RateLimiter.Subject("key:k", new Limits(60, 0, 0, 0, 1))), 0, List.of(), 0);

    private OwnRedisServer server;
    private RedisFixture redis;
    private RedisCounters counters;

    @BeforeEach
    void start() throws Exception {
        TestServices.need(TestServices.REDIS);
        server = new OwnRedisServer();
        redis = new RedisFixture(server.url());
        counters = redis.replica(60_000);
        await(counters.loadScript());
        redis.send(Request.cmd(Command.CONFIG).arg("RESETSTAT"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (redis != null) redis.close();
        } finally {
            if (server != null) server.close();
        }
    }

    /** Runs {@code work} on the fixture's event loop and waits for its future. */
    private <T> T onLoop(Supplier<Future<T>> work) {
        Promise<T> done = Promise.promise();
        redis.vertx.runOnContext(v -> work.get().onComplete(done));
        return await(done.future());
    }

    private long scriptCalls() {
        String stats = redis.send(Request.cmd(Command.INFO).arg("commandstats")).toString();
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:")) return Long.parseLong(line.replaceAll("^cmdstat_evalsha:calls=(\\d+),.*", "$1"));
        }
        return 0;
    }

    private long inFlight() {
        return redis.send(Request.cmd(Command.ZCARD).arg("{" + redis.prefix + "}c:key:k")).toLong();
    }

    @Test
    void aSettlementRidesWithTheLoopsNextAdmissionInOneRoundTripAndFreesItsSlotFirst() {
        List<Decision> decisions = onLoop(() -> counters.admit(ONE_AT_A_TIME).compose(first -> {
            first.hold().settle(false, 0, 0);
            return counters.admit(ONE_AT_A_TIME).map(second -> List.of(first, second));
        }));
        assertThat(decisions).allSatisfy(d -> assertThat(d.admitted()).isTrue());
        assertThat(scriptCalls()).isEqualTo(2);
        assertThat(inFlight()).isEqualTo(1);
    }

    @Test
    void aSettlementWithNothingToRideOnGoesOnItsOwnWithinMilliseconds() throws Exception {
        Decision d = onLoop(() -> counters.admit(ONE_AT_A_TIME));
        assertThat(inFlight()).isEqualTo(1);
        redis.vertx.runOnContext(v -> d.hold().settle(false, 0, 0));
        long until = System.currentTimeMillis() + 2_000;
        while (inFlight() != 0 && System.currentTimeMillis() < until) Thread.sleep(5);
        assertThat(inFlight()).isZero();
        assertThat(scriptCalls()).isEqualTo(2);
    }

    @Test
    void flushSendsDeferredSettlementsAndReadsCountThemFirst() {
        onLoop(() -> counters.admit(ONE_AT_A_TIME).compose(d -> {
            d.hold().settle(true, 0, 0); // refunds the request: the rpm window goes back to 0
            return counters.flush();
        }));
        assertThat(inFlight()).isZero();

        onLoop(() -> counters.admit(ONE_AT_A_TIME).map(d -> {
            d.hold().settle(true, 0, 0);
            return d;
        }));
        List<WindowState> windows = await(counters.windows(ONE_AT_A_TIME.subjects()));
        assertThat(windows).extracting(WindowState::window, WindowState::used).containsExactly(
                org.assertj.core.groups.Tuple.tuple("rpm", 0L), org.assertj.core.groups.Tuple.tuple("concurrent", 0L));
    }

    @Test
    void everyRequestContextOfOneEventLoopSharesOneConnection() {
        long before = connections();
        ContextInternal loop = (ContextInternal) redis.vertx.getOrCreateContext();
        Promise<Void> done = Promise.promise();
        loop.runOnContext(v -> {
            List<Future<Decision>> all = new ArrayList<>();
            Claim open = new Claim(List.of(new RateLimiter.Subject("key:open", new Limits(1_000, 0, 0, 0, 0))), 0, List.of(), 0);
            for (int i = 0; i < 40; i++) {
                Promise<Decision> each = Promise.promise();
                loop.duplicate().runOnContext(x -> counters.admit(open).onComplete(each)); // as each HTTP request runs
                all.add(each.future());
            }
            Future.all(new ArrayList<>(all)).<Void>mapEmpty().onComplete(done);
        });
        await(done.future());
        assertThat(connections() - before).isLessThanOrEqualTo(1); // the pool's connection, or one more
    }

    private long connections() {
        return redis.send(Request.cmd(Command.CLIENT).arg("LIST")).toString().lines().filter(l -> !l.isBlank()).count();
    }
}
