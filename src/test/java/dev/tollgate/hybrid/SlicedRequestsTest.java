package dev.tollgate.hybrid;

import dev.tollgate.limits.Denial;
import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.LocalCounters;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key's requests per minute across data planes without Redis, with a fixed clock: data planes
 * admit from slices the control plane's {@link RequestSlices} counted, never more than the limit
 * together with the control plane's own traffic; what a slice did not admit comes back when it is
 * given back; what it admitted stays counted a whole window after its last possible use; a data
 * plane without an answer refuses.
 */
class SlicedRequestsTest {

    static final long LEASE_MS = 30_000;
    static final Limits RPM_10 = new Limits(10, 0, 0, 0, 0);
    static final RateLimiter.Subject KEY = new RateLimiter.Subject("key:k1", RPM_10);

    final AtomicLong clock = new AtomicLong(1_764_870_000_000L);
    final LocalCounters controlPlane = new LocalCounters(clock::get);
    final LeaseBook book = new LeaseBook(controlPlane, s -> null, s -> s.equals("key:k1") ? RPM_10 : null, clock::get, LEASE_MS, LEASE_MS);
    final AtomicBoolean reachable = new AtomicBoolean(true);
    final AtomicInteger asked = new AtomicInteger();

    LeasedCounters plane(String id) {
        return new LeasedCounters(clock::get, new LeaseSource() {
            @Override
            public Future<LeaseGrant> ask(LeaseRequest r) {
                return book.handle(id, r);
            }

            @Override
            public Future<RequestSlice> slice(SliceRequest r) {
                asked.incrementAndGet();
                return reachable.get() ? book.requests().handle(id, r) : Future.failedFuture(new java.net.ConnectException("refused"));
            }
        });
    }

    static Decision admit(LeasedCounters c) {
        Future<Decision> f = c.admit(new Claim(List.of(KEY), 0, List.of(), 0));
        assertThat(f.isComplete()).isTrue();
        return f.result();
    }

    /** The control plane's own count of the key's minute. */
    long counted() {
        return controlPlane.windows(List.of(KEY)).result().get(0).used();
    }

    @Test
    void twoDataPlanesAndTheControlPlaneTogetherNeverAdmitMoreThanTheLimit() {
        LeasedCounters a = plane("dp_a"), b = plane("dp_b");
        int admitted = 0;
        for (int i = 0; i < 40; i++) {
            clock.addAndGet(50);
            Decision d = switch (i % 3) {
                case 0 -> admit(a);
                case 1 -> admit(b);
                default -> controlPlane.decide(new Claim(List.of(KEY), 0, List.of(), 0));
            };
            if (d.admitted()) admitted++;
            assertThat(counted()).isLessThanOrEqualTo(10);
        }
        assertThat(admitted).isEqualTo(10); // every slice was used in the end: none of the limit was lost
        // Within the minute nothing more, on any plane; a minute after the slices were used up, room again.
        assertThat(admit(a).admitted()).isFalse();
        assertThat(admit(b).admitted()).isFalse();
        clock.addAndGet(60_000 + 5_000);
        a.tick();
        b.tick();
        book.expire();
        assertThat(admit(a).admitted()).isTrue();
    }

    @Test
    void aSliceIsAShareOfTheRoomAndWhatItDidNotAdmitComesBackWhenGivenBack() {
        LeasedCounters a = plane("dp_a");
        assertThat(admit(a).admitted()).isTrue();
        assertThat(asked.get()).isEqualTo(1);
        assertThat(counted()).isEqualTo(5); // half of the room: the slice is counted on the control plane when granted
        assertThat(admit(a).admitted()).isTrue();
        assertThat(asked.get()).isEqualTo(1); // from the slice: no call
        a.flush(); // shutting down: gives the slice back at 2 admitted
        assertThat(counted()).isEqualTo(2);
        assertThat(book.requests().size()).isZero();
    }

    @Test
    void aSliceIsGivenBackWhenPastItsDeadlineAndWhatItAdmittedStaysCountedAWindowAfterItsLastPossibleUse() {
        long t0 = clock.get();
        LeasedCounters a = plane("dp_a");
        assertThat(admit(a).admitted()).isTrue();
        clock.set(t0 + 4_000); // the data plane's deadline (5 s less a second's margin): it admits nothing more on it
        a.tick();
        assertThat(counted()).isEqualTo(1); // given back: 4 of 5 uncounted
        clock.set(t0 + 60_000);
        book.expire();
        assertThat(counted()).isEqualTo(1); // counted from when it was given back, not from the grant
        clock.set(t0 + 64_000);
        assertThat(counted()).isZero();
    }

    @Test
    void aSliceNeverGivenBackIsCountedWholeFromItsEndOnTheControlPlane() {
        long t0 = clock.get();
        LeasedCounters a = plane("dp_a");
        assertThat(admit(a).admitted()).isTrue();
        reachable.set(false);
        clock.set(t0 + 5_000);
        book.expire(); // the slice's time is up: all 5 counted from now, whatever its data plane admitted late in it
        clock.set(t0 + 64_000);
        assertThat(counted()).isEqualTo(5);
        clock.set(t0 + 65_000);
        assertThat(counted()).isZero();
        clock.set(t0 + 5_000 + LEASE_MS);
        book.expire();
        assertThat(book.requests().size()).isZero(); // forgotten after the grace time
    }

    @Test
    void withoutAnAnswerADataPlaneSpendsItsSliceThenRefusesWithTheRateLimitDenial() {
        LeasedCounters a = plane("dp_a");
        assertThat(admit(a).admitted()).isTrue(); // a slice of 5
        reachable.set(false);
        for (int i = 0; i < 4; i++) assertThat(admit(a).admitted()).as("request " + i).isTrue();
        Decision refused = admit(a);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.denial()).isEqualTo(new Denial("key:k1", "rpm", 10, 1_000));
        // The headers show the window the control plane could not give a slice of as full.
        assertThat(refused.windows()).containsExactly(new WindowState("key:k1", "rpm", 10, 10, 0, 60_000));
        LeasedCounters fresh = plane("dp_b");
        assertThat(admit(fresh).denial()).isEqualTo(new Denial("key:k1", "rpm", 10, 1_000));
    }

    @Test
    void aFullWindowOnTheControlPlaneRefusesWithItsWaitAndAFailedCallGoesBackToItsSlice() {
        LeasedCounters a = plane("dp_a");
        for (int i = 0; i < 9; i++) controlPlane.decide(new Claim(List.of(KEY), 0, List.of(), 0));
        Decision d = admit(a); // the last one: a slice of 1
        assertThat(d.admitted()).isTrue();
        d.hold().settle(true, 0, 0); // the call failed: not counted, its unit back in the slice
        Decision again = admit(a);
        assertThat(again.admitted()).isTrue();
        clock.addAndGet(300); // past the moment the last refusal (asked ahead of need) is taken as the answer
        int calls = asked.get();
        Decision refused = admit(a);
        assertThat(refused.denial()).isEqualTo(new Denial("key:k1", "rpm", 10, 59_700));
        assertThat(asked.get() - calls).isEqualTo(1); // a refusal is the answer for a moment: no rounds of asking
        assertThat(admit(a).admitted()).isFalse();
        assertThat(asked.get() - calls).isEqualTo(1);
    }
}
