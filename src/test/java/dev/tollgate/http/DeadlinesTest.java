package dev.tollgate.http;

import dev.tollgate.http.Deadlines;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlinesTest {

    private static final long TICK_MS = 10;

    private Vertx vertx;
    private Context context;
    private Deadlines deadlines;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        deadlines = onLoop(() -> new Deadlines(vertx, TICK_MS));
    }

    @AfterEach
    void tearDown() throws Exception {
        onLoop(() -> {
            deadlines.close();
            return null;
        });
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** Runs on the deadlines' event loop and waits for the result. */
    private <T> T onLoop(Supplier<T> action) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                f.complete(action.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(10, TimeUnit.SECONDS);
    }

    private void onLoop(Runnable action) throws Exception {
        onLoop(() -> {
            action.run();
            return null;
        });
    }

    /** Lets several sweeps run. */
    private static void sleepTicks(int ticks) throws InterruptedException {
        Thread.sleep(TICK_MS * ticks);
    }

    @Test
    void armedDeadlineFiresOnceNoEarlierThanItsTime() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        AtomicLong firedAt = new AtomicLong();
        CountDownLatch latch = new CountDownLatch(1);
        long[] armedAt = new long[1];
        Deadlines.Deadline d = onLoop(() -> {
            Deadlines.Deadline x = deadlines.create(() -> {
                firedAt.set(System.nanoTime());
                fired.incrementAndGet();
                latch.countDown();
            });
            armedAt[0] = System.nanoTime();
            x.arm(150);
            return x;
        });
        assertThat(onLoop(d::armed)).isTrue();
        assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(firedAt.get() - armedAt[0])).isGreaterThanOrEqualTo(150);
        sleepTicks(20);
        assertThat(fired.get()).isEqualTo(1);
        assertThat(onLoop(d::armed)).isFalse();
    }

    @Test
    void expiryRunsOnTheEventLoop() throws Exception {
        CompletableFuture<Boolean> onLoopThread = new CompletableFuture<>();
        onLoop(() -> deadlines.create(() -> onLoopThread.complete(Context.isOnEventLoopThread())).arm(20));
        assertThat(onLoopThread.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void rearmingPostponesExpiry() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        AtomicLong firedAt = new AtomicLong();
        CountDownLatch latch = new CountDownLatch(1);
        long firstArm = System.nanoTime();
        Deadlines.Deadline d = onLoop(() -> {
            Deadlines.Deadline x = deadlines.create(() -> {
                firedAt.set(System.nanoTime());
                fired.incrementAndGet();
                latch.countDown();
            });
            x.arm(500);
            return x;
        });
        long lastArm = 0;
        // keep re-arming, every 100 ms, for well past the first deadline
        for (int i = 0; i < 7; i++) {
            Thread.sleep(100);
            lastArm = onLoop(() -> {
                long t = System.nanoTime();
                d.arm(500);
                return t;
            });
            assertThat(fired.get()).as("re-arm %d", i).isZero();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(lastArm - firstArm)).isGreaterThan(500);
        assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(firedAt.get() - lastArm)).isGreaterThanOrEqualTo(500);
        sleepTicks(20);
        assertThat(fired.get()).isEqualTo(1);
    }

    @Test
    void rearmingAfterExpiryFiresAgain() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(2);
        Deadlines.Deadline d = onLoop(() -> deadlines.create(() -> {
            fired.incrementAndGet();
            first.countDown();
            second.countDown();
        }));
        onLoop(() -> d.arm(20));
        assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
        onLoop(() -> d.arm(20));
        assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
        sleepTicks(10);
        assertThat(fired.get()).isEqualTo(2);
    }

    @Test
    void disarmPreventsFiring() throws Exception {
        AtomicInteger disarmedFired = new AtomicInteger();
        CountDownLatch control = new CountDownLatch(1);
        Deadlines.Deadline d = onLoop(() -> {
            Deadlines.Deadline x = deadlines.create(disarmedFired::incrementAndGet);
            x.arm(30);
            x.disarm();
            deadlines.create(control::countDown).arm(60);
            return x;
        });
        assertThat(onLoop(d::armed)).isFalse();
        // the control deadline, armed later for longer, fires: sweeps have passed the disarmed one
        assertThat(control.await(5, TimeUnit.SECONDS)).isTrue();
        sleepTicks(5);
        assertThat(disarmedFired.get()).isZero();
    }

    @Test
    void disarmThenRearmStillFires() throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        AtomicInteger fired = new AtomicInteger();
        onLoop(() -> {
            Deadlines.Deadline x = deadlines.create(() -> {
                fired.incrementAndGet();
                latch.countDown();
            });
            x.arm(1_000_000);
            x.disarm();
            x.arm(30);
        });
        assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        sleepTicks(10);
        assertThat(fired.get()).isEqualTo(1);
    }

    @Test
    void disarmAfterASweepRemovedItThenRearmFires() throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        Deadlines.Deadline d = onLoop(() -> {
            Deadlines.Deadline x = deadlines.create(latch::countDown);
            x.arm(30);
            x.disarm();
            return x;
        });
        sleepTicks(10); // a sweep drops the disarmed deadline from its list
        onLoop(() -> d.arm(30));
        assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void manyDeadlinesEachFireExactlyOnceUnlessDisarmed() throws Exception {
        int n = 2_000;
        int[] counts = new int[n];
        CountDownLatch armedOnes = new CountDownLatch(n / 2);
        List<Deadlines.Deadline> all = onLoop(() -> {
            List<Deadlines.Deadline> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                Deadlines.Deadline d = deadlines.create(() -> {
                    counts[k]++; // only touched on the event loop
                    if (k % 2 == 0) armedOnes.countDown();
                });
                d.arm(20 + (i % 50) * 4);
                list.add(d);
            }
            for (int i = 1; i < n; i += 2) list.get(i).disarm();
            return list;
        });
        assertThat(armedOnes.await(10, TimeUnit.SECONDS)).isTrue();
        sleepTicks(30);
        int[] snapshot = onLoop(counts::clone);
        for (int i = 0; i < n; i++) {
            assertThat(snapshot[i]).as("deadline %d", i).isEqualTo(i % 2 == 0 ? 1 : 0);
        }
        assertThat(onLoop(() -> all.stream().noneMatch(Deadlines.Deadline::armed))).isTrue();
    }

    @Test
    void expiryCallbackMayRearmOtherDeadlines() throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        onLoop(() -> {
            Deadlines.Deadline second = deadlines.create(latch::countDown);
            deadlines.create(() -> second.arm(20)).arm(20);
        });
        assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void closeStopsSweeping() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        onLoop(() -> {
            deadlines.create(fired::incrementAndGet).arm(30);
            deadlines.close();
        });
        sleepTicks(15);
        assertThat(fired.get()).isZero();
    }
}
