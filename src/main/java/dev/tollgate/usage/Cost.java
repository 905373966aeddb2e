package dev.tollgate.usage;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Money for usage, in exact integers: prices are pico-USD per token ({@link ModelPrice}), a cost is
 * summed in pico-USD and rounded half-up <em>once</em> to nano-USD (1e-9 USD), so that a ledger of
 * many small requests adds up to what the provider bills, with no floating-point drift.
 *
 * <p>Arithmetic saturates at {@link Long#MAX_VALUE} instead of overflowing: a cost is never
 * negative, whatever a malformed usage object claims.
 */
public final class Cost {

    /** Output reserved by {@link #worstCaseNanoUsd} when neither the request nor the price table gives a cap. */
    public static final long DEFAULT_MAX_OUTPUT_TOKENS = 16_384;
    /** OpenAI's default image size and quality. */
    public static final String DEFAULT_IMAGE_SIZE = "1024x1024";
    public static final String DEFAULT_IMAGE_QUALITY = "standard";

    private static final long PICO_PER_NANO = 1_000;

    private Cost() {}

    /**
     * What the usage costs: uncached input × input + cached × cached_input + cache writes ×
     * cache_write + image input × image_input + output × output (each optional price falls back to
     * input). Reasoning tokens are part of the output count and are not added again. Per-image
     * (DALL-E) prices are not included: they need the size and quality, see {@link #imageNanoUsd}.
     *
     * @return nano-USD, rounded half-up once
     */
    public static long nanoUsd(ModelPrice p, TokenUsage u) {
        long rest = Math.max(0, u.inputTokens() - u.cachedInputTokens() - u.cacheWriteTokens());
        long image = Math.min(u.imageInputTokens(), rest);
        long pico = Saturating.multiply(rest - image, p.inputRate());
        pico = Saturating.add(pico, Saturating.multiply(image, p.imageInputRate()));
        pico = Saturating.add(pico, Saturating.multiply(u.cachedInputTokens(), p.cachedInputRate()));
        pico = Saturating.add(pico, Saturating.multiply(u.cacheWriteTokens(), p.cacheWriteRate()));
        pico = Saturating.add(pico, Saturating.multiply(u.outputTokens(), p.outputRate()));
        return picoToNano(pico);
    }

    /**
     * What {@code n} images cost on a per-image model (DALL-E). Size defaults to 1024x1024 and
     * quality to standard; a quality not priced for that size (DALL-E 2 has only standard) costs
     * the dearest quality listed for it, so the reserve is never too low. {@code n} ≤ 0 counts as 1
     * (OpenAI's default).
     *
     * @return nano-USD
     * @throws IllegalArgumentException when the model is not priced per image, or not for that size
     */
    public static long imageNanoUsd(ModelPrice p, String size, String quality, int n) {
        if (!p.hasImagePrices()) {
            throw new IllegalArgumentException("model \"" + p.name() + "\" is not priced per image");
        }
        String s = size == null || size.isBlank() ? DEFAULT_IMAGE_SIZE : size.trim().toLowerCase(Locale.ROOT);
        Map<String, Long> byQuality = p.imageNanoUsd().get(s);
        if (byQuality == null) {
            throw new IllegalArgumentException("model \"" + p.name() + "\" has no price for image size \"" + s
                    + "\" (priced: " + String.join(", ", new TreeSet<>(p.imageNanoUsd().keySet())) + ")");
        }
        String q = quality == null || quality.isBlank() ? DEFAULT_IMAGE_QUALITY : quality.trim().toLowerCase(Locale.ROOT);
        Long each = byQuality.get(q);
        if (each == null) each = byQuality.values().stream().max(Long::compare).orElseThrow();
        return Saturating.multiply(each, Math.max(n, 1));
    }

    /**
     * The most a request can cost, to reserve against a budget before it runs: every prompt token
     * at the dearest input-side rate (input, cache write or image input: no cache discount is
     * assumed) plus the full output allowance. {@code maxOutputTokens} ≤ 0 means the request sets
     * no cap: the model's {@code max_output_tokens} is used, or {@link #DEFAULT_MAX_OUTPUT_TOKENS}
     * when the table has none. A cap the request does set is used as given (not clamped to the
     * table's, which may be older than the model).
     *
     * @return nano-USD, rounded half-up once
     */
    public static long worstCaseNanoUsd(ModelPrice p, long promptTokens, long maxOutputTokens) {
        long output = maxOutputTokens > 0 ? maxOutputTokens
                : p.maxOutputTokens() >= 0 ? p.maxOutputTokens() : DEFAULT_MAX_OUTPUT_TOKENS;
        long promptRate = Math.max(p.inputRate(), Math.max(p.cacheWriteRate(), p.imageInputRate()));
        long pico = Saturating.add(Saturating.multiply(Math.max(promptTokens, 0), promptRate), Saturating.multiply(output, p.outputRate()));
        return picoToNano(pico);
    }

    /** Nano-USD as dollars with exactly 6 decimals, rounded half-up: 123_456 → "0.000123", 1_500_000_000 → "1.500000". */
    public static String formatUsd(long nanoUsd) {
        return BigDecimal.valueOf(nanoUsd, 9).setScale(6, RoundingMode.HALF_UP).toPlainString();
    }

    /** Nano-USD as exact dollars without trailing zeros, for reports: 1_500_000_000 → "1.5", 123 → "0.000000123", 0 → "0". */
    public static String plainUsd(long nanoUsd) {
        return dollars(nanoUsd).toPlainString();
    }

    /** Nano-USD as an exact decimal number of dollars, for JSON: 10, never 1E+1. */
    public static BigDecimal dollars(long nanoUsd) {
        BigDecimal d = BigDecimal.valueOf(nanoUsd, 9).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0) : d;
    }

    /** Half-up rounding of a non-negative pico-USD amount to nano-USD. */
    static long picoToNano(long pico) {
        if (pico == Long.MAX_VALUE) return Long.MAX_VALUE;
        return pico / PICO_PER_NANO + (pico % PICO_PER_NANO >= PICO_PER_NANO / 2 ? 1 : 0);
    }

}
