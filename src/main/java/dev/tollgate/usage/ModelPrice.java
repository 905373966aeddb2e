package dev.tollgate.usage;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The prices of one model, as exact integers so that costs add up without floating-point drift.
 *
 * <p><b>Token prices are pico-USD (1e-12 USD) per token.</b> A list price of $p per 1M tokens is
 * p × 1e-6 USD = p × 1,000,000 pico-USD per token: numerically, the list price with the decimal
 * point moved six places right. $2.50 / 1M is 2,500,000; $0.0375 / 1M is 37,500; $0.000001 / 1M is
 * 1. Any list price with up to six decimals is therefore exact (providers use at most four).
 *
 * <p><b>Image prices are nano-USD (1e-9 USD) per image</b>, the unit costs are reported in: $0.04 is
 * 40,000,000.
 *
 * <p>{@link #UNSET} (-1) marks an optional price that is absent; the rate accessors
 * ({@link #cachedInputRate()} ...) resolve the fallbacks so that callers never see it.
 *
 * @param name            canonical name, lower case
 * @param aliases         other exact names of this model, lower case
 * @param inputPicoUsd    uncached prompt token, or UNSET for image-only models
 * @param cachedInputPicoUsd OpenAI cached input / Anthropic cache read / Gemini cache hit, or UNSET (then input)
 * @param cacheWritePicoUsd  Anthropic cache write (5-minute), or UNSET (then input)
 * @param imageInputPicoUsd  image tokens of the prompt (gpt-image-1), or UNSET (then input)
 * @param outputPicoUsd   output token (reasoning included), or UNSET for image-only models
 * @param maxOutputTokens the model's output cap, or UNSET (then {@link Cost#DEFAULT_MAX_OUTPUT_TOKENS})
 * @param imageNanoUsd    size → quality → nano-USD per image; empty when not priced per image
 * @param contextWindow   the most tokens a prompt (with its answer) can hold, or UNSET: bounds what a
 *                        request whose context the body does not show can bill
 * @param imageTokens     how an image in the prompt is billed, or null when unknown (no vision)
 */
public record ModelPrice(
        String name,
        List<String> aliases,
        long inputPicoUsd,
        long cachedInputPicoUsd,
        long cacheWritePicoUsd,
        long imageInputPicoUsd,
        long outputPicoUsd,
        long maxOutputTokens,
        Map<String, Map<String, Long>> imageNanoUsd,
        long contextWindow,
        ImageTokens imageTokens) {

    /** An absent optional price or cap. */
    public static final long UNSET = -1;

    public ModelPrice {
        aliases = List.copyOf(aliases);
        imageNanoUsd = Map.copyOf(imageNanoUsd);
    }

    /** Pico-USD per uncached prompt token (0 when the model has no token prices). */
    public long inputRate() {
        return Math.max(inputPicoUsd, 0);
    }

    /** Pico-USD per cached prompt token; the input rate when no cached price is listed. */
    public long cachedInputRate() {
        return cachedInputPicoUsd >= 0 ? cachedInputPicoUsd : inputRate();
    }

    /** Pico-USD per token written to Anthropic's prompt cache; the input rate when not listed. */
    public long cacheWriteRate() {
        return cacheWritePicoUsd >= 0 ? cacheWritePicoUsd : inputRate();
    }

    /** Pico-USD per image token of the prompt; the input rate when not listed. */
    public long imageInputRate() {
        return imageInputPicoUsd >= 0 ? imageInputPicoUsd : inputRate();
    }

    /** Pico-USD per output token (0 when the model has no token prices). */
    public long outputRate() {
        return Math.max(outputPicoUsd, 0);
    }

    /** True when the model has input and output token prices (false for DALL-E). */
    public boolean hasTokenPrices() {
        return inputPicoUsd >= 0 && outputPicoUsd >= 0;
    }

    /** True when the model is priced per image (DALL-E). */
    public boolean hasImagePrices() {
        return !imageNanoUsd.isEmpty();
    }

    /** A pico-USD-per-token rate as the list price in USD per 1M tokens, e.g. "2.5" (for reports). */
    public static String usdPerMillion(long picoUsdPerToken) {
        return BigDecimal.valueOf(picoUsdPerToken, 6).stripTrailingZeros().toPlainString();
    }
}
