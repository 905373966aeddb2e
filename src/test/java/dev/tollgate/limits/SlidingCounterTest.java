package dev.tollgate.limits;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlidingCounterTest {

    @Test
    void anEntryCountsUntilExactlyOneWindowLater() {
        SlidingCounter c = new SlidingCounter(3_600_000);
        c.add(1_000, 1);
        assertThat(c.sum(1_000 + 3_599_999)).isEqualTo(1);
        assertThat(c.sum(1_000 + 3_600_000)).isZero();
    }

    @Test
    void waitForSaysWhenTheOldestEntriesLeave() {
        SlidingCounter c = new SlidingCounter(60_000);
        c.add(0, 1);
        c.add(10_000, 1);
        c.add(20_000, 1);
        assertThat(c.waitFor(30_000, 1, 3)).isEqualTo(30_000);  // the entry of t=0 leaves at 60 s
        assertThat(c.waitFor(30_000, 2, 3)).isEqualTo(40_000);  // two must leave: t=10 s leaves at 70 s
        assertThat(c.waitFor(30_000, 1, 4)).isZero();
        assertThat(c.waitFor(30_000, 5, 4)).isEqualTo(-1);      // can never fit
    }

    @Test
    void sameMillisecondEntriesMergeAndAdjustFindsThem() {
        SlidingCounter c = new SlidingCounter(60_000);
        c.add(5, 1);
        c.add(5, 1);
        c.add(7, 100);
        assertThat(c.sum(10)).isEqualTo(102);
        c.adjust(5, -1);
        c.adjust(7, -40);
        assertThat(c.sum(10)).isEqualTo(61);
        c.adjust(3, -1); // no such entry: nothing happens
        c.adjust(7, -1000); // never below zero
        assertThat(c.sum(10)).isEqualTo(1);
    }

    @Test
    void refundedEntriesAreCompactedSoMemoryStaysBounded() {
        SlidingCounter c = new SlidingCounter(86_400_000);
        for (int i = 0; i < 10_000; i++) {
            c.add(i, 1);
            c.adjust(i, -1);
        }
        assertThat(c.sum(10_000)).isZero();
        c.add(20_000, 1);
        assertThat(c.sum(20_000)).isEqualTo(1);
        assertThat(c.waitFor(20_000, 1, 1)).isEqualTo(86_400_000);
    }

    @Test
    void aCoarseResolutionRoundsUpNeverDown() {
        SlidingCounter day = new SlidingCounter(86_400_000, 1000);
        for (int ms = 1; ms <= 1000; ms++) day.add(ms, 1); // one slot: ends at 1,000
        day.add(1001, 1);                                  // the next: ends at 2,000
        assertThat(day.sum(86_400_999)).isEqualTo(1001);
        assertThat(day.sum(86_401_000)).isEqualTo(1);
        assertThat(day.waitFor(86_401_000, 1, 1)).isEqualTo(1000);
        assertThat(day.sum(86_402_000)).isZero();
    }

    @Test
    void theRingGrowsAndWrapsKeepingOrder() {
        SlidingCounter c = new SlidingCounter(100);
        for (int t = 0; t < 1000; t++) {
            c.add(t, 1);
            assertThat(c.sum(t)).isEqualTo(Math.min(t + 1, 100));
        }
    }
}
