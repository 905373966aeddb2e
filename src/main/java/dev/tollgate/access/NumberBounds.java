package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.usage.ModelPrice;

/**
 * Range checks for the numbers the gateway reads from a request body to size reservations and
 * limits: output caps and choice counts. Each must be a whole number within the model's known
 * maximum (or a sane bound), so no value can overflow, wrap or type-confuse the arithmetic that
 * reserves tokens and money ({@code max_tokens: 2^62+1, n: 4} once wrapped to 4). Errors read like
 * OpenAI's own ({@code integer_above_max_value}).
 */
public final class NumberBounds {

    private NumberBounds() {}

    /** No model writes more than this in one answer; a bound for models the price table does not know. */
    static final long MAX_OUTPUT_TOKENS = 10_000_000;
    /** OpenAI's limits: n ≤ 128 choices, best_of ≤ 20, images n ≤ 10. */
    static final long MAX_CHOICES = 128;
    static final long MAX_BEST_OF = 20;
    static final long MAX_IMAGES = 10;

    private static final String[] OUTPUT_CAPS = {"max_tokens", "max_completion_tokens", "max_output_tokens"};

    /** The error for the first number out of range, or null. {@code price} may be null (model unknown). */
    public static ApiError check(Exchange ex, ModelPrice price) {
        if (!ex.hasJsonBody()) return null;
        boolean known = price != null && price.maxOutputTokens() > 0;
        long outputMax = known ? price.maxOutputTokens() : MAX_OUTPUT_TOKENS;
        for (String f : OUTPUT_CAPS) {
            ApiError e = integer(ex, f, 0, outputMax, known);
            if (e != null) return e;
        }
        ApiError e = integer(ex, "max_prompt_tokens", 0, MAX_OUTPUT_TOKENS * 10, false);
        if (e != null) return e;
        boolean images = ex.endpoint().kind() == Endpoint.Kind.IMAGES_GENERATIONS || ex.endpoint().isImages();
        e = integer(ex, "n", 1, images ? MAX_IMAGES : MAX_CHOICES, false);
        if (e != null) return e;
        return integer(ex, "best_of", 1, MAX_BEST_OF, false);
    }

    private static ApiError integer(Exchange ex, String field, long min, long max, boolean modelMax) {
        JsonNode v = ex.requestField(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber() || !v.canConvertToExactIntegral()) {
            return new ApiError(400, ApiError.INVALID_REQUEST, "invalid_type",
                    "Invalid '" + field + "': expected an integer, but got " + kind(v) + " instead.", field);
        }
        if (!v.canConvertToLong() || v.asLong() > max) {
            return new ApiError(400, ApiError.INVALID_REQUEST, "integer_above_max_value", "Invalid '" + field
                    + "': integer above maximum value. Expected a value <= " + max
                    + (modelMax ? " for model '" + ApiError.clip(ex.model()) + "'" : "") + ", but got " + clip(v) + " instead.", field);
        }
        if (v.asLong() < min) {
            return new ApiError(400, ApiError.INVALID_REQUEST, "integer_below_min_value", "Invalid '" + field
                    + "': integer below minimum value. Expected a value >= " + min + ", but got " + clip(v) + " instead.", field);
        }
        return null;
    }

    /** A whole number read after {@link #check} passed: 0 when absent. */
    static long value(Exchange ex, String field) {
        JsonNode v = ex.requestField(field);
        return v != null && v.isNumber() && v.canConvertToExactIntegral() && v.canConvertToLong() ? v.asLong() : 0;
    }

    private static String kind(JsonNode v) {
        if (v.isTextual()) return "a string";
        if (v.isBoolean()) return "a boolean";
        if (v.isArray()) return "an array";
        if (v.isObject()) return "an object";
        return "a decimal number";
    }

    private static String clip(JsonNode v) {
        String s = v.isBigInteger() || v.isBigDecimal() ? v.numberValue().toString() : v.asText();
        return s.length() > 30 ? s.substring(0, 30) + "…" : s;
    }
}
