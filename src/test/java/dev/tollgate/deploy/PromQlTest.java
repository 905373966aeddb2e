package dev.tollgate.deploy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PromQlTest {

    @Test
    void aWellFormedQueryHasNoProblemsAndNamesItsMetrics() {
        String expr = "histogram_quantile(0.95, sum by (le, gen_ai_provider_name) "
                + "(rate(gen_ai_client_operation_duration_seconds_bucket{job=\"tollgate\",x=~\"a(b\"}[$__rate_interval]))) "
                + "/ on (instance) group_left max(up) > 0.5";
        assertThat(PromQl.problems(expr)).isEmpty();
        assertThat(PromQl.metricNames(expr)).containsExactly("gen_ai_client_operation_duration_seconds_bucket", "up");
        assertThat(PromQl.metricNames("sum(rate(tollgate_requests_total{status_class=\"5xx\"}[5m])) / sum(rate(tollgate_requests_total[5m])) > 0.05"))
                .containsExactly("tollgate_requests_total");
        assertThat(PromQl.metricNames("tollgate_ledger_spooled_rows > 0 and bool 1e3")).containsExactly("tollgate_ledger_spooled_rows");
    }

    @Test
    void brokenQueriesAreNamed() {
        assertThat(PromQl.problems("sum(rate(x[5m])")).containsExactly("unclosed '('");
        assertThat(PromQl.problems("sum(rate(x[5m]))))")).containsExactly("unbalanced ')'");
        assertThat(PromQl.problems("rate(x{a=\"b}[5m])")).contains("unclosed string");
        assertThat(PromQl.problems("sum(rates(x[5m]))")).containsExactly("unknown function rates");
        assertThat(PromQl.problems("rate(x[five])")).containsExactly("range [five] is not a duration");
        assertThat(PromQl.problems(" ")).containsExactly("empty expression");
    }
}
