package dev.tollgate.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import dev.tollgate.usage.Cost;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** A spending cap in dollars over a period. Amounts are kept in nano-dollars (1e-9 USD), exactly. */
public record Budget(long amountNanoUsd, BudgetPeriod period) {

    /** Reads {@code {"amount_usd": 25, "period": "monthly"}}; null stays null (no budget). */
    public static Budget parse(JsonNode node, String where) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw new IllegalArgumentException(where + ": expected {\"amount_usd\": ..., \"period\": ...}");
        JsonNode amount = node.get("amount_usd");
        if (amount == null || !amount.isNumber() || amount.decimalValue().signum() < 0) {
            throw new IllegalArgumentException(where + ".amount_usd: expected a number of dollars ≥ 0");
        }
        BigDecimal nano = amount.decimalValue().movePointRight(9).setScale(0, RoundingMode.HALF_UP);
        if (nano.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0) {
            throw new IllegalArgumentException(where + ".amount_usd: too large");
        }
        JsonNode period = node.get("period");
        BudgetPeriod p;
        try {
            p = period == null || period.isNull() ? BudgetPeriod.MONTHLY : BudgetPeriod.parse(period.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ".period: " + e.getMessage());
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("amount_usd") && !f.equals("period")) {
                throw new IllegalArgumentException(where + ": unknown field '" + f + "' (known: amount_usd, period)");
            }
        }
        return new Budget(nano.longValueExact(), p);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("amount_usd", Cost.dollars(amountNanoUsd));
        o.put("period", period.id());
        return o;
    }

}
