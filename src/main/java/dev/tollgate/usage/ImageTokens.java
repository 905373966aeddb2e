package dev.tollgate.usage;

import java.util.Locale;

/**
 * How a model family bills an image in the prompt, in tokens: the providers' own formulas, with
 * the per-family parameters from the price table ({@code image_tokens} in prices.yaml).
 * {@link #max} is what a reservation uses, since an image's size is unseen behind a URL.
 */
public sealed interface ImageTokens {

    /** Tokens an image of this size bills at this detail ({@code low}, {@code high}, {@code auto} or null). */
    long tokens(long width, long height, String detail);

    /** The most one image can bill at this detail, whatever its size. */
    long max(String detail);

    /** Only {@code low} is cheaper; absent, {@code auto} and anything unknown may be high. */
    static boolean low(String detail) {
        return detail != null && detail.trim().toLowerCase(Locale.ROOT).equals("low");
    }

    /**
     * OpenAI's tiles (gpt-4o, gpt-4.1, gpt-5, o1/o3): detail low costs {@code base}; otherwise the
     * image is scaled to fit 2048x2048, then its shortest side to 768, and each 512px tile costs
     * {@code tile} on top of {@code base}. At most 2 x 4 tiles remain after the scaling.
     */
    record Tiles(long base, long tile) implements ImageTokens {
        static final int MAX_TILES = 8;

        @Override
        public long tokens(long width, long height, String detail) {
            if (low(detail)) return base;
            double w = width, h = height;
            if (Math.max(w, h) > 2048) {
                double s = 2048 / Math.max(w, h);
                w = Math.round(w * s);
                h = Math.round(h * s);
            }
            if (Math.min(w, h) > 768) {
                double s = 768 / Math.min(w, h);
                w = Math.round(w * s);
                h = Math.round(h * s);
            }
            long tiles = ceilDiv((long) w, 512) * ceilDiv((long) h, 512);
            return base + tile * Math.min(tiles, MAX_TILES);
        }

        @Override
        public long max(String detail) {
            return low(detail) ? base : base + tile * MAX_TILES;
        }
    }

    /**
     * OpenAI's patches (gpt-4.1-mini/nano, gpt-5-mini/nano, o4-mini): one patch per 32x32 pixels,
     * an image over 1536 patches scaled down to fit, times the model's multiplier (in thousandths).
     * Detail does not lower the price.
     */
    record Patches(long multiplierMilli) implements ImageTokens {
        static final long MAX_PATCHES = 1536;

        @Override
        public long tokens(long width, long height, String detail) {
            long patches = ceilDiv(width, 32) * ceilDiv(height, 32);
            if (patches > MAX_PATCHES) {
                // The guide's steps: shrink to the patch budget, then to a whole number of patches wide.
                double shrink = Math.sqrt(MAX_PATCHES * 32.0 * 32.0 / ((double) width * height));
                double wide = width * shrink / 32;
                double high = height * shrink / 32;
                long across = (long) Math.floor(wide);
                long down = (long) Math.ceil(high * (across / wide) - 1e-9);
                patches = Math.min(across * down, MAX_PATCHES);
            }
            return ceilDiv(patches * multiplierMilli, 1000);
        }

        @Override
        public long max(String detail) {
            return ceilDiv(MAX_PATCHES * multiplierMilli, 1000);
        }
    }

    /** Anthropic: width x height / 750 tokens, at most {@code max} (larger images are scaled down). */
    record Pixels(long max) implements ImageTokens {
        @Override
        public long tokens(long width, long height, String detail) {
            return Math.min(ceilDiv(width * height, 750), max);
        }

        @Override
        public long max(String detail) {
            return max;
        }
    }

    /**
     * Gemini: an image of at most 384x384 costs {@code tile} tokens; a larger one is cut into
     * 768x768 tiles of {@code tile} tokens each, at most {@code max} in all.
     */
    record Gemini(long tile, long max) implements ImageTokens {
        @Override
        public long tokens(long width, long height, String detail) {
            if (width <= 384 && height <= 384) return Math.min(tile, max);
            return Math.min(ceilDiv(width, 768) * ceilDiv(height, 768) * tile, max);
        }

        @Override
        public long max(String detail) {
            return max;
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
