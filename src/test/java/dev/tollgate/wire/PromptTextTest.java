package dev.tollgate.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every text a request sends, per endpoint shape, with its role; segments rewrite the body in place. */
class PromptTextTest {

    private static ObjectNode body(String json) throws Exception {
        return (ObjectNode) Json.parse(json);
    }

    private static List<PromptText.Segment> of(Endpoint.Kind kind, ObjectNode body) {
        return PromptText.of(kind, body);
    }

    private static List<String> texts(List<PromptText.Segment> segments) {
        return segments.stream().map(PromptText.Segment::text).toList();
    }

    private static List<String> roles(List<PromptText.Segment> segments) {
        return segments.stream().map(PromptText.Segment::role).toList();
    }

    // ---- chat -------------------------------------------------------------------------------

    @Test
    void chatMessagesInOrderWithTheirRoles() throws Exception {
        ObjectNode b = body("{\"model\":\"gpt-4o\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"sys\"},"
                + "{\"role\":\"developer\",\"content\":\"dev\"},"
                + "{\"role\":\"user\",\"content\":\"u1\"},"
                + "{\"role\":\"assistant\",\"content\":\"a1\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"t1\"},"
                + "{\"content\":\"no role\"}]}");
        List<PromptText.Segment> s = of(Endpoint.Kind.CHAT_COMPLETIONS, b);
        // An earlier tool call's function name and arguments are text the model reads, too.
        assertThat(texts(s)).containsExactly("sys", "dev", "u1", "a1", "f", "{}", "t1", "no role");
        assertThat(roles(s)).containsExactly("system", "developer", "user", "assistant", "assistant", "assistant", "tool", "user");
        assertThat(s.stream().map(PromptText.Segment::isInstruction).toList())
                .containsExactly(true, true, false, false, false, false, false, false);
        assertThat(s.stream().map(PromptText.Segment::isToolCall).toList())
                .containsExactly(false, false, false, false, true, true, false, false);
    }

    @Test
    void chatContentPartsYieldTheirTextsOnly() throws Exception {
        ObjectNode b = body("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"one\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}},{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAA\",\"format\":\"wav\"}},"
                + "{\"type\":\"text\",\"text\":\"two\"}]},{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"three\"}]}]}");
        List<PromptText.Segment> s = of(Endpoint.Kind.CHAT_COMPLETIONS, b);
        assertThat(texts(s)).containsExactly("one", "two", "three");
        assertThat(roles(s)).containsExactly("user", "user", "system");
    }

    @Test
    void chatSkipsWhatCarriesNoText() throws Exception {
        ObjectNode b = body("{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]},{\"role\":\"user\"},"
                + "\"not an object\",42,{\"role\":\"user\",\"content\":[\"bare string part\",{\"type\":\"text\",\"text\":7}]},"
                + "{\"role\":\"user\",\"content\":\"\"}]}");
        List<PromptText.Segment> s = of(Endpoint.Kind.CHAT_COMPLETIONS, b);
        // A bare string part is text a lenient server passes to the model, so it is screened (and counted) too.
        assertThat(texts(s)).containsExactly("bare string part", "");
        assertThat(of(Endpoint.Kind.CHAT_COMPLETIONS, body("{\"model\":\"gpt-4o\"}"))).isEmpty();
        assertThat(of(Endpoint.Kind.CHAT_COMPLETIONS, body("{\"messages\":\"hi\"}"))).isEmpty();
    }

    @Test
    void aNonTextRoleCountsAsUser() throws Exception {
        List<PromptText.Segment> s = of(Endpoint.Kind.CHAT_COMPLETIONS, body("{\"messages\":[{\"role\":5,\"content\":\"x\"}]}"));
        assertThat(roles(s)).containsExactly("user");
    }

    // ---- legacy completions -----------------------------------------------------------------

    @Test
    void completionPromptStringOrArray() throws Exception {
        assertThat(texts(of(Endpoint.Kind.COMPLETIONS, body("{\"prompt\":\"p\"}")))).containsExactly("p");
        List<PromptText.Segment> arr = of(Endpoint.Kind.COMPLETIONS, body("{\"prompt\":[\"a\",\"b\",[1,2,3],7,\"c\"]}"));
        assertThat(texts(arr)).containsExactly("a", "b", "c");
        assertThat(roles(arr)).containsOnly("user");
        // Token arrays carry no text.
        assertThat(of(Endpoint.Kind.COMPLETIONS, body("{\"prompt\":[1,2,3]}"))).isEmpty();
        // The suffix is text the model reads (insertion mode).
        assertThat(texts(of(Endpoint.Kind.COMPLETIONS, body("{\"suffix\":\"s\"}")))).containsExactly("s");
    }

    // ---- responses --------------------------------------------------------------------------

    @Test
    void responsesInstructionsAndStringInput() throws Exception {
        List<PromptText.Segment> s = of(Endpoint.Kind.RESPONSES, body("{\"instructions\":\"be brief\",\"input\":\"hi\"}"));
        assertThat(texts(s)).containsExactly("be brief", "hi");
        assertThat(roles(s)).containsExactly("developer", "user");
        assertThat(s.get(0).isInstruction()).isTrue();
        assertThat(s.get(1).isInstruction()).isFalse();
    }

    @Test
    void responsesInputItems() throws Exception {
        ObjectNode b = body("{\"input\":[{\"role\":\"system\",\"content\":\"sys\"},"
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"u1\"},{\"type\":\"input_image\",\"image_url\":\"https://x\"}]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"a1\"}]},"
                + "{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"result\"},"
                + "\"bare\"]}");
        List<PromptText.Segment> s = of(Endpoint.Kind.RESPONSES, b);
        assertThat(texts(s)).containsExactly("sys", "u1", "a1", "f", "{}", "result");
        assertThat(roles(s)).containsExactly("system", "user", "assistant", "assistant", "assistant", "tool");
        assertThat(s.stream().map(PromptText.Segment::isToolCall).toList()).containsExactly(false, false, false, true, true, false);
        assertThat(of(Endpoint.Kind.RESPONSES, body("{\"instructions\":null,\"input\":null}"))).isEmpty();
    }

    // ---- embeddings, moderations, images, speech ----------------------------------------------

    @Test
    void embeddingsInputStringOrArray() throws Exception {
        assertThat(texts(of(Endpoint.Kind.EMBEDDINGS, body("{\"input\":\"e\"}")))).containsExactly("e");
        assertThat(texts(of(Endpoint.Kind.EMBEDDINGS, body("{\"input\":[\"e1\",\"e2\",[5,6]]}")))).containsExactly("e1", "e2");
        assertThat(roles(of(Endpoint.Kind.EMBEDDINGS, body("{\"input\":[\"e1\",\"e2\"]}")))).containsOnly("user");
    }

    @Test
    void moderationInputStringArrayOrParts() throws Exception {
        assertThat(texts(of(Endpoint.Kind.MODERATIONS, body("{\"input\":\"m\"}")))).containsExactly("m");
        assertThat(texts(of(Endpoint.Kind.MODERATIONS, body("{\"input\":[\"m1\",\"m2\"]}")))).containsExactly("m1", "m2");
        List<PromptText.Segment> parts = of(Endpoint.Kind.MODERATIONS, body("{\"input\":[{\"type\":\"text\",\"text\":\"m3\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x\"}},{\"type\":\"text\",\"text\":\"m4\"}]}"));
        assertThat(texts(parts)).containsExactly("m3", "m4");
        assertThat(roles(parts)).containsOnly("user");
    }

    @Test
    void imagePromptAndSpeechInputWithInstructions() throws Exception {
        List<PromptText.Segment> image = of(Endpoint.Kind.IMAGES_GENERATIONS, body("{\"prompt\":\"a cat\",\"size\":\"256x256\"}"));
        assertThat(texts(image)).containsExactly("a cat");
        assertThat(roles(image)).containsExactly("user");
        List<PromptText.Segment> speech = of(Endpoint.Kind.AUDIO_SPEECH, body("{\"input\":\"say this\",\"instructions\":\"cheerfully\",\"voice\":\"alloy\"}"));
        assertThat(texts(speech)).containsExactly("say this", "cheerfully");
        assertThat(roles(speech)).containsExactly("user", "developer");
    }

    @Test
    void otherEndpointsAndNoBodyHaveNoText() throws Exception {
        assertThat(of(Endpoint.Kind.OTHER, body("{\"prompt\":\"p\",\"input\":\"i\",\"messages\":[{\"content\":\"c\"}]}"))).isEmpty();
        assertThat(of(Endpoint.Kind.CHAT_COMPLETIONS, null)).isEmpty();
    }

    // ---- joined and replace -------------------------------------------------------------------

    @Test
    void joinedSeparatesSegmentsWithANewline() throws Exception {
        List<PromptText.Segment> s = of(Endpoint.Kind.COMPLETIONS, body("{\"prompt\":[\"a\",\"\",\"c\"]}"));
        assertThat(PromptText.joined(s)).isEqualTo("a\n\nc");
        assertThat(PromptText.joined(List.of())).isEmpty();
        assertThat(PromptText.joined(of(Endpoint.Kind.COMPLETIONS, body("{\"prompt\":\"only\"}")))).isEqualTo("only");
    }

    @Test
    void replaceWritesEveryKindOfSegmentBackIntoTheBody() throws Exception {
        ObjectNode chat = body("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"secret\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"part\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}]}");
        for (PromptText.Segment seg : of(Endpoint.Kind.CHAT_COMPLETIONS, chat)) seg.replace("<" + seg.text() + ">");
        assertThat(Json.toString(chat)).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"<secret>\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"<part>\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}]}");

        ObjectNode legacy = body("{\"prompt\":[\"a\",[1,2],\"b\"]}");
        List<PromptText.Segment> ls = of(Endpoint.Kind.COMPLETIONS, legacy);
        ls.get(1).replace("B");
        assertThat(Json.toString(legacy)).isEqualTo("{\"prompt\":[\"a\",[1,2],\"B\"]}");
        assertThat(ls.get(1).text()).isEqualTo("B");

        ObjectNode responses = body("{\"instructions\":\"i\",\"input\":[{\"role\":\"user\",\"content\":\"c\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"x\",\"output\":\"o\"}]}");
        for (PromptText.Segment seg : of(Endpoint.Kind.RESPONSES, responses)) seg.replace(seg.text().toUpperCase());
        assertThat(Json.toString(responses)).isEqualTo("{\"instructions\":\"I\",\"input\":[{\"role\":\"user\",\"content\":\"C\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"x\",\"output\":\"O\"}]}");

        ObjectNode string = body("{\"input\":\"x\",\"model\":\"m\"}");
        of(Endpoint.Kind.EMBEDDINGS, string).get(0).replace("****");
        assertThat(Json.toString(string)).isEqualTo("{\"input\":\"****\",\"model\":\"m\"}");
    }

    @Test
    void aReplacedSegmentIsSeenByASecondReading() throws Exception {
        ObjectNode b = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        of(Endpoint.Kind.CHAT_COMPLETIONS, b).get(0).replace("bye");
        assertThat(texts(of(Endpoint.Kind.CHAT_COMPLETIONS, b))).containsExactly("bye");
    }
}
