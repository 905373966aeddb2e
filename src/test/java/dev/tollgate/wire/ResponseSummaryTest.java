package dev.tollgate.wire;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseSummaryTest {

    @Test
    void readsIdModelAndUsageAndSkipsTheRest() {
        ResponseSummary s = ResponseSummary.scan(Buffer.buffer("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                + "\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"say \\\"usage\\\": {1} and \\\"model\\\": \\\"x\\\"\"}}],"
                + "\"usage\" : {\"prompt_tokens\":3,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1},\"total_tokens\":5},\"system_fingerprint\":null}"));
        assertThat(s.id()).isEqualTo("chatcmpl-1");
        assertThat(s.model()).isEqualTo("gpt-4o");
        assertThat(s.usage().toString()).isEqualTo("{\"prompt_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":1},\"total_tokens\":5}");
    }

    @Test
    void embeddingsPutTheModelAfterTheData() {
        ResponseSummary s = ResponseSummary.scan(Buffer.buffer("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.1,-0.2]}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}"));
        assertThat(s).isEqualTo(new ResponseSummary(null, "text-embedding-3-small", s.usage()));
        assertThat(s.usage().toString()).isEqualTo("{\"prompt_tokens\":2,\"total_tokens\":2}");
    }

    @Test
    void nonObjectsAndBrokenJsonGiveNothing() {
        assertThat(ResponseSummary.scan(Buffer.buffer("[1,2]"))).isEqualTo(ResponseSummary.NONE);
        assertThat(ResponseSummary.scan(Buffer.buffer("{\"id\":\"x\",")).id()).isNull();
        assertThat(ResponseSummary.scan(Buffer.buffer("{\"id\":7,\"usage\":null}"))).isEqualTo(new ResponseSummary(null, null, null));
    }
}
