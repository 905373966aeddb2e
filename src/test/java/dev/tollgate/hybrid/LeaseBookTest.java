package dev.tollgate.hybrid;

import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.sharedstate.LocalCounters;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The control plane's lease arithmetic, with a fixed clock: grant sizes, never over what remains, renewal, return on release and expiry. */
class LeaseBookTest {

    static final long DOLLAR = 1_000_000_000L;
    static final long LEASE_MS = 30_000;

    final AtomicLong clock = new AtomicLong(1_764_870_000_000L);
    final LocalCounters store = new LocalCounters(clock::get);
    final BudgetAccount team = new BudgetAccount("team:t1", new Budget(DOLLAR, BudgetPeriod.TOTAL), 0, 0);
    final LeaseBook book = new LeaseBook(store, s -> s.equals("team:t1") ? team : null, clock::get, LEASE_MS, LEASE_MS);

    LeaseGrant ask(String plane, String lease, long spent, long need, long min) {
        return book.handle(plane, new LeaseRequest("team:t1", lease, spent, need, min, false)).result();
    }

    @Test
    void slicesAreHalfOfWhatRemainsSharedByTheLeasesAndAreReservedOnTheControlPlane() {
        LeaseGrant a = ask("dp_a", null, 0, 0, 0);
        assertThat(a.leaseId()).startsWith("ls_");
        assertThat(a.grantedNanoUsd()).isEqualTo(DOLLAR / 2);
        assertThat(a.expiresInMs()).isEqualTo(LEASE_MS);
        assertThat(a.periodStart()).isEqualTo(0);
        assertThat(a.remainingNanoUsd()).isEqualTo(DOLLAR / 2);
        // A second data plane: two leases now share what remains.
        LeaseGrant b = ask("dp_b", null, 0, 0, 0);
        assertThat(b.grantedNanoUsd()).isEqualTo(DOLLAR / 2 / 4);
        assertThat(team.remaining(clock.get())).isEqualTo(DOLLAR - DOLLAR / 2 - DOLLAR / 8);
        assertThat(team.spent(clock.get())).isZero();
        // Topping up the same lease keeps its id; one request's worst case larger than the share is granted whole.
        LeaseGrant a2 = ask("dp_a", a.leaseId(), 0, 300_000_000L, 300_000_000L);
        assertThat(a2.leaseId()).isEqualTo(a.leaseId());
        assertThat(a2.grantedNanoUsd()).isEqualTo(DOLLAR / 2 + 300_000_000L);
        assertThat(a2.remainingNanoUsd()).isEqualTo(75_000_000L);
        assertThat(book.size()).isEqualTo(2);
    }

    @Test
    void nearTheLimitASliceIsWhatOneRequestNeedsAndNothingWhenEvenThatDoesNotFit() {
        LeaseGrant a = ask("dp_a", null, 0, DOLLAR - 1_000, DOLLAR - 1_000);
        assertThat(a.grantedNanoUsd()).isEqualTo(DOLLAR - 1_000);
        assertThat(ask("dp_b", null, 0, 300, 300).grantedNanoUsd()).isEqualTo(300); // max(300, 1000 / 4)
        LeaseGrant none = ask("dp_b", null, 0, 800, 800);
        assertThat(none.leaseId()).isNull();
        assertThat(none.grantedNanoUsd()).isZero();
        assertThat(none.remainingNanoUsd()).isEqualTo(700);
        // What waiting requests would like together is not given beyond the share: one worst case (500) is.
        LeaseGrant part = ask("dp_c", null, 0, 800, 500);
        assertThat(part.grantedNanoUsd()).isEqualTo(500);
        assertThat(team.remaining(clock.get())).isEqualTo(200);
    }

    @Test
    void aBurstOnOneDataPlaneTakesAShareNotTheWholeBudget() {
        LeaseGrant a = ask("dp_a", null, 0, 100 * 1_000_000L, 1_000_000L); // 100 waiting requests of $0.001 each, of $1
        assertThat(a.grantedNanoUsd()).isEqualTo(DOLLAR / 2);
        LeaseGrant b = ask("dp_b", null, 0, 100 * 1_000_000L, 1_000_000L);
        assertThat(b.grantedNanoUsd()).isEqualTo(DOLLAR / 8);
    }

    @Test
    void grantsNeverAddUpToMoreThanTheBudgetWhateverTheAsking() {
        Random r = new Random(13);
        List<String> planes = List.of("dp_1", "dp_2", "dp_3", "dp_4", "dp_5");
        String[] leases = new String[planes.size()];
        long[] granted = new long[planes.size()];
        long[] spent = new long[planes.size()];
        long spentOnReleased = 0;
        for (int i = 0; i < 5_000; i++) {
            int p = r.nextInt(planes.size());
            if (leases[p] != null && r.nextInt(10) == 0) {
                book.handle(planes.get(p), new LeaseRequest("team:t1", leases[p], spent[p], 0, 0, true));
                spentOnReleased += spent[p];
                leases[p] = null;
                granted[p] = 0;
                spent[p] = 0;
                continue;
            }
            spent[p] = Math.min(granted[p], spent[p] + r.nextInt(20_000_000)); // spends some of what it holds
            long need = r.nextInt(3) == 0 ? r.nextInt(200_000_000) : 0;
            LeaseGrant g = ask(planes.get(p), leases[p], spent[p], need, need);
            if (g.leaseId() != null && !g.leaseId().equals(leases[p])) {
                spent[p] = 0;
            }
            leases[p] = g.leaseId();
            granted[p] = g.grantedNanoUsd();
            long held = 0;
            for (long x : granted) held += x;
            assertThat(held + spentOnReleased).isLessThanOrEqualTo(DOLLAR);
            assertThat(team.remaining(clock.get()) + held + spentOnReleased).isEqualTo(DOLLAR);
        }
    }

    @Test
    void reportedSpendingSettlesSlicesInOrderAndReleaseReturnsTheRest() {
        LeaseGrant a = ask("dp_a", null, 0, 0, 0); // 0.5
        LeaseGrant a2 = ask("dp_a", a.leaseId(), 0, 100_000_000L, 0); // + max(0.1, 0.25 / 2... ) = + 0.25
        assertThat(a2.grantedNanoUsd()).isEqualTo(750_000_000L);
        // 0.6 spent: the first slice is spent whole, 0.1 of the second is still a reservation until the lease ends.
        ask("dp_a", a.leaseId(), 600_000_000L, 0, 0);
        assertThat(team.spent(clock.get())).isEqualTo(500_000_000L);
        book.handle("dp_a", new LeaseRequest("team:t1", a.leaseId(), 610_000_000L, 0, 0, true));
        assertThat(team.spent(clock.get())).isEqualTo(610_000_000L);
        assertThat(team.remaining(clock.get())).isEqualTo(390_000_000L);
        assertThat(book.size()).isZero();
        // Reports only grow, and a released lease is gone: asking with it opens a new one.
        LeaseGrant again = ask("dp_a", a.leaseId(), 0, 0, 0);
        assertThat(again.leaseId()).isNotEqualTo(a.leaseId());
    }

    @Test
    void aRenewedLeaseLivesOnAnUnreportedOneIsSettledWholeAGraceTimeAfterItExpires() {
        LeaseGrant a = ask("dp_a", null, 0, 0, 0);
        LeaseGrant b = ask("dp_b", null, 0, 0, 0);
        clock.addAndGet(LEASE_MS - 1);
        ask("dp_a", a.leaseId(), 10_000_000L, 0, 0); // renewed: expires LEASE_MS from now
        clock.addAndGet(LEASE_MS + 2); // b: expired and past its grace; a: expired, within its grace
        assertThat(book.expire()).isEqualTo(1);
        assertThat(team.spent(clock.get())).isEqualTo(b.grantedNanoUsd());
        clock.addAndGet(LEASE_MS);
        assertThat(book.expire()).isEqualTo(1);
        assertThat(team.spent(clock.get())).isEqualTo(b.grantedNanoUsd() + ask0Granted(a));
        assertThat(team.remaining(clock.get())).isEqualTo(DOLLAR - team.spent(clock.get()));
        assertThat(book.size()).isZero();
    }

    private long ask0Granted(LeaseGrant first) {
        return first.grantedNanoUsd() + (DOLLAR - first.grantedNanoUsd() - 125_000_000L) / 2 / 2; // the renewal's top-up
    }

    @Test
    void aRestartedControlPlaneTakesBackTheLeasesItHadGrantedSoNothingIsGrantedTwice() throws Exception {
        LeaseGrant a = ask("dp_a", null, 0, 0, 0); // 0.5
        ask("dp_a", a.leaseId(), 100_000_000L, 0, 0); // 0.1 spent (renewed: + 0.25)
        LeaseGrant b = ask("dp_b", null, 0, 0, 0);
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("tollgate-leases-");
        LeaseFile file = new LeaseFile(dir);
        assertThat(book.dirty()).isTrue();
        file.save(book.saved());
        assertThat(book.dirty()).isFalse();

        // The restart: the ledger says 0.1 was spent; the leases may still spend 0.65 and b's 0.0625.
        LocalCounters restarted = new LocalCounters(clock::get);
        BudgetAccount again = new BudgetAccount("team:t1", new Budget(DOLLAR, BudgetPeriod.TOTAL), 0, 100_000_000L);
        LeaseBook book2 = new LeaseBook(restarted, s -> again, clock::get, LEASE_MS, LEASE_MS);
        assertThat(book2.restore(file.load())).isEqualTo(2);
        long heldA = 750_000_000L - 100_000_000L;
        assertThat(again.remaining(clock.get())).isEqualTo(DOLLAR - 100_000_000L - heldA - b.grantedNanoUsd());
        // The data plane renews with its lease: the same lease, what it spent since is settled from it.
        LeaseGrant renewed = book2.handle("dp_a", new LeaseRequest("team:t1", a.leaseId(), 300_000_000L, 0, 0, false)).result();
        assertThat(renewed.leaseId()).isEqualTo(a.leaseId());
        book2.handle("dp_a", new LeaseRequest("team:t1", a.leaseId(), 300_000_000L, 0, 0, true));
        assertThat(again.spent(clock.get())).isEqualTo(300_000_000L); // 0.1 from the ledger, 0.2 spent from the lease since
        java.nio.file.Files.deleteIfExists(file.path());
        java.nio.file.Files.deleteIfExists(dir);
    }

    @Test
    void aLeaseTakenBackKeepsOnlyWhatFitsWhenTheBudgetHasLessLeft() {
        LeaseGrant a = ask("dp_a", null, 0, 0, 0); // 0.5
        List<LeaseBook.Saved> saved = book.saved();
        BudgetAccount spentMeanwhile = new BudgetAccount("team:t1", new Budget(DOLLAR, BudgetPeriod.TOTAL), 0, 800_000_000L);
        LeaseBook book2 = new LeaseBook(new LocalCounters(clock::get), s -> spentMeanwhile, clock::get, LEASE_MS, LEASE_MS);
        book2.restore(saved);
        assertThat(spentMeanwhile.remaining(clock.get())).isZero();
        LeaseGrant renewed = book2.handle("dp_a", new LeaseRequest("team:t1", a.leaseId(), 0, 0, 0, false)).result();
        assertThat(renewed.grantedNanoUsd()).isEqualTo(200_000_000L);
        // Expired and past its grace: nothing to take back.
        clock.addAndGet(2 * LEASE_MS);
        assertThat(new LeaseBook(new LocalCounters(clock::get), s -> team, clock::get, LEASE_MS, LEASE_MS).restore(saved)).isZero();
    }

    @Test
    void aLeaseIsOnlyItsOwnDataPlanesAndOfAKnownBudget() {
        LeaseGrant a = ask("dp_a", null, 0, 0, 0);
        // Another data plane naming a's lease gets a lease of its own; a's is untouched.
        LeaseGrant b = ask("dp_b", a.leaseId(), DOLLAR, 0, 0);
        assertThat(b.leaseId()).isNotEqualTo(a.leaseId());
        assertThat(team.spent(clock.get())).isZero();
        assertThat(book.handle("dp_a", new LeaseRequest("team:gone", null, 0, 0, 0, false)).cause())
                .isInstanceOf(LeaseBook.NoSuchBudget.class);
    }

    @Test
    void aNewPeriodOpensANewLeaseAndTheOldOneWaitsForItsRelease() {
        BudgetAccount daily = new BudgetAccount("user:u1", new Budget(DOLLAR, BudgetPeriod.DAILY), BudgetPeriod.DAILY.start(clock.get()), 0);
        LeaseBook b = new LeaseBook(store, s -> daily, clock::get, LEASE_MS, LEASE_MS);
        LeaseGrant first = b.handle("dp_a", new LeaseRequest("user:u1", null, 0, 0, 0, false)).result();
        clock.set(BudgetPeriod.DAILY.end(first.periodStart()) + 1);
        LeaseGrant next = b.handle("dp_a", new LeaseRequest("user:u1", first.leaseId(), 0, 0, 0, false)).result();
        assertThat(next.leaseId()).isNotEqualTo(first.leaseId());
        assertThat(next.periodStart()).isEqualTo(BudgetPeriod.DAILY.end(first.periodStart()));
        assertThat(b.size()).isEqualTo(2);
        b.handle("dp_a", new LeaseRequest("user:u1", first.leaseId(), 1_000, 0, 0, true));
        assertThat(b.size()).isEqualTo(1);
        assertThat(daily.spent(clock.get())).isEqualTo(1_000);
    }
}
