package dev.tollgate.metrics;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code tollgate_budget_remaining_usd} per budget subject, read afresh at each scrape (budgets come
 * and go with the admin API). At most the label cap's number of subjects, in name order: a sum of
 * several budgets' remainders under {@code other} would mean nothing.
 */
final class BudgetGauges {

    private final MultiGauge gauge;
    private final Supplier<Map<String, Long>> remainingNanoUsd;
    private final int max;

    BudgetGauges(PrometheusMeterRegistry registry, Supplier<Map<String, Long>> remainingNanoUsd, int max) {
        this.gauge = MultiGauge.builder("tollgate.budget.remaining").baseUnit("usd")
                .description("What each budget (key, user, team) has left in its current period, in US dollars.").register(registry);
        this.remainingNanoUsd = remainingNanoUsd;
        this.max = max;
    }

    void refresh() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, Long> e : new TreeMap<>(remainingNanoUsd.get()).entrySet()) {
            if (rows.size() >= max) break;
            double usd = e.getValue() / 1e9;
            rows.add(MultiGauge.Row.of(Tags.of("subject", e.getKey()), usd));
        }
        gauge.register(rows, true);
    }
}
