package dev.tollgate.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns one model's price object (as written in prices.yaml or the config's {@code prices} map)
 * into a {@link ModelPrice}. Strict, because a typo in a price silently mis-bills: unknown fields,
 * negative or non-numeric values and more precision than the units hold are errors naming the
 * model and the field.
 */
final class PriceParser {

    static final Set<String> FIELDS = Set.of("input", "cached_input", "cache_write", "image_input", "output",
            "max_output_tokens", "aliases", "images", "context_window", "image_tokens");

    /** Sanity cap: no token costs more than $1M per 1M tokens, no image more than $1M. */
    private static final BigDecimal MAX_USD = BigDecimal.valueOf(1_000_000);

    /** No model holds more tokens than this; a larger count is a typo. */
    static final long MAX_TOKENS = 100_000_000;

    private PriceParser() {}

    /** Checks the fields present in a (possibly partial) entry, without requiring any. */
    static void checkFields(String model, JsonNode entry) {
        if (entry == null || !entry.isObject()) {
            throw error(model, "must be an object of prices, got " + show(entry));
        }
        for (var field : entry.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            switch (name) {
                case "input", "cached_input", "cache_write", "image_input", "output" -> tokenPrice(model, name, value);
                case "max_output_tokens", "context_window" -> count(model, name, value);
                case "image_tokens" -> imageTokens(model, value);
                case "aliases" -> aliases(model, value);
                case "images" -> images(model, value);
                default -> throw error(model, "unknown field \"" + name + "\"");
            }
        }
    }

    /** Parses a whole entry: it must have input and output prices, or image prices. */
    static ModelPrice parse(String model, JsonNode entry) {
        checkFields(model, entry);
        Map<String, Map<String, Long>> images = entry.has("images") ? images(model, entry.get("images")) : Map.of();
        long input = optionalPrice(model, entry, "input");
        long output = optionalPrice(model, entry, "output");
        if ((input < 0 || output < 0) && images.isEmpty()) {
            throw error(model, "needs \"input\" and \"output\" prices (or \"images\")");
        }
        return new ModelPrice(model,
                entry.has("aliases") ? aliases(model, entry.get("aliases")) : List.of(),
                input,
                optionalPrice(model, entry, "cached_input"),
                optionalPrice(model, entry, "cache_write"),
                optionalPrice(model, entry, "image_input"),
                output,
                entry.has("max_output_tokens") ? count(model, "max_output_tokens", entry.get("max_output_tokens")) : ModelPrice.UNSET,
                images,
                entry.has("context_window") ? count(model, "context_window", entry.get("context_window")) : ModelPrice.UNSET,
                entry.has("image_tokens") ? imageTokens(model, entry.get("image_tokens")) : null);
    }

    private static long optionalPrice(String model, JsonNode entry, String field) {
        return entry.has(field) ? tokenPrice(model, field, entry.get(field)) : ModelPrice.UNSET;
    }

    /** USD per 1M tokens → pico-USD per token (exact: up to 6 decimals). */
    private static long tokenPrice(String model, String field, JsonNode value) {
        return scaled(model, field, usd(model, field, value), 6, "USD per 1M tokens");
    }

    /** USD per image → nano-USD per image (exact: up to 9 decimals). */
    private static long imagePrice(String model, String field, JsonNode value) {
        return scaled(model, field, usd(model, field, value), 9, "USD per image");
    }

    private static BigDecimal usd(String model, String field, JsonNode value) {
        BigDecimal usd = null;
        if (value != null && value.isNumber()) {
            // YAML and JSON floats arrive as doubles: their shortest decimal form is what was written.
            usd = value.isFloatingPointNumber() && !value.isBigDecimal()
                    ? (Double.isFinite(value.doubleValue()) ? BigDecimal.valueOf(value.doubleValue()) : null)
                    : value.decimalValue();
        }
        if (usd == null || usd.signum() < 0) {
            throw error(model, "\"" + field + "\" must be a non-negative number, got " + show(value));
        }
        if (usd.compareTo(MAX_USD) > 0) {
            throw error(model, "\"" + field + "\" is too large (at most 1000000), got " + usd.stripTrailingZeros().toPlainString());
        }
        return usd;
    }

    private static long scaled(String model, String field, BigDecimal usd, int decimals, String unit) {
        BigDecimal scaled = usd.movePointRight(decimals);
        if (scaled.stripTrailingZeros().scale() > 0) {
            throw error(model, "\"" + field + "\" has more than " + decimals + " decimal places (" + unit
                    + "), got " + usd.stripTrailingZeros().toPlainString());
        }
        return scaled.longValueExact();
    }

    /** A token count (max_output_tokens, context_window): a non-negative integer of sane size. */
    private static long count(String model, String field, JsonNode value) {
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            throw error(model, "\"" + field + "\" must be a non-negative integer, got " + show(value));
        }
        if (value.longValue() > MAX_TOKENS) {
            throw error(model, "\"" + field + "\" is too large (at most " + MAX_TOKENS + "), got " + show(value));
        }
        return value.longValue();
    }

    /**
     * {@code {formula: tiles, base, tile}}, {@code {formula: patches, multiplier}},
     * {@code {formula: pixels, max}} or {@code {formula: gemini, tile, max}} (see {@link ImageTokens}).
     */
    private static ImageTokens imageTokens(String model, JsonNode value) {
        JsonNode formula = value == null ? null : value.get("formula");
        if (value == null || !value.isObject() || formula == null || !formula.isTextual()) {
            throw error(model, "\"image_tokens\" must be an object with a \"formula\" (tiles, patches, pixels or gemini), got " + show(value));
        }
        Set<String> fields = switch (formula.textValue()) {
            case "tiles" -> Set.of("formula", "base", "tile");
            case "patches" -> Set.of("formula", "multiplier");
            case "pixels" -> Set.of("formula", "max");
            case "gemini" -> Set.of("formula", "tile", "max");
            default -> throw error(model, "\"image_tokens.formula\" must be tiles, patches, pixels or gemini, got " + show(formula));
        };
        for (var f : value.properties()) {
            if (!fields.contains(f.getKey())) throw error(model, "\"image_tokens\" with formula " + formula.textValue() + " has no field \"" + f.getKey() + "\"");
        }
        for (String f : fields) {
            if (!value.has(f)) throw error(model, "\"image_tokens\" with formula " + formula.textValue() + " needs \"" + f + "\"");
        }
        return switch (formula.textValue()) {
            case "tiles" -> new ImageTokens.Tiles(count(model, "image_tokens.base", value.get("base")),
                    count(model, "image_tokens.tile", value.get("tile")));
            case "patches" -> new ImageTokens.Patches(multiplierMilli(model, value.get("multiplier")));
            case "pixels" -> new ImageTokens.Pixels(count(model, "image_tokens.max", value.get("max")));
            default -> new ImageTokens.Gemini(count(model, "image_tokens.tile", value.get("tile")),
                    count(model, "image_tokens.max", value.get("max")));
        };
    }

    /** A patch multiplier such as 1.62, in thousandths (exact: at most 3 decimals, at most 100). */
    private static long multiplierMilli(String model, JsonNode value) {
        BigDecimal m = value != null && value.isNumber() && (!value.isFloatingPointNumber() || Double.isFinite(value.doubleValue()))
                ? (value.isFloatingPointNumber() && !value.isBigDecimal() ? BigDecimal.valueOf(value.doubleValue()) : value.decimalValue())
                : null;
        if (m == null || m.signum() <= 0 || m.compareTo(BigDecimal.valueOf(100)) > 0 || m.stripTrailingZeros().scale() > 3) {
            throw error(model, "\"image_tokens.multiplier\" must be a number above 0 and at most 100 with up to 3 decimals, got " + show(value));
        }
        return m.movePointRight(3).longValueExact();
    }

    private static List<String> aliases(String model, JsonNode value) {
        if (value == null || !value.isArray()) {
            throw error(model, "\"aliases\" must be a list of model names, got " + show(value));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode alias : value) {
            if (!alias.isTextual() || alias.textValue().isBlank()) {
                throw error(model, "\"aliases\" must be a list of model names, got " + show(value));
            }
            out.add(alias.textValue().trim().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static Map<String, Map<String, Long>> images(String model, JsonNode value) {
        if (value == null || !value.isObject() || value.isEmpty()) {
            throw error(model, "\"images\" must map a size to {quality: USD per image}, got " + show(value));
        }
        Map<String, Map<String, Long>> sizes = new LinkedHashMap<>();
        for (var size : value.properties()) {
            JsonNode qualities = size.getValue();
            String sizeKey = size.getKey().trim().toLowerCase(Locale.ROOT);
            if (!qualities.isObject() || qualities.isEmpty()) {
                throw error(model, "\"images." + size.getKey() + "\" must map a quality to USD per image, got " + show(qualities));
            }
            Map<String, Long> byQuality = new LinkedHashMap<>();
            for (var quality : qualities.properties()) {
                byQuality.put(quality.getKey().trim().toLowerCase(Locale.ROOT),
                        imagePrice(model, "images." + size.getKey() + "." + quality.getKey(), quality.getValue()));
            }
            sizes.put(sizeKey, Map.copyOf(byQuality));
        }
        return sizes;
    }

    static IllegalArgumentException error(String model, String message) {
        return new IllegalArgumentException("prices: model \"" + model + "\": " + message);
    }

    private static String show(JsonNode value) {
        return value == null ? "nothing" : Json.toString(value);
    }
}
