package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Settings;
import dev.tollgate.limits.Limits;
import dev.tollgate.usage.ModelPrice;
import dev.tollgate.usage.PriceTable;

import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The gateway-wide rules of admission and pricing: the price table, the limits shared by all
 * callers (per model, per client IP), whether failed calls count and whether unpriced models are
 * refused. Immutable, so that a data plane can swap them whole when its control plane's settings
 * change, and a request judged under one set is also priced under it.
 */
public record AccessRules(PriceTable prices, Map<String, Limits> modelLimits, Limits ipLimits, boolean countFailed,
                          boolean blockUnpriced, UnaryOperator<String> pricingModel) {

    /** The rules of these settings; a bad value throws {@link IllegalArgumentException} naming its setting. */
    public static AccessRules of(Settings s) {
        PriceTable prices;
        try {
            prices = PriceTable.builtIn().withOverrides(s.get(AccessSettings.PRICES));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(AccessSettings.PRICES.key() + ": " + e.getMessage(), e);
        }
        return new AccessRules(prices, modelLimits(s.get(AccessSettings.MODEL_LIMITS)),
                Limits.parse(s.get(AccessSettings.IP_LIMITS), AccessSettings.IP_LIMITS.key()), s.get(AccessSettings.LIMITS_COUNT_FAILED),
                s.get(AccessSettings.UNPRICED_MODELS).equals("block"), m -> m);
    }

    /** The same rules, a model name priced as {@code f} says (a routed alias as its first deployment's model). */
    public AccessRules pricedAs(UnaryOperator<String> f) {
        return new AccessRules(prices, modelLimits, ipLimits, countFailed, blockUnpriced, f);
    }

    /** Whether some model has rate limits of its own (TOLLGATE_MODEL_LIMITS). */
    public boolean hasModelLimits() {
        return !modelLimits.isEmpty();
    }

    /** The price of a request's model: its own, or for a routed alias the price of the model it serves. */
    public ModelPrice priceOf(String model) {
        if (model == null) return null;
        ModelPrice p = prices.lookup(model);
        if (p == null) {
            String upstreamModel = pricingModel.apply(model);
            if (upstreamModel != null && !upstreamModel.equals(model)) p = prices.lookup(upstreamModel);
        }
        return p;
    }

    static Map<String, Limits> modelLimits(JsonNode node) {
        Map<String, Limits> out = new HashMap<>();
        if (node == null) return Map.of();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), Limits.parse(e.getValue(), AccessSettings.MODEL_LIMITS.key() + "." + e.getKey()));
        }
        return Map.copyOf(out);
    }
}
