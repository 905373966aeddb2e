package dev.tollgate.hybrid;

import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.LocalCounters;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A data plane's store spending from leases, wired straight to a control plane's {@link LeaseBook}
 * with a fixed clock: it asks for what it needs, renews ahead while in use, gives back what it did
 * not spend, never lets two data planes together spend more than the budget, and fails closed.
 */
class LeasedCountersTest {

    static final long DOLLAR = 1_000_000_000L;
    static final long LEASE_MS = 30_000;

    final AtomicLong clock = new AtomicLong(1_764_870_000_000L);
    final LocalCounters controlPlane = new LocalCounters(clock::get);
    final BudgetAccount team = new BudgetAccount("team:t1", new Budget(DOLLAR, BudgetPeriod.TOTAL), 0, 0);
    final LeaseBook book = new LeaseBook(controlPlane, s -> team, clock::get, LEASE_MS, LEASE_MS);
    final AtomicBoolean reachable = new AtomicBoolean(true);
    final AtomicInteger asked = new AtomicInteger();

    LeasedCounters plane(String id) {
        return new LeasedCounters(clock::get, r -> {
            asked.incrementAndGet();
            return reachable.get() ? book.handle(id, r) : Future.failedFuture(new java.net.ConnectException("refused"));
        });
    }

    /** The data plane's own account of the budget, as its snapshot gives it. */
    static BudgetAccount local() {
        return new BudgetAccount("team:t1", new Budget(DOLLAR, BudgetPeriod.TOTAL), 0, 0);
    }

    static Decision admit(LeasedCounters c, BudgetAccount a, long worst) {
        Future<Decision> f = c.admit(new Claim(List.of(), 0, List.of(a), worst));
        assertThat(f.isComplete()).isTrue();
        return f.result();
    }

    @Test
    void aFirstRequestWaitsForALeaseAndLaterOnesSpendFromItWithoutAsking() {
        LeasedCounters dp = plane("dp_a");
        BudgetAccount a = local();
        Decision d = admit(dp, a, 100_000_000L);
        assertThat(d.admitted()).isTrue();
        assertThat(asked.get()).isEqualTo(1);
        assertThat(team.remaining(clock.get())).isEqualTo(DOLLAR / 2); // the lease, reserved on the control plane
        d.hold().settle(false, -1, 20_000_000L);
        assertThat(admit(dp, a, 100_000_000L).admitted()).isTrue();
        assertThat(asked.get()).isEqualTo(1); // spent from the lease: no call
        // Released (shutting down): the control plane keeps what was spent and gets the rest back.
        dp.flush();
        assertThat(book.size()).isEqualTo(1); // one request still in flight on the lease: not given back yet
    }

    @Test
    void aLeaseInUseIsRenewedAheadOfNeedAndOneNoLongerUsedIsGivenBackAtWhatItSpent() {
        LeasedCounters dp = plane("dp_a");
        BudgetAccount a = local();
        for (int i = 0; i < 2; i++) admit(dp, a, 100_000_000L).hold().settle(false, -1, 100_000_000L);
        assertThat(asked.get()).isEqualTo(1);
        // A third 0.1 of a 0.5 lease leaves less than half of the slice: it asks ahead of need (0.25 more, half of what remains).
        admit(dp, a, 100_000_000L).hold().settle(false, -1, 100_000_000L);
        assertThat(asked.get()).isEqualTo(2);
        assertThat(team.remaining(clock.get())).isEqualTo(250_000_000L);
        admit(dp, a, 100_000_000L).hold().settle(false, -1, 100_000_000L);
        assertThat(asked.get()).isEqualTo(2);
        // Near its expiry, a lease in use is renewed by the timer.
        clock.addAndGet(LEASE_MS - LEASE_MS / 3);
        int beforeTick = asked.get();
        dp.tick();
        assertThat(asked.get()).isEqualTo(beforeTick + 1);
        // Unused past its end: given back, the control plane settles it at the 0.4 spent.
        clock.addAndGet(2 * LEASE_MS);
        dp.tick(); // retired
        dp.tick(); // released (nothing in flight)
        assertThat(book.size()).isZero();
        assertThat(team.spent(clock.get())).isEqualTo(400_000_000L);
        assertThat(team.remaining(clock.get())).isEqualTo(600_000_000L);
    }

    @Test
    void twoDataPlanesNeverSpendMoreThanTheBudgetTogetherAndRefuseOnlyNearIt() {
        List<LeasedCounters> planes = List.of(plane("dp_a"), plane("dp_b"));
        List<BudgetAccount> accounts = List.of(local(), local());
        Random r = new Random(6);
        long spent = 0;
        long worst = 30_000_000L;
        int refused = 0;
        List<dev.tollgate.sharedstate.Hold> inFlight = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int p = r.nextInt(2);
            Decision d = admit(planes.get(p), accounts.get(p), worst);
            if (d.admitted()) inFlight.add(d.hold());
            else {
                refused++;
                assertThat(d.shortAccount().subject()).isEqualTo("team:t1");
                // Refused only when less than a worst case is left outside every lease and in this plane's lease: what is
                // left otherwise sits in the other plane's lease (the trade-off).
                long left = DOLLAR - spent - (long) inFlight.size() * worst;
                assertThat(left).isLessThan(2 * worst + planes.get(1 - p).room("team:t1"));
            }
            if (!inFlight.isEmpty() && r.nextBoolean()) {
                long cost = 5_000_000L + r.nextInt(25_000_000);
                inFlight.remove(0).settle(false, -1, cost);
                spent += cost;
            }
            if (i % 20 == 0) {
                clock.addAndGet(1_000);
                for (LeasedCounters c : planes) c.tick();
            }
        }
        for (var h : inFlight) h.settle(false, -1, worst);
        spent += (long) inFlight.size() * worst;
        assertThat(spent).isLessThanOrEqualTo(DOLLAR);
        assertThat(spent).isGreaterThan(DOLLAR * 9 / 10); // refusals only near the end
        assertThat(refused).isPositive();
        for (LeasedCounters c : planes) c.flush();
        // Everything given back: the control plane's figure is what was spent, exactly.
        assertThat(book.size()).isZero();
        assertThat(team.spent(clock.get())).isEqualTo(spent);
    }

    @Test
    void withoutTheControlPlaneItSpendsWhatItsLeaseHoldsThenRefusesWithTheBudgetRefusal() {
        LeasedCounters dp = plane("dp_a");
        BudgetAccount a = local();
        admit(dp, a, 100_000_000L).hold().settle(false, -1, 100_000_000L); // lease of 0.5
        reachable.set(false);
        for (int i = 0; i < 4; i++) assertThat(admit(dp, a, 100_000_000L).admitted()).isTrue(); // 0.4 left in the lease: reserved
        Decision refused = admit(dp, a, 100_000_000L);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.shortAccount()).isSameAs(a);
        // Its lease over, not even what it still held: nothing is spent past the lease's end.
        clock.addAndGet(LEASE_MS);
        assertThat(admit(dp, a, 1).admitted()).isFalse();
        reachable.set(true);
        assertThat(admit(dp, a, 1).admitted()).isTrue();
    }
}
