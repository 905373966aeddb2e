package dev.tollgate.access;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Numbers read from a request are range-checked, and the token and money arithmetic on them cannot wrap. */
class NumberBoundsTest extends KeyModeTest {

    private static String error(String code, String param, String message) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\",\"param\":\"" + param + "\",\"code\":\"" + code + "\"}}";
    }

    private static String chat(String extra) {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + extra + "}";
    }

    @Test
    void anOverflowingOutputCapIsRefusedNotWrapped() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{\"limits\":{\"tpm\":1000}}").get("key").asText();
        HttpResponse<String> r = chat(key, chat("\"max_tokens\":4611686018427387905,\"n\":4"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error("integer_above_max_value", "max_tokens", "Invalid 'max_tokens': integer above maximum value. "
                + "Expected a value <= 16384 for model 'gpt-4o-mini', but got 4611686018427387905 instead."));
        HttpResponse<String> huge = chat(key, chat("\"max_completion_tokens\":123456789012345678901234567890"));
        assertThat(huge.body()).isEqualTo(error("integer_above_max_value", "max_completion_tokens", "Invalid 'max_completion_tokens': "
                + "integer above maximum value. Expected a value <= 16384 for model 'gpt-4o-mini', but got 123456789012345678901234567890 instead."));
        assertThat(chat(key, chat("\"max_tokens\":-1")).body()).isEqualTo(error("integer_below_min_value", "max_tokens",
                "Invalid 'max_tokens': integer below minimum value. Expected a value >= 0, but got -1 instead."));
        assertThat(chat(key, chat("\"n\":129")).body()).isEqualTo(error("integer_above_max_value", "n",
                "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead."));
        assertThat(chat(key, chat("\"n\":0")).body()).isEqualTo(error("integer_below_min_value", "n",
                "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."));
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void numbersOfTheWrongTypeAreRefusedSoNoServerCanCoerceThemPastTheReservation() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{}").get("key").asText();
        String[][] cases = {
                {"\"n\":\"4\"", "n", "a string"}, {"\"max_tokens\":\"100\"", "max_tokens", "a string"},
                {"\"max_tokens\":1.5", "max_tokens", "a decimal number"}, {"\"n\":true", "n", "a boolean"},
                {"\"max_output_tokens\":[5]", "max_output_tokens", "an array"}, {"\"best_of\":{\"n\":2}", "best_of", "an object"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = chat(key, chat(c[0]));
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.body()).as(c[0]).isEqualTo(error("invalid_type", c[1], "Invalid '" + c[1] + "': expected an integer, but got "
                    + c[2] + " instead."));
        }
        assertThat(upstream.received()).isEmpty();
        // Whole numbers written as decimals, and nulls, are fine.
        assertThat(chat(key, chat("\"max_tokens\":100.0,\"n\":null")).statusCode()).isEqualTo(200);
        // Models the price table does not know are bounded by a sane maximum.
        HttpResponse<String> unknown = chat(key, "{\"model\":\"my-model\",\"messages\":[],\"max_tokens\":10000001}");
        assertThat(unknown.body()).isEqualTo(error("integer_above_max_value", "max_tokens", "Invalid 'max_tokens': integer above maximum "
                + "value. Expected a value <= 10000000, but got 10000001 instead."));
    }

    @Test
    void everyChoiceIsReservedAgainstTheTokenLimit() throws Exception {
        startKeyMode(Map.of());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(10, 2)));
        String key = createKey("{\"limits\":{\"tpm\":20000}}").get("key").asText();
        // 4 choices of up to 16,384 tokens each (the model's own cap) cannot fit in 20,000 tokens a minute.
        HttpResponse<String> r = chat(key, chat("\"n\":4"));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).contains("\"code\":\"tokens_exceed_limit\"");
        HttpResponse<String> capped = chat(key, chat("\"n\":4,\"max_tokens\":4000"));
        assertThat(capped.statusCode()).isEqualTo(200);
        HttpResponse<String> bestOf = gateway.postJson("/v1/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"hi\",\"max_tokens\":5000,"
                + "\"best_of\":5}", "Authorization", "Bearer " + key);
        assertThat(bestOf.statusCode()).isEqualTo(429);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void saturatingArithmetic() {
        assertThat(dev.tollgate.usage.Saturating.multiply(4611686018427387905L, 4)).isEqualTo(Long.MAX_VALUE);
        assertThat(dev.tollgate.usage.Saturating.multiply(16_384, 128)).isEqualTo(2_097_152);
        assertThat(dev.tollgate.usage.Saturating.add(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
        dev.tollgate.budget.BudgetAccount a = new dev.tollgate.budget.BudgetAccount("key:k",
                dev.tollgate.budget.Budget.parse(dev.tollgate.json.Json.object().put("amount_usd", 1).put("period", "total"), "budget"), 0, 0);
        a.settle(0, Long.MAX_VALUE - 10, 0);
        a.settle(0, 100, 0);
        assertThat(a.spent(0)).isEqualTo(Long.MAX_VALUE);
        assertThat(a.remaining(0)).isZero();
    }
}
