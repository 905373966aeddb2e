package dev.tollgate.usage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The providers' documented examples, per formula, and the built-in table's families. */
class ImageTokensTest {

    private static final PriceTable PRICES = PriceTable.builtIn();

    @ParameterizedTest(name = "gpt-4o {0}x{1} {2} -> {3}")
    @CsvSource({
            "1024, 1024, high, 765",   // OpenAI guide: scaled to 768x768, 4 tiles
            "2048, 4096, high, 1105",  // OpenAI guide: 1024x2048, then 768x1536, 6 tiles
            "4096, 8192, low,  85",    // OpenAI guide: low is the base only
            "1024, 1024, auto, 765",   // auto may choose high
            "1024, 1024, ,     765",   // absent is auto
    })
    void openAiTiles(long w, long h, String detail, long tokens) {
        assertThat(PRICES.model("gpt-4o").imageTokens().tokens(w, h, detail)).isEqualTo(tokens);
    }

    @Test
    void tileMaximaPerFamily() {
        assertThat(PRICES.model("gpt-4o").imageTokens().max("high")).isEqualTo(85 + 8 * 170);
        assertThat(PRICES.model("gpt-4o").imageTokens().max(null)).isEqualTo(1445);
        assertThat(PRICES.model("gpt-4o").imageTokens().max("LOW")).isEqualTo(85);
        // gpt-4o-mini bills images at 33x the tokens of gpt-4o, so its price per image matches.
        assertThat(PRICES.model("gpt-4o-mini").imageTokens().tokens(1024, 1024, "high")).isEqualTo(2833 + 4 * 5667);
        assertThat(PRICES.model("gpt-4o-mini").imageTokens().max("high")).isEqualTo(48_169);
        assertThat(PRICES.model("gpt-4o-mini").imageTokens().max("low")).isEqualTo(2833);
        assertThat(PRICES.model("gpt-4o-mini").imageTokens().tokens(768, 2048, "high")).isEqualTo(48_169);
        assertThat(PRICES.model("gpt-5").imageTokens().max("high")).isEqualTo(70 + 8 * 140);
        assertThat(PRICES.model("o3").imageTokens().max("high")).isEqualTo(75 + 8 * 150);
    }

    @ParameterizedTest(name = "patches x{0} {1}x{2} -> {3}")
    @CsvSource({
            "1000, 1024, 1024, 1024",  // OpenAI guide: 32 x 32 patches
            "1000, 1800, 2400, 1452",  // OpenAI guide: 4275 patches, scaled to 33 x 44
            "1620, 1024, 1024, 1659",  // gpt-4.1-mini: 1024 x 1.62 = 1658.88, rounded up
            "2460, 1024, 1024, 2520",  // gpt-4.1-nano: 1024 x 2.46 = 2519.04
            "1000, 10,   10,   1",
    })
    void openAiPatches(long milli, long w, long h, long tokens) {
        assertThat(new ImageTokens.Patches(milli).tokens(w, h, "low")).isEqualTo(tokens);
    }

    @Test
    void patchMaximaIgnoreDetail() {
        ImageTokens mini = PRICES.model("gpt-4.1-mini").imageTokens();
        assertThat(mini.max("low")).isEqualTo(2489).isEqualTo(mini.max("high")); // 1536 x 1.62 = 2488.32
        assertThat(PRICES.model("gpt-5-nano").imageTokens().max(null)).isEqualTo(3779); // 1536 x 2.46
        assertThat(PRICES.model("o4-mini").imageTokens().max(null)).isEqualTo(2642); // 1536 x 1.72
        assertThat(mini.tokens(8000, 8000, null)).isLessThanOrEqualTo(mini.max(null));
    }

    @ParameterizedTest(name = "claude {0}x{1} -> {2}")
    @CsvSource({
            "200,  200,  54",    // Anthropic docs: ~54 tokens
            "1000, 1000, 1334",  // Anthropic docs: ~1334 tokens
            "1092, 1092, 1590",  // Anthropic docs: ~1590 tokens
            "4000, 4000, 1600",  // scaled down: at most the cap
    })
    void anthropicPixels(long w, long h, long tokens) {
        assertThat(PRICES.model("claude-sonnet-4-5").imageTokens().tokens(w, h, "low")).isEqualTo(tokens);
    }

    @ParameterizedTest(name = "gemini {0}x{1} -> {2}")
    @CsvSource({
            "384,  384,  258",   // Gemini docs: both sides <= 384: 258 tokens
            "768,  768,  258",   // one 768x768 tile
            "1000, 1000, 1032",  // 2 x 2 tiles
            "9000, 9000, 4128",  // at most 16 tiles
    })
    void geminiTiles(long w, long h, long tokens) {
        assertThat(PRICES.model("gemini-2.5-flash").imageTokens().tokens(w, h, null)).isEqualTo(tokens);
    }

    @Test
    void everyListedModelHasAContextWindowAndOnlyVisionModelsAnImageFormula() {
        for (ModelPrice p : PRICES.models()) assertThat(p.contextWindow()).as(p.name()).isPositive();
        assertThat(PRICES.model("gpt-4o").contextWindow()).isEqualTo(128_000);
        assertThat(PRICES.model("gpt-5").contextWindow()).isEqualTo(400_000);
        assertThat(PRICES.model("gpt-4.1").contextWindow()).isEqualTo(1_047_576);
        assertThat(PRICES.model("claude-opus-4-5").contextWindow()).isEqualTo(200_000);
        assertThat(PRICES.model("gemini-2.5-pro").contextWindow()).isEqualTo(1_048_576);
        assertThat(PRICES.model("gpt-3.5-turbo").imageTokens()).isNull();
        assertThat(PRICES.model("o3-mini").imageTokens()).isNull();
        assertThat(PRICES.lookup("gpt-4o-2024-08-06").imageTokens()).isEqualTo(new ImageTokens.Tiles(85, 170));
    }
}
