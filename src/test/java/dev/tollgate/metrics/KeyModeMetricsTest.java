package dev.tollgate.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.tollgate.support.Scrape.value;
import static org.assertj.core.api.Assertions.assertThat;

/** Key mode's metrics: refusals by budgets and key limits, cost by team and budgets left (both opt-in), the ledger. */
class KeyModeMetricsTest extends KeyModeTest {

    @Test
    void refusalsCostByTeamBudgetsLeftAndTheLedger() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(100, 50)));
        startKeyMode(Map.of("TOLLGATE_METRICS_COST_BY_TEAM", "true", "TOLLGATE_METRICS_BUDGET_REMAINING", "true"));
        JsonNode research = createKey("{\"name\":\"a\",\"team\":\"research\",\"budget\":{\"amount_usd\":1,\"period\":\"total\"}}");
        JsonNode tiny = createKey("{\"name\":\"b\",\"budget\":{\"amount_usd\":0.001,\"period\":\"total\"}}");
        JsonNode limited = createKey("{\"name\":\"c\",\"limits\":{\"rpm\":1}}");

        assertThat(chat(research.get("key").asText(), CHAT).statusCode()).isEqualTo(200);
        assertThat(chat(research.get("key").asText(), CHAT).statusCode()).isEqualTo(200);
        // Its worst case (16,384 output tokens of gpt-4o-mini, about $0.0098) does not fit $0.001.
        assertThat(chat(tiny.get("key").asText(), CHAT).statusCode()).isEqualTo(429);
        assertThat(chat(limited.get("key").asText(), CHAT).statusCode()).isEqualTo(200);
        assertThat(chat(limited.get("key").asText(), CHAT).statusCode()).isEqualTo(429);
        awaitLedgerQuiet();
        gateway.gateway().access().ledger().flush(); // written: none left in the queue

        String text = gateway.get("/metrics").body();
        assertThat(text).contains(
                "tollgate_limit_refusals_total{limit=\"budget\",subject=\"key\"} 1.0\n",
                "tollgate_limit_refusals_total{limit=\"rpm\",subject=\"key\"} 1.0\n",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",status_class=\"2xx\"} 3.0\n",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",status_class=\"4xx\"} 2.0\n",
                "tollgate_ledger_queue_depth_rows 0.0\n",
                "tollgate_ledger_dropped_rows_total 0.0\n",
                "tollgate_ledger_spooled_rows 0.0\n");
        // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output: 100 x 0.15 + 50 x 0.6 = 45 µ$ a call.
        assertThat(value(text, "tollgate_cost_usd_total{model=\"gpt-4o-mini-2024-07-18\",team=\"research\"}")).isCloseTo(90e-6, Offset.offset(1e-15));
        assertThat(value(text, "tollgate_cost_usd_total{model=\"gpt-4o-mini-2024-07-18\",team=\"none\"}")).isCloseTo(45e-6, Offset.offset(1e-15));
        assertThat(value(text, "tollgate_cost_usd_total{model=\"gpt-4o-mini\",team=\"none\"}")).isEqualTo(0.0); // the two refused
        assertThat(value(text, "tollgate_budget_remaining_usd{subject=\"key:" + research.get("id").asText() + "\"}"))
                .isCloseTo(1 - 90e-6, Offset.offset(1e-12));
        assertThat(value(text, "tollgate_budget_remaining_usd{subject=\"key:" + tiny.get("id").asText() + "\"}")).isCloseTo(0.001, Offset.offset(1e-12));
        assertThat(text).doesNotContain("key:" + limited.get("id").asText()); // no budget
        assertThat(text).doesNotContain("tollgate_shared_state"); // no Redis: no shared-state series
    }

    @Test
    void noPerKeyOrPerTeamLabelUnlessSwitchedOn() throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(100, 50)));
        startKeyMode(Map.of());
        JsonNode key = createKey("{\"name\":\"a\",\"team\":\"research\",\"user\":\"alice\",\"budget\":{\"amount_usd\":1,\"period\":\"total\"}}");
        assertThat(chat(key.get("key").asText(), CHAT).statusCode()).isEqualTo(200);
        String text = gateway.get("/metrics").body();
        assertThat(value(text, "tollgate_cost_usd_total{model=\"gpt-4o-mini-2024-07-18\"}")).isCloseTo(45e-6, Offset.offset(1e-15));
        assertThat(text).doesNotContain("team=", "research", "alice", key.get("id").asText(), "tollgate_budget_remaining");
    }
}
