package dev.tollgate.budget;

import dev.tollgate.json.Json;
import dev.tollgate.usage.Cost;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BudgetTest {

    private static final long TUE_NOV_24_2026_1530 = 1_795_534_200_000L; // 2026-11-24T15:30:00Z

    @Test
    void periodsStartAtUtcCalendarBoundaries() {
        assertThat(BudgetPeriod.DAILY.start(TUE_NOV_24_2026_1530)).isEqualTo(1_795_478_400_000L);   // 2026-11-24T00:00Z
        assertThat(BudgetPeriod.WEEKLY.start(TUE_NOV_24_2026_1530)).isEqualTo(1_795_392_000_000L);  // Monday 2026-11-23T00:00Z
        assertThat(BudgetPeriod.MONTHLY.start(TUE_NOV_24_2026_1530)).isEqualTo(1_793_491_200_000L); // 2026-11-01T00:00Z
        assertThat(BudgetPeriod.TOTAL.start(TUE_NOV_24_2026_1530)).isZero();
        assertThat(BudgetPeriod.DAILY.end(1_795_478_400_000L)).isEqualTo(1_795_564_800_000L);   // 2026-11-25T00:00Z
        assertThat(BudgetPeriod.WEEKLY.end(1_795_392_000_000L)).isEqualTo(1_795_996_800_000L);  // Monday 2026-11-30
        assertThat(BudgetPeriod.MONTHLY.end(1_793_491_200_000L)).isEqualTo(1_796_083_200_000L); // 2026-12-01
        assertThat(BudgetPeriod.TOTAL.end(0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void amountsAreExactNanoDollars() throws Exception {
        Budget b = Budget.parse(Json.parse("{\"amount_usd\": 0.1, \"period\": \"weekly\"}"), "budget");
        assertThat(b).isEqualTo(new Budget(100_000_000L, BudgetPeriod.WEEKLY));
        assertThat(b.toJson().toString()).isEqualTo("{\"amount_usd\":0.1,\"period\":\"weekly\"}");
        assertThat(Budget.parse(Json.parse("{\"amount_usd\": 25}"), "b").period()).isEqualTo(BudgetPeriod.MONTHLY);
        assertThat(Cost.dollars(10_000_000_000L).toPlainString()).isEqualTo("10");
        assertThat("$" + Cost.formatUsd(601_200)).isEqualTo("$0.000601");
        assertThatThrownBy(() -> Budget.parse(Json.parse("{\"amount_usd\": -1}"), "budget"))
                .hasMessage("budget.amount_usd: expected a number of dollars ≥ 0");
        assertThatThrownBy(() -> Budget.parse(Json.parse("{\"amount_usd\": 1, \"cap\": 2}"), "budget"))
                .hasMessage("budget: unknown field 'cap' (known: amount_usd, period)");
    }

    @Test
    void anAccountReservesSettlesAndRollsOverWithItsPeriod() {
        long now = TUE_NOV_24_2026_1530;
        BudgetAccount a = new BudgetAccount("key:k", new Budget(1_000, BudgetPeriod.DAILY), BudgetPeriod.DAILY.start(now), 200);
        assertThat(a.reserve(700, now)).isEqualTo(-1);
        assertThat(a.reserve(200, now)).isEqualTo(100); // 1000 − 200 spent − 700 reserved
        a.settle(700, 300, now);
        assertThat(a.spent(now)).isEqualTo(500);
        assertThat(a.remaining(now)).isEqualTo(500);
        long tomorrow = now + 9 * 3_600_000L;
        assertThat(a.spent(tomorrow)).isZero();
        assertThat(a.reserve(1_000, tomorrow)).isEqualTo(-1);
    }
}
