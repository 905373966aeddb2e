package dev.tollgate.limits;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final RateLimiter limiter = new RateLimiter(now::get);

    private RateLimiter.Result acquire(Limits l) {
        return limiter.acquire(List.of(new RateLimiter.Subject("key:a", l)), 0);
    }

    @Test
    void requestsPerMinuteRollOverExactlyAtTheWindowEdge() {
        Limits l = new Limits(2, 0, 0, 0, 0);
        assertThat(acquire(l).denial()).isNull();
        now.addAndGet(30_000);
        assertThat(acquire(l).denial()).isNull();
        Denial d = acquire(l).denial();
        assertThat(d).isEqualTo(new Denial("key:a", "rpm", 2, 30_000));
        now.addAndGet(29_999);
        assertThat(acquire(l).denial()).isEqualTo(new Denial("key:a", "rpm", 2, 1));
        now.addAndGet(1);
        assertThat(acquire(l).denial()).isNull();
    }

    @Test
    void hourlyAndDailyWindowsAreRollingNotCalendar() {
        Limits hourly = new Limits(0, 0, 3, 0, 0);
        for (int i = 0; i < 3; i++) {
            assertThat(acquire(hourly).denial()).isNull();
            now.addAndGet(1_000_000); // 16m40s apart
        }
        // t0, t0+1000s, t0+2000s counted; now t0+3000s: the first leaves at t0+3600s
        assertThat(acquire(hourly).denial()).isEqualTo(new Denial("key:a", "rph", 3, 600_000));
        now.addAndGet(599_999);
        assertThat(acquire(hourly).denial()).isNotNull();
        now.addAndGet(1);
        assertThat(acquire(hourly).denial()).isNull();

        RateLimiter fresh = new RateLimiter(now::get);
        Limits daily = new Limits(0, 0, 0, 1, 0);
        List<RateLimiter.Subject> s = List.of(new RateLimiter.Subject("user:u", daily));
        assertThat(fresh.acquire(s, 0).denial()).isNull();
        now.addAndGet(86_399_999);
        assertThat(fresh.acquire(s, 0).denial()).isEqualTo(new Denial("user:u", "rpd", 1, 1));
        now.addAndGet(1);
        assertThat(fresh.acquire(s, 0).denial()).isNull();
    }

    @Test
    void tokensPerMinuteReserveTheEstimateAndSettleToTheActualCount() {
        Limits l = new Limits(0, 1000, 0, 0, 0);
        List<RateLimiter.Subject> s = List.of(new RateLimiter.Subject("model:m", l));
        RateLimiter.Result first = limiter.acquire(s, 800);
        assertThat(first.denial()).isNull();
        assertThat(limiter.acquire(s, 300).denial()).isEqualTo(new Denial("model:m", "tpm", 1000, 60_000));
        first.permit().release(false, 100); // it used 100, not 800
        assertThat(limiter.acquire(s, 300).denial()).isNull();
        assertThat(limiter.acquire(s, 1001).denial()).isEqualTo(new Denial("model:m", "tpm", 1000, -1));
    }

    @Test
    void concurrencyIsHeldUntilRelease() {
        Limits l = new Limits(0, 0, 0, 0, 2);
        RateLimiter.Result a = acquire(l);
        RateLimiter.Result b = acquire(l);
        assertThat(acquire(l).denial().window()).isEqualTo("concurrent");
        a.permit().release(false, -1);
        a.permit().release(false, -1); // twice is harmless
        assertThat(acquire(l).denial()).isNull();
        assertThat(acquire(l).denial()).isNotNull();
        b.permit().release(false, -1);
    }

    @Test
    void aRefusalByOneSubjectCountsInNone() {
        Limits one = new Limits(1, 0, 0, 0, 0);
        Limits many = new Limits(100, 0, 0, 0, 0);
        List<RateLimiter.Subject> both = List.of(new RateLimiter.Subject("key:a", many), new RateLimiter.Subject("ip:1", one));
        assertThat(limiter.acquire(both, 0).denial()).isNull();
        assertThat(limiter.acquire(both, 0).denial().subject()).isEqualTo("ip:1");
        List<WindowState> state = limiter.state(both);
        assertThat(state).containsExactly(new WindowState("key:a", "rpm", 100, 1, 99, 60_000),
                new WindowState("ip:1", "rpm", 1, 1, 0, 60_000));
    }

    @Test
    void aRefundTakesAFailedCallOutOfTheWindows() {
        Limits l = new Limits(1, 0, 1, 1, 0);
        RateLimiter.Result r = acquire(l);
        r.permit().release(true, 0);
        assertThat(acquire(l).denial()).isNull();
    }

    @Test
    void theSweepForgetsIdleSubjectsOnly() {
        Limits l = new Limits(1, 0, 0, 0, 0);
        limiter.acquire(List.of(new RateLimiter.Subject("ip:1", l)), 0);
        limiter.acquire(List.of(new RateLimiter.Subject("ip:2", l)), 0);
        now.addAndGet(30_000);
        limiter.acquire(List.of(new RateLimiter.Subject("ip:3", l)), 0);
        now.addAndGet(30_000);
        limiter.sweep();
        assertThat(limiter.subjectCount()).isEqualTo(1);
        assertThat(limiter.acquire(List.of(new RateLimiter.Subject("ip:3", l)), 0).denial()).isNotNull();
    }
}
