package dev.tollgate.trace;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FinishReasonsTest {

    private static List<String> of(String... texts) {
        FinishReasons r = new FinishReasons();
        for (String t : texts) r.scan(t);
        return r.values();
    }

    @Test
    void readsEveryChoicesReasonOnceInOrder() {
        assertThat(of("{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"},{\"index\":1,\"finish_reason\" : \"length\"},"
                + "{\"index\":2,\"finish_reason\":\"stop\"}]}")).containsExactly("stop", "length");
        assertThat(of("{\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}",
                "{\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}")).containsExactly("tool_calls");
    }

    @Test
    void answerTextThatNamesTheKeyIsNotAReason() {
        // Inside a JSON string the quotes are escaped: the key's text cannot appear there.
        assertThat(of("{\"choices\":[{\"delta\":{\"content\":\"say \\\"finish_reason\\\": \\\"evil\\\"\"},\"finish_reason\":null}]}")).isEmpty();
        assertThat(of((String) null)).isEmpty();
        assertThat(of("[DONE]")).isEmpty();
        assertThat(of("{\"finish_reason\":\"unterminated")).isEmpty();
    }

    @Test
    void aStrangeAnswerKeepsAtMostEightReasons() {
        StringBuilder b = new StringBuilder("{\"choices\":[");
        for (int i = 0; i < 20; i++) b.append(i == 0 ? "" : ",").append("{\"finish_reason\":\"r").append(i).append("\"}");
        assertThat(of(b.append("]}").toString())).hasSize(8).startsWith("r0", "r1");
    }
}
