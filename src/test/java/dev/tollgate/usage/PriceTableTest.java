package dev.tollgate.usage;

import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceTableTest {

    private static final PriceTable PRICES = PriceTable.builtIn();

    private static PriceTable parse(String json) throws Exception {
        return PriceTable.parse(Json.parse(json));
    }

    private static String resolved(PriceTable t, String model) {
        ModelPrice p = t.lookup(model);
        return p == null ? null : p.name();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "gpt-4o,                                  gpt-4o",
            "GPT-4o,                                  gpt-4o",
            "gpt-4o-2024-08-06,                       gpt-4o",
            "gpt-4o-2024-05-13,                       gpt-4o-2024-05-13",
            "openai/gpt-4o,                           gpt-4o",
            "gpt-4o-mini,                             gpt-4o-mini",
            "gpt-4o-mini-2024-07-18,                  gpt-4o-mini",
            "gpt-4o-mini-foo,                         gpt-4o-mini",
            "gpt-4o-mini-search-preview-2025-03-11,   gpt-4o-mini",
            "gpt-4o-audio-preview,                    gpt-4o",
            "gpt-4.1-mini-2025-04-14,                 gpt-4.1-mini",
            "gpt-4.1-2025-04-14,                      gpt-4.1",
            "gpt-5-chat-latest,                       gpt-5",
            "gpt-5-nano-2025-08-07,                   gpt-5-nano",
            "o1-2024-12-17,                           o1",
            "o1-preview,                              o1",
            "o1-mini-2024-09-12,                      o1-mini",
            "o3-mini-2025-01-31,                      o3-mini",
            "o4-mini-2025-04-16,                      o4-mini",
            "gpt-4-1106-preview,                      gpt-4-turbo",
            "gpt-4-turbo-2024-04-09,                  gpt-4-turbo",
            "gpt-4-0613,                              gpt-4",
            "gpt-4-32k-0613,                          gpt-4-32k",
            "gpt-3.5-turbo-0125,                      gpt-3.5-turbo",
            "text-embedding-3-small,                  text-embedding-3-small",
            "omni-moderation-latest,                  omni-moderation",
            "omni-moderation-2024-09-26,              omni-moderation",
            "text-moderation-007,                     text-moderation",
            "text-moderation-stable,                  text-moderation",
            "claude-3-5-haiku-20241022,               claude-3-5-haiku",
            "claude-3-5-haiku-latest,                 claude-3-5-haiku",
            "claude-3-5-haiku@20241022,               claude-3-5-haiku",
            "anthropic/claude-3-haiku-20240307,       claude-3-haiku",
            "claude-opus-4-1-20250805,                claude-opus-4-1",
            "claude-opus-4-20250514,                  claude-opus-4",
            "claude-opus-4-0,                         claude-opus-4",
            "claude-4-opus-20250514,                  claude-opus-4",
            "claude-sonnet-4-5-20250929,              claude-sonnet-4-5",
            "claude-sonnet-4-20250514,                claude-sonnet-4",
            "claude-haiku-4-5-20251001,               claude-haiku-4-5",
            "claude-3-7-sonnet-latest,                claude-3-7-sonnet",
            "models/gemini-2.5-pro,                   gemini-2.5-pro",
            "gemini-2.5-flash-preview-05-20,          gemini-2.5-flash",
            "gemini-2.5-flash-preview-09-2025,        gemini-2.5-flash",
            "gemini-2.5-flash-lite-preview-06-17,     gemini-2.5-flash-lite",
            "gemini-2.0-flash-001,                    gemini-2.0-flash",
            "gemini-2.0-flash-lite-001,               gemini-2.0-flash-lite",
            "gemini-3-pro-preview,                    gemini-3-pro",
            "models/gemini-embedding-001,             gemini-embedding-001",
            "text-embedding-004,                      text-embedding-004",
            "openai/gpt-4o-2024-05-13,                gpt-4o-2024-05-13",
    })
    void resolvesSnapshotsAliasesAndPrefixes(String model, String expected) {
        assertThat(resolved(PRICES, model)).isEqualTo(expected);
    }

    @Test
    void unknownModelsAreNull() {
        assertThat(PRICES.lookup(null)).isNull();
        assertThat(PRICES.lookup("")).isNull();
        assertThat(PRICES.lookup("gpt")).isNull();
        assertThat(PRICES.lookup("llama-3.1-70b")).isNull();
        assertThat(PRICES.lookup("gpt-4.5-preview")).isNull();
        assertThat(PRICES.lookup("ft:gpt-4o-mini-2024-07-18:acme::abc123")).isNull();
        assertThat(PRICES.lookup("-latest")).isNull();
        assertThat(PRICES.lookup("gpt-4o-".repeat(100))).isNull(); // longer than any real name
    }

    @Test
    void theLongestPrefixWinsWhateverTheOrder() throws Exception {
        PriceTable t = parse("""
                {"a-b-c": {"input": 3, "output": 3}, "a": {"input": 1, "output": 1}, "a-b": {"input": 2, "output": 2}}""");
        assertThat(resolved(t, "a-b-c-d")).isEqualTo("a-b-c");
        assertThat(resolved(t, "a-b-x")).isEqualTo("a-b");
        assertThat(resolved(t, "a-bc")).isEqualTo("a");
        assertThat(resolved(t, "ab")).isNull();
    }

    @Test
    void theMemoIsBounded() {
        PriceTable t = PRICES.withOverrides(Json.object()); // the same table, memo included
        assertThat(t).isSameAs(PRICES);
        PriceTable fresh = PRICES.withOverrides(Json.object().set("x-model", Json.object().put("input", 1).put("output", 1)));
        for (int i = 0; i < PriceTable.MAX_CACHED * 2 + 5; i++) {
            fresh.lookup("gpt-4o-mini-" + i);
            assertThat(fresh.memoSize()).isLessThanOrEqualTo(PriceTable.MAX_CACHED);
        }
        assertThat(resolved(fresh, "gpt-4o-mini-12")).isEqualTo("gpt-4o-mini");
    }

    @Test
    void pricesAreExactPicoUsdPerToken() throws Exception {
        ModelPrice p = parse("""
                {"m": {"input": 2.5, "cached_input": 0.0375, "cache_write": 0.000001, "output": 10,
                       "max_output_tokens": 4096, "aliases": ["M-Alias"]}}""").lookup("m-alias");
        assertThat(p).isEqualTo(new ModelPrice("m", List.of("m-alias"), 2_500_000, 37_500, 1, ModelPrice.UNSET,
                10_000_000, 4096, Map.of(), ModelPrice.UNSET, null));
        assertThat(ModelPrice.usdPerMillion(p.cachedInputPicoUsd())).isEqualTo("0.0375");
        ModelPrice dalle = PRICES.lookup("dall-e-3");
        assertThat(dalle.imageNanoUsd()).containsEntry("1024x1792", Map.of("standard", 80_000_000L, "hd", 120_000_000L));
        assertThat(dalle.hasTokenPrices()).isFalse();
    }

    @Test
    void contextWindowsAndImageFormulasAreParsedAndOverridable() throws Exception {
        PriceTable t = parse("""
                {"m": {"input": 1, "output": 1, "context_window": 32000,
                       "image_tokens": {"formula": "patches", "multiplier": 1.62}},
                 "g": {"input": 1, "output": 1, "image_tokens": {"formula": "gemini", "tile": 258, "max": 1032}}}""");
        assertThat(t.model("m").contextWindow()).isEqualTo(32_000);
        assertThat(t.model("m").imageTokens()).isEqualTo(new ImageTokens.Patches(1620));
        assertThat(t.model("g").contextWindow()).isEqualTo(ModelPrice.UNSET);
        assertThat(t.model("g").imageTokens()).isEqualTo(new ImageTokens.Gemini(258, 1032));
        PriceTable o = PRICES.withOverrides(Json.parse("{\"gpt-4o\": {\"context_window\": 64000, "
                + "\"image_tokens\": {\"formula\": \"pixels\", \"max\": 2000}}}"));
        assertThat(o.model("gpt-4o").contextWindow()).isEqualTo(64_000);
        assertThat(o.model("gpt-4o").imageTokens()).isEqualTo(new ImageTokens.Pixels(2000));
        assertThat(o.model("gpt-4o").inputPicoUsd()).isEqualTo(2_500_000);
    }

    @Test
    void builtInPricesOfSomeModels() {
        ModelPrice gpt4o = PRICES.model("gpt-4o");
        assertThat(List.of(gpt4o.inputPicoUsd(), gpt4o.cachedInputPicoUsd(), gpt4o.outputPicoUsd(), gpt4o.maxOutputTokens()))
                .containsExactly(2_500_000L, 1_250_000L, 10_000_000L, 16_384L);
        ModelPrice opus = PRICES.model("claude-opus-4-1");
        assertThat(List.of(opus.inputPicoUsd(), opus.cachedInputPicoUsd(), opus.cacheWritePicoUsd(), opus.outputPicoUsd()))
                .containsExactly(15_000_000L, 1_500_000L, 18_750_000L, 75_000_000L);
        ModelPrice image = PRICES.model("gpt-image-1");
        assertThat(List.of(image.inputPicoUsd(), image.imageInputPicoUsd(), image.outputPicoUsd()))
                .containsExactly(5_000_000L, 10_000_000L, 40_000_000L);
    }

    @Test
    void everyEntryOfPricesYamlParsesAndIsPriced() {
        assertThat(PRICES.models()).hasSizeGreaterThan(50);
        for (ModelPrice p : PRICES.models()) {
            if (p.name().startsWith("dall-e")) {
                assertThat(p.hasImagePrices()).as(p.name()).isTrue();
                assertThat(p.imageNanoUsd()).as(p.name()).containsKey(Cost.DEFAULT_IMAGE_SIZE);
            } else {
                assertThat(p.hasTokenPrices()).as(p.name()).isTrue();
                assertThat(p.maxOutputTokens()).as(p.name()).isNotNegative();
            }
            if (p.cachedInputPicoUsd() >= 0) {
                assertThat(p.cachedInputPicoUsd()).as(p.name()).isLessThanOrEqualTo(p.inputPicoUsd());
            }
        }
        for (String required : List.of("gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
                "gpt-4o", "gpt-4o-mini", "o1", "o3", "o3-mini", "o4-mini", "gpt-4-turbo", "gpt-4", "gpt-3.5-turbo",
                "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", "dall-e-3", "dall-e-2",
                "gpt-image-1", "omni-moderation", "text-moderation", "claude-opus-4-1", "claude-opus-4",
                "claude-sonnet-4-5", "claude-sonnet-4", "claude-3-7-sonnet", "claude-haiku-4-5", "claude-3-5-haiku",
                "claude-3-haiku", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash",
                "gemini-2.0-flash-lite", "text-embedding-004", "gemini-embedding-001")) {
            assertThat(PRICES.model(required)).as(required).isNotNull();
        }
        // Anthropic's cache read is 0.1 × input and its 5-minute write 1.25 × input (Haiku 3 predates the rule).
        for (String anthropic : List.of("claude-opus-4-1", "claude-opus-4", "claude-sonnet-4-5", "claude-sonnet-4",
                "claude-3-7-sonnet", "claude-haiku-4-5", "claude-3-5-haiku")) {
            ModelPrice p = PRICES.model(anthropic);
            assertThat(p.cachedInputPicoUsd() * 10).as(anthropic).isEqualTo(p.inputPicoUsd());
            assertThat(p.cacheWritePicoUsd() * 4).as(anthropic).isEqualTo(p.inputPicoUsd() * 5);
        }
    }

    @Test
    void partialOverrideChangesOnlyTheFieldsGiven() throws Exception {
        PriceTable t = PRICES.withOverrides(Json.parse("{\"GPT-4o\": {\"input\": 3}, \"claude-4-opus\": {\"output\": 80}}"));
        ModelPrice gpt4o = t.lookup("gpt-4o-2024-08-06");
        assertThat(gpt4o.inputPicoUsd()).isEqualTo(3_000_000);
        assertThat(gpt4o.cachedInputPicoUsd()).isEqualTo(1_250_000);
        assertThat(gpt4o.outputPicoUsd()).isEqualTo(10_000_000);
        assertThat(gpt4o.maxOutputTokens()).isEqualTo(16_384);
        ModelPrice opus = t.lookup("claude-opus-4-20250514"); // overridden through its alias
        assertThat(opus.outputPicoUsd()).isEqualTo(80_000_000);
        assertThat(opus.aliases()).containsExactly("claude-opus-4-0", "claude-4-opus");
        assertThat(PRICES.lookup("gpt-4o").inputPicoUsd()).isEqualTo(2_500_000); // the built-in table is untouched
        assertThat(t.models()).hasSameSizeAs(PRICES.models());
    }

    @Test
    void overrideReplacesImagesAndAliasesWhole() throws Exception {
        PriceTable t = PRICES.withOverrides(Json.parse("""
                {"dall-e-3": {"images": {"1024x1024": {"standard": 0.05}}}, "gpt-4-turbo": {"aliases": ["gpt-4-vision"]}}"""));
        assertThat(t.lookup("dall-e-3").imageNanoUsd()).isEqualTo(Map.of("1024x1024", Map.of("standard", 50_000_000L)));
        assertThat(resolved(t, "gpt-4-vision")).isEqualTo("gpt-4-turbo");
        assertThat(resolved(t, "gpt-4-1106-preview")).isEqualTo("gpt-4"); // the old alias is gone: prefix rule
    }

    @Test
    void overrideAddsNewModels() throws Exception {
        PriceTable t = PRICES.withOverrides(Json.parse("""
                {"my-llama": {"input": 0.2, "output": 0.6, "aliases": ["llama-prod"]}}"""));
        assertThat(resolved(t, "llama-prod")).isEqualTo("my-llama");
        assertThat(resolved(t, "my-llama-2025-01-01")).isEqualTo("my-llama");
        assertThat(t.lookup("my-llama").inputPicoUsd()).isEqualTo(200_000);
        assertThat(t.lookup("my-llama").maxOutputTokens()).isEqualTo(ModelPrice.UNSET);
        assertThat(t.models()).hasSize(PRICES.models().size() + 1);
        assertThat(PRICES.lookup("llama-prod")).isNull();
        assertThat(PRICES.withOverrides(null)).isSameAs(PRICES);
    }

    @Test
    void newModelsMustBeComplete() {
        assertThatThrownBy(() -> PRICES.withOverrides(Json.parse("{\"my-model\": {\"input\": 1}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prices: model \"my-model\": needs \"input\" and \"output\" prices (or \"images\")");
    }

    @Test
    void aNameOrAliasBelongsToOneModel() {
        assertThatThrownBy(() -> PRICES.withOverrides(Json.parse("{\"x\": {\"input\": 1, \"output\": 1, \"aliases\": [\"gpt-4o\"]}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prices: model \"x\": name or alias \"gpt-4o\" is already used by model \"gpt-4o\"");
        assertThatThrownBy(() -> parse("{\"a\": {\"input\": 1, \"output\": 1}, \"A\": {\"input\": 1, \"output\": 1}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prices: model \"a\": listed twice");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"m\": {\"input\": -1, \"output\": 1}}               | prices: model \"m\": \"input\" must be a non-negative number, got -1",
            "{\"m\": {\"input\": 1, \"output\": \"abc\"}}          | prices: model \"m\": \"output\" must be a non-negative number, got \"abc\"",
            "{\"m\": {\"input\": 1, \"output\": null}}             | prices: model \"m\": \"output\" must be a non-negative number, got null",
            "{\"m\": {\"input\": 1, \"output\": true}}             | prices: model \"m\": \"output\" must be a non-negative number, got true",
            "{\"m\": {\"inptu\": 1, \"output\": 1}}                | prices: model \"m\": unknown field \"inptu\"",
            "{\"m\": {\"input\": 0.0000001, \"output\": 1}}        | prices: model \"m\": \"input\" has more than 6 decimal places (USD per 1M tokens), got 0.0000001",
            "{\"m\": {\"input\": 2000000, \"output\": 1}}          | prices: model \"m\": \"input\" is too large (at most 1000000), got 2000000",
            "{\"m\": {\"input\": 1, \"output\": 1, \"max_output_tokens\": 1.5} } | prices: model \"m\": \"max_output_tokens\" must be a non-negative integer, got 1.5",
            "{\"m\": {\"input\": 1, \"output\": 1, \"aliases\": \"x\"}} | prices: model \"m\": \"aliases\" must be a list of model names, got \"x\"",
            "{\"d\": {\"images\": {\"1024x1024\": {\"hd\": \"x\"}}}} | prices: model \"d\": \"images.1024x1024.hd\" must be a non-negative number, got \"x\"",
            "{\"d\": {\"images\": {\"1024x1024\": 0.04}}}         | prices: model \"d\": \"images.1024x1024\" must map a quality to USD per image, got 0.04",
            "{\"d\": {\"images\": {}}}                            | prices: model \"d\": \"images\" must map a size to {quality: USD per image}, got {}",
            "{\"d\": {\"images\": {\"1x1\": {\"hd\": 0.0000000001}}}} | prices: model \"d\": \"images.1x1.hd\" has more than 9 decimal places (USD per image), got 0.0000000001",
            "{\"m\": {\"input\": 1, \"output\": 1, \"context_window\": -1}} | prices: model \"m\": \"context_window\" must be a non-negative integer, got -1",
            "{\"m\": {\"input\": 1, \"output\": 1, \"context_window\": 1000000000}} | prices: model \"m\": \"context_window\" is too large (at most 100000000), got 1000000000",
            "{\"m\": {\"input\": 1, \"output\": 1, \"image_tokens\": 85}} | prices: model \"m\": \"image_tokens\" must be an object with a \"formula\" (tiles, patches, pixels or gemini), got 85",
            "{\"m\": {\"input\": 1, \"output\": 1, \"image_tokens\": {\"formula\": \"squares\"}}} | prices: model \"m\": \"image_tokens.formula\" must be tiles, patches, pixels or gemini, got \"squares\"",
            "{\"m\": {\"input\": 1, \"output\": 1, \"image_tokens\": {\"formula\": \"tiles\", \"base\": 85}}} | prices: model \"m\": \"image_tokens\" with formula tiles needs \"tile\"",
            "{\"m\": {\"input\": 1, \"output\": 1, \"image_tokens\": {\"formula\": \"pixels\", \"max\": 1600, \"base\": 1}}} | prices: model \"m\": \"image_tokens\" with formula pixels has no field \"base\"",
            "{\"m\": {\"input\": 1, \"output\": 1, \"image_tokens\": {\"formula\": \"tiles\", \"base\": 85, \"tile\": -170}}} | prices: model \"m\": \"image_tokens.tile\" must be a non-negative integer, got -170",
            "{\"m\": {\"input\": 1, \"output\": 1, \"image_tokens\": {\"formula\": \"patches\", \"multiplier\": 1.6225}}} | prices: model \"m\": \"image_tokens.multiplier\" must be a number above 0 and at most 100 with up to 3 decimals, got 1.6225",
            "{\"m\": {\"input\": 1, \"output\": 1, \"image_tokens\": {\"formula\": \"patches\", \"multiplier\": 0}}} | prices: model \"m\": \"image_tokens.multiplier\" must be a number above 0 and at most 100 with up to 3 decimals, got 0",
            "{\"m\": 3}                                           | prices: model \"m\": must be an object of prices, got 3",
            "{\"\": {\"input\": 1, \"output\": 1}}                | prices: empty model name",
            "[1]                                                  | prices: must be a map of model name to prices",
    })
    void parseErrorsNameTheModelAndField(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void overrideErrorsNameTheOverriddenModel() {
        assertThatThrownBy(() -> PRICES.withOverrides(Json.parse("{\"gpt-4o\": {\"cached_input\": -0.5}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prices: model \"gpt-4o\": \"cached_input\" must be a non-negative number, got -0.5");
        assertThatThrownBy(() -> PRICES.withOverrides(Json.parse("[]")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prices: must be a map of model name to prices");
    }
}
