package dev.tollgate.usage;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.tollgate.api.Endpoint.Kind.CHAT_COMPLETIONS;
import static dev.tollgate.api.Endpoint.Kind.RESPONSES;
import static org.assertj.core.api.Assertions.assertThat;

class CostBoundTest {

    private static final PriceTable PRICES = PriceTable.builtIn();

    private static CostBound scan(String json, Endpoint.Kind kind, String model) throws Exception {
        return CostBound.of(Json.parse(json), kind, PRICES.lookup(model));
    }

    private static String user(String parts) {
        return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[" + parts + "]}]}";
    }

    @Test
    void imagesAreBoundedByTheirFamilysMaximumForTheDetailAsked() throws Exception {
        String url = "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/a.png\"%s}}";
        assertThat(scan(user(url.formatted(",\"detail\":\"high\"")), CHAT_COMPLETIONS, "gpt-4o-mini").mediaTokens()).isEqualTo(48_169);
        assertThat(scan(user(url.formatted("")), CHAT_COMPLETIONS, "gpt-4o-mini").mediaTokens()).isEqualTo(48_169);
        assertThat(scan(user(url.formatted(",\"detail\":\"auto\"")), CHAT_COMPLETIONS, "gpt-4o").mediaTokens()).isEqualTo(1445);
        assertThat(scan(user(url.formatted(",\"detail\":\"low\"")), CHAT_COMPLETIONS, "gpt-4o").mediaTokens()).isEqualTo(85);
        assertThat(scan(user(url.formatted(",\"detail\":\"low\"")), CHAT_COMPLETIONS, "gpt-4.1-mini").mediaTokens()).isEqualTo(2489);
        assertThat(scan(user(url.formatted("") + "," + url.formatted("")), CHAT_COMPLETIONS, "claude-sonnet-4-5").mediaTokens())
                .isEqualTo(3200);
        assertThat(scan(user("{\"type\":\"image_url\",\"image_url\":\"https://x/a.png\"}"), CHAT_COMPLETIONS, "gemini-2.5-flash")
                .mediaTokens()).isEqualTo(4128);
    }

    @Test
    void inlineMediaIsCountedByItsBoundNotItsBytes() throws Exception {
        String data = "data:image/png;base64," + "A".repeat(100_000);
        CostBound b = scan(user("{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + data + "\"}}"), CHAT_COMPLETIONS, "gpt-4o");
        assertThat(b.mediaChars()).isEqualTo(data.length());
        assertThat(b.byteBound(100_200)).isEqualTo(100_200 - data.length() + 3 + 1445);
        assertThat(b.textBytes(100_200)).isEqualTo(100_200 - data.length());
        CostBound audio = scan(user("{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"" + "A".repeat(40_000) + "\",\"format\":\"mp3\"}}"),
                CHAT_COMPLETIONS, "gpt-4o-mini");
        assertThat(audio.mediaTokens()).isEqualTo(30_003);
        assertThat(audio.mediaChars()).isEqualTo(40_000);
        assertThat(audio.unseenParam()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"m\",\"previous_response_id\":\"resp_1\",\"input\":\"hi\"} | previous_response_id",
            "{\"model\":\"m\",\"conversation\":\"conv_1\",\"input\":\"hi\"} | conversation",
            "{\"model\":\"m\",\"conversation\":{\"id\":\"conv_1\"}} | conversation",
            "{\"model\":\"m\",\"prompt\":{\"id\":\"pmpt_1\"}} | prompt",
            "{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]} | input[0].id",
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"file-1\"}]}]} | input[0].content[0].file_id",
            "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_data\":\"data:application/pdf;base64,AA\"}]}]} | input[0].content[0].file_data",
            "{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":[{\"type\":\"input_file\",\"file_url\":\"https://x/a.pdf\"}]}]} | input[0].output[0].file_url",
    })
    void contextTheBodyDoesNotShowIsFound(String json, String param) throws Exception {
        CostBound b = scan(json, RESPONSES, "gpt-4o");
        assertThat(b.unseenParam()).isEqualTo(param);
        assertThat(b.unboundedParam()).isNull();
        assertThat(b.forBudget(500, PRICES.model("gpt-4o"))).isEqualTo(128_000);
        assertThat(b.refusal("gpt-4o", PRICES.model("gpt-4o"))).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"file\",\"file\":{\"file_id\":\"file-1\"}} | messages[0].content[0].file",
            "{\"type\":\"input_audio\",\"input_audio\":{\"data\":12}} | messages[0].content[0].input_audio",
    })
    void chatPartsWithUnseenContentAreFound(String part, String param) throws Exception {
        assertThat(scan(user(part), CHAT_COMPLETIONS, "gpt-4o").unseenParam()).isEqualTo(param);
    }

    @Test
    void anEarlierAnswersAudioByIdIsUnseen() throws Exception {
        String json = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"audio\":{\"id\":\"audio_1\"}}]}";
        assertThat(scan(json, CHAT_COMPLETIONS, "gpt-4o").unseenParam()).isEqualTo("messages[1].audio");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "CHAT_COMPLETIONS | gpt-3.5-turbo | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}]} | messages[0].content[0].image_url | model 'gpt-3.5-turbo' has no image_tokens formula in the price table",
            "CHAT_COMPLETIONS | gpt-4o | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"video_url\",\"video_url\":{\"url\":\"u\"}}]}]} | messages[0].content[1] | content part type 'video_url' is not one the gateway can bound",
            "CHAT_COMPLETIONS | gpt-4o | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"web_search_options\":{}} | web_search_options | web search is billed per call, and its results add tokens the request does not show",
            "RESPONSES | gpt-4o | {\"model\":\"m\",\"input\":\"a\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"file_search\"}]} | tools[1] | the hosted tool 'file_search' is billed per call and adds content the request does not show",
            "RESPONSES | o3 | {\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_video\",\"video_url\":\"u\"}]}]} | input[0].content[0] | content part type 'input_video' is not one the gateway can bound",
            "RESPONSES | o3-mini | {\"model\":\"m\",\"input\":[{\"type\":\"computer_call_output\",\"call_id\":\"c\",\"output\":{\"type\":\"computer_screenshot\",\"image_url\":\"u\"}}]} | input[0].output.image_url | model 'o3-mini' has no image_tokens formula in the price table",
    })
    void whatNoBoundIsKnownForIsNamed(Endpoint.Kind kind, String model, String json, String param, String why) throws Exception {
        CostBound b = scan(json, kind, model);
        assertThat(b.unboundedParam()).isEqualTo(param);
        ApiError e = b.refusal(model, PRICES.lookup(model));
        assertThat(e).isEqualTo(new ApiError(403, "permission_error", "cost_not_bounded",
                "The cost of " + param + " cannot be bounded before the call, and this key has a budget: " + why + ".", param));
    }

    @Test
    void imagesAnywhereInThePromptAreFound() throws Exception {
        String json = "{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":[{\"type\":\"input_image\","
                + "\"image_url\":\"https://x/a.png\",\"detail\":\"low\"}]},{\"role\":\"user\",\"content\":[{\"type\":\"input_image\","
                + "\"file_id\":\"file-1\"},{\"type\":\"input_text\",\"text\":\"what?\"}]}]}";
        CostBound b = scan(json, RESPONSES, "gpt-4o");
        assertThat(b.mediaTokens()).isEqualTo(85 + 1445);
        assertThat(b.unseenParam()).isNull();
        assertThat(b.unboundedParam()).isNull();
    }

    @Test
    void onlyABodyWithoutAnyWordTheScanLooksForSkipsIt() {
        assertThat(CostBound.plainText(io.vertx.core.buffer.Buffer.buffer(
                "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))).isTrue();
        for (String body : new String[]{
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"\\u0074ype\":\"image_url\"}]}]}",
                "{\"messages\":[{\"role\":\"assistant\",\"audio\":{\"id\":\"a\"}}]}",
                "{\"previous_response_id\":\"r\"}", "{\"conversation\":\"c\"}", "{\"prompt\":{\"id\":\"p\"}}",
                "{\"web_search_options\":{}}"}) {
            assertThat(CostBound.plainText(io.vertx.core.buffer.Buffer.buffer(body))).as(body).isFalse();
        }
    }

    @Test
    void textOnlyPromptsAndOtherEndpointsAddNothing() throws Exception {
        assertThat(scan("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"}]}]}",
                CHAT_COMPLETIONS, "gpt-4o")).isEqualTo(CostBound.NONE);
        assertThat(scan("{\"model\":\"m\",\"prompt\":\"previous_response_id\"}", Endpoint.Kind.COMPLETIONS, "gpt-3.5-turbo-instruct"))
                .isEqualTo(CostBound.NONE);
        assertThat(CostBound.NONE.byteBound(100)).isEqualTo(103);
        assertThat(CostBound.NONE.forBudget(100, PRICES.model("gpt-4o"))).isEqualTo(100);
    }
}
