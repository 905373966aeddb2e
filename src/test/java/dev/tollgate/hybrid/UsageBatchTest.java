package dev.tollgate.hybrid;

import dev.tollgate.store.LedgerRow;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The usage batch's wire form: what a data plane writes the control plane reads back exactly; anything else is refused by field. */
class UsageBatchTest {

    static final long NOW = 1_795_521_600_000L;

    @Test
    void aBatchReadsBackAsTheRowsWritten() {
        List<LedgerRow> rows = List.of(UsageSpoolTest.row(1), UsageSpoolTest.row(2),
                new LedgerRow("lr_00000000000000000000abcd", NOW, null, null, null, null, null, "/v1/embeddings", 401, 0, 0, 0, 0, 0, 0,
                        "none", false, null, null, "[{\"policy\":\"pii\",\"action\":\"audit\"}]", "prompt", "answer"));
        assertThat(UsageBatch.read(UsageBatch.write(rows), NOW)).isEqualTo(rows);
    }

    private static String refusal(String json) {
        try {
            UsageBatch.read(json.getBytes(StandardCharsets.UTF_8), NOW);
        } catch (UsageBatch.Invalid e) {
            return e.param + " | " + e.getMessage();
        }
        throw new AssertionError("accepted: " + json);
    }

    private static String withRow(String field, String value) {
        String row = new String(UsageBatch.write(List.of(UsageSpoolTest.row(1))), StandardCharsets.UTF_8);
        return row.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[^,}]*)", "\"" + field + "\":" + value);
    }

    @Test
    void everyFieldIsCheckedAndTheFirstProblemNamed() {
        assertThat(refusal("[1]")).isEqualTo("body | body: expected a JSON object {\"rows\": [...]}");
        assertThat(refusal("{\"rows\":")).isEqualTo("body | body: not valid JSON");
        assertThat(refusal("{\"rows\":[],\"x\":1}")).isEqualTo("x | x: unknown field (known: rows)");
        assertThat(refusal("{\"rows\":[]}")).isEqualTo("rows | rows: expected an array of 1 to 500 ledger rows");
        assertThat(refusal("{\"rows\":[" + "1,".repeat(500) + "1]}")).isEqualTo("rows | rows: expected an array of 1 to 500 ledger rows");
        assertThat(refusal("{\"rows\":[1]}")).isEqualTo("rows[0] | rows[0]: expected a ledger row object");
        assertThat(refusal(withRow("status", "\"200\""))).isEqualTo("rows[0].status | rows[0].status: expected a whole number from 0 to 599");
        assertThat(refusal(withRow("status", "700"))).isEqualTo("rows[0].status | rows[0].status: expected a whole number from 0 to 599");
        assertThat(refusal(withRow("row_id", "\"key_1\""))).isEqualTo("rows[0].row_id | rows[0].row_id: expected lr_ and 16 to 60 hex digits");
        assertThat(refusal(withRow("ts", String.valueOf(NOW + 2 * 86_400_000L)))).isEqualTo("rows[0].ts | rows[0].ts: expected a whole number from "
                + "946684800000 to " + (NOW + 86_400_000L));
        assertThat(refusal(withRow("input_tokens", "-1"))).isEqualTo("rows[0].input_tokens | rows[0].input_tokens: expected a whole number "
                + "from 0 to 1000000000000");
        assertThat(refusal(withRow("cost_nanousd", "1.5"))).isEqualTo("rows[0].cost_nanousd | rows[0].cost_nanousd: expected a whole number "
                + "from 0 to 1000000000000000");
        assertThat(refusal(withRow("usage_source", "\"guessed\""))).isEqualTo("rows[0].usage_source | rows[0].usage_source: expected one of "
                + "upstream, estimated, none");
        assertThat(refusal(withRow("priced", "1"))).isEqualTo("rows[0].priced | rows[0].priced: expected true or false");
        assertThat(refusal(withRow("endpoint", "null"))).isEqualTo("rows[0].endpoint | rows[0].endpoint: required");
        assertThat(refusal(withRow("model", "\"" + "m".repeat(256) + "\""))).isEqualTo("rows[0].model | rows[0].model: expected null or a "
                + "string of 0 to 255 characters");
        assertThat(refusal(withRow("findings", "\"not json\""))).isEqualTo("rows[0].findings | rows[0].findings: expected null or a JSON "
                + "array as text");
        assertThat(refusal(withRow("latency_ms", "\"fast\""))).isEqualTo("rows[0].latency_ms | rows[0].latency_ms: expected a whole number "
                + "from 0 to 1000000000000");
        assertThat(refusal(withRow("priced", "true,\"colour\":\"red\""))).isEqualTo("rows[0].colour | rows[0].colour: unknown field");
    }
}
