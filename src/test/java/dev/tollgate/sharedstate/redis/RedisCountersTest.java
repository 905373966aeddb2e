package dev.tollgate.sharedstate.redis;

import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.CounterStore;
import dev.tollgate.sharedstate.Decision;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.sharedstate.redis.RedisFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The Redis counters against the machine's Redis, with two replicas (two clients) sharing one prefix. */
class RedisCountersTest {

    private static final long USD = 1_000_000_000L;

    private RedisFixture redis;

    @BeforeEach
    void start() {
        redis = RedisFixture.machine();
    }

    @AfterEach
    void cleanUp() {
        if (redis != null) redis.close();
    }

    private static RateLimiter.Subject subject(String name, Limits l) {
        return new RateLimiter.Subject(name, l);
    }

    private static BudgetAccount account(String subject, long amountNano) {
        long now = System.currentTimeMillis();
        return new BudgetAccount(subject, new Budget(amountNano, BudgetPeriod.MONTHLY), BudgetPeriod.MONTHLY.start(now), 0);
    }

    /** Half the claims go to each replica, all at once. */
    private static List<Decision> burst(int n, Claim claim, CounterStore a, CounterStore b) {
        List<Future<Decision>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) all.add((i % 2 == 0 ? a : b).admit(claim));
        await(Future.join(new ArrayList<>(all)));
        List<Decision> out = new ArrayList<>();
        for (Future<Decision> f : all) out.add(f.result());
        return out;
    }

    @Test
    void rpm60AdmitsExactly60Of200AcrossTwoReplicas() {
        RedisCounters a = redis.replica(60_000), b = redis.replica(60_000);
        Claim claim = new Claim(List.of(subject("key:k1", new Limits(60, 0, 0, 0, 0))), 0, List.of(), 0);
        List<Decision> decisions = burst(200, claim, a, b);
        assertThat(decisions.stream().filter(Decision::admitted).count()).isEqualTo(60);
        Decision refused = decisions.stream().filter(d -> !d.admitted()).findFirst().orElseThrow();
        assertThat(refused.denial().subject()).isEqualTo("key:k1");
        assertThat(refused.denial().window()).isEqualTo("rpm");
        assertThat(refused.denial().limit()).isEqualTo(60);
        assertThat(refused.denial().retryAfterMs()).isBetween(1L, 60_000L);
        assertThat(refused.windows()).singleElement().satisfies(w -> {
            assertThat(w.used()).isEqualTo(60);
            assertThat(w.remaining()).isZero();
        });
        List<WindowState> seen = await(b.windows(claim.subjects()));
        assertThat(seen).singleElement().satisfies(w -> assertThat(w.used()).isEqualTo(60));
    }

    @Test
    void aBudgetWorth33WorstCasesAdmits33AndSpendsTheActualCosts() {
        RedisCounters a = redis.replica(60_000), b = redis.replica(60_000);
        BudgetAccount budget = account("key:k2", USD); // $1
        await(a.initPeriod(budget, BudgetPeriod.MONTHLY.start(System.currentTimeMillis()), 0));
        Claim claim = new Claim(List.of(), 0, List.of(budget), 30_000_000L); // $0.03 worst case each
        List<Decision> decisions = burst(200, claim, a, b);
        List<Decision> admitted = decisions.stream().filter(Decision::admitted).toList();
        assertThat(admitted).hasSize(33);
        Decision refused = decisions.stream().filter(d -> !d.admitted()).findFirst().orElseThrow();
        assertThat(refused.shortAccount()).isSameAs(budget);
        assertThat(refused.remainingNanoUsd()).isEqualTo(10_000_000L); // $1 - 33 × $0.03

        for (int i = 0; i < admitted.size(); i++) admitted.get(i).hold().settle(false, -1, 12_345_000L * (i % 3 + 1));
        long expected = 0;
        for (int i = 0; i < admitted.size(); i++) expected += 12_345_000L * (i % 3 + 1);
        long sum = expected;
        awaitState(a, budget, st -> st.spentNanoUsd() == sum);
        CounterStore.BudgetState state = await(b.budgets(List.of(budget))).get(0);
        assertThat(state.spentNanoUsd()).isEqualTo(expected);
        assertThat(state.remainingNanoUsd()).isEqualTo(USD - expected);
    }

    @Test
    void concurrentFourNeverSeesAFifth() {
        RedisCounters a = redis.replica(60_000), b = redis.replica(60_000);
        Claim claim = new Claim(List.of(subject("team:t", new Limits(0, 0, 0, 0, 4))), 0, List.of(), 0);
        List<Decision> decisions = burst(50, claim, a, b);
        List<Decision> admitted = decisions.stream().filter(Decision::admitted).toList();
        assertThat(admitted).hasSize(4);
        assertThat(decisions.stream().filter(d -> !d.admitted()).findFirst().orElseThrow().denial().window()).isEqualTo("concurrent");
        admitted.get(0).hold().settle(false, -1, 0);
        awaitWindows(b, claim.subjects(), w -> w.get(0).used() == 3);
        assertThat(burst(10, claim, a, b).stream().filter(Decision::admitted).count()).isEqualTo(1);
    }

    @Test
    void aDenialOnTheThirdSubjectLeavesTheOthersUnchanged() {
        RedisCounters a = redis.replica(60_000);
        RateLimiter.Subject key = subject("key:k3", new Limits(10, 1000, 0, 0, 2));
        RateLimiter.Subject user = subject("user:u3", new Limits(0, 500, 5, 0, 0));
        RateLimiter.Subject model = subject("model:m3", new Limits(1, 0, 0, 0, 0));
        BudgetAccount budget = account("key:k3", USD);
        await(a.initPeriod(budget, BudgetPeriod.MONTHLY.start(System.currentTimeMillis()), 0));
        assertThat(await(a.admit(new Claim(List.of(model), 0, List.of(), 0))).admitted()).isTrue(); // fills the model's rpm

        Decision d = await(a.admit(new Claim(List.of(key, user, model), 100, List.of(budget), 50_000_000L)));
        assertThat(d.admitted()).isFalse();
        assertThat(d.denial().subject()).isEqualTo("model:m3");
        assertThat(await(a.windows(List.of(key, user)))).extracting(WindowState::window, WindowState::used).containsExactly(
                org.assertj.core.groups.Tuple.tuple("rpm", 0L), org.assertj.core.groups.Tuple.tuple("tpm", 0L),
                org.assertj.core.groups.Tuple.tuple("concurrent", 0L), org.assertj.core.groups.Tuple.tuple("rph", 0L),
                org.assertj.core.groups.Tuple.tuple("tpm", 0L));
        assertThat(await(a.budgets(List.of(budget))).get(0).remainingNanoUsd()).isEqualTo(USD);

        // A refusal by the budget leaves every window unchanged too.
        Decision broke = await(a.admit(new Claim(List.of(key, user), 100, List.of(budget), 2 * USD)));
        assertThat(broke.shortAccount()).isSameAs(budget);
        assertThat(await(a.windows(List.of(key, user)))).extracting(WindowState::used).containsOnly(0L);
    }

    @Test
    void anExpiredReservationIsSpentAtItsWorstCaseAndGivesItsSlotBack() throws Exception {
        RedisCounters a = redis.replica(300), b = redis.replica(300);
        RateLimiter.Subject key = subject("key:k4", new Limits(0, 0, 0, 0, 1));
        BudgetAccount budget = account("key:k4", USD);
        await(a.initPeriod(budget, BudgetPeriod.MONTHLY.start(System.currentTimeMillis()), 0));
        Claim claim = new Claim(List.of(key), 0, List.of(budget), 200_000_000L);
        Decision held = await(a.admit(claim)); // its replica "dies": never settled
        assertThat(held.admitted()).isTrue();
        assertThat(await(b.admit(claim)).denial().window()).isEqualTo("concurrent");

        Thread.sleep(400);
        Decision next = await(b.admit(claim));
        assertThat(next.admitted()).isTrue();
        CounterStore.BudgetState state = await(b.budgets(List.of(budget))).get(0);
        assertThat(state.spentNanoUsd()).isEqualTo(200_000_000L);
        assertThat(state.remainingNanoUsd()).isEqualTo(USD - 400_000_000L); // the expired one spent, the new one reserved

        // The late settlement of the expired reservation counts nothing twice.
        held.hold().settle(false, -1, 50_000_000L);
        next.hold().settle(false, -1, 70_000_000L);
        awaitState(b, budget, st -> st.spentNanoUsd() == 270_000_000L);
        Thread.sleep(100);
        assertThat(await(b.budgets(List.of(budget))).get(0).spentNanoUsd()).isEqualTo(270_000_000L);
    }

    @Test
    void anUnknownPeriodIsReportedAndStartedOnlyOnce() {
        RedisCounters a = redis.replica(60_000);
        BudgetAccount budget = account("user:u5", USD);
        Claim claim = new Claim(List.of(), 0, List.of(budget), 1_000L);
        Decision d = await(a.admit(claim));
        assertThat(d.unknownPeriods()).containsExactly(budget);
        long start = BudgetPeriod.MONTHLY.start(System.currentTimeMillis());
        await(a.initPeriod(budget, start, 400_000_001L)); // rounded up to whole micro-dollars
        await(a.initPeriod(budget, start, 0)); // set if absent: a second replica's late figure changes nothing
        assertThat(await(a.admit(claim)).admitted()).isTrue();
        CounterStore.BudgetState state = await(a.budgets(List.of(budget))).get(0);
        assertThat(state.spentNanoUsd()).isEqualTo(400_001_000L);
        assertThat(state.remainingNanoUsd()).isEqualTo(USD - 400_001_000L - 1_000L);
    }

    @Test
    void aCallInFlightWhenRedisLostTheBudgetIsSpentAfterTheBudgetStartsAgainFromTheLedger() {
        RedisCounters a = redis.replica(60_000);
        BudgetAccount budget = account("user:u7", USD);
        long start = BudgetPeriod.MONTHLY.start(System.currentTimeMillis());
        await(a.initPeriod(budget, start, 0));
        Decision inFlight = await(a.admit(new Claim(List.of(), 0, List.of(budget), 5_000_000L)));
        Decision expired = await(redis.replica(1).admit(new Claim(List.of(), 0, List.of(budget), 7_000_000L)));
        assertThat(inFlight.admitted()).isTrue();
        assertThat(expired.admitted()).isTrue();
        sleep(); // the 1 ms reservation is past its deadline: counted at its worst case below
        assertThat(await(a.budgets(List.of(budget))).get(0).spentNanoUsd()).isEqualTo(7_000_000L);
        expired.hold().settle(false, 10, 2_000_000L); // expired and counted: not counted again
        redis.deleteAll(); // Redis restarted without persistence: everything gone
        await(a.initPeriod(budget, start, 9_000_000L)); // the ledger, which has no row of the call in flight
        inFlight.hold().settle(false, 10, 3_000_000L);
        awaitState(a, budget, st -> st.spentNanoUsd() == 12_000_000L);
        assertThat(await(a.budgets(List.of(budget))).get(0).spentNanoUsd()).isEqualTo(12_000_000L);
    }

    @Test
    void tokenEstimatesSettleToTheActualCountAndRefundsUncount() {
        RedisCounters a = redis.replica(60_000);
        RateLimiter.Subject key = subject("key:k6", new Limits(5, 1000, 0, 0, 0));
        Decision d = await(a.admit(new Claim(List.of(key), 600, List.of(), 0)));
        assertThat(d.windows()).extracting(WindowState::used).containsExactly(1L, 600L);
        d.hold().settle(true, 120, 0);
        awaitWindows(a, List.of(key), w -> w.get(1).used() == 120);
        assertThat(await(a.windows(List.of(key)))).extracting(WindowState::used).containsExactly(0L, 120L);
        assertThat(redis.keys()).allMatch(k -> k.startsWith("{" + redis.prefix + "}"));
    }

    private static void awaitState(CounterStore s, BudgetAccount a, java.util.function.Predicate<CounterStore.BudgetState> done) {
        for (int i = 0; i < 100; i++) {
            if (done.test(await(s.budgets(List.of(a))).get(0))) return;
            sleep();
        }
    }

    private static void awaitWindows(CounterStore s, List<RateLimiter.Subject> subjects, java.util.function.Predicate<List<WindowState>> done) {
        for (int i = 0; i < 100; i++) {
            if (done.test(await(s.windows(subjects)))) return;
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
