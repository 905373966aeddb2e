package dev.tollgate.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;

/** Server-sent event helpers for tests: a chat answer streamed in pieces, and the text a client reads. */
public final class Sse {

    private Sse() {}

    /**
     * Makes the fake upstream stream {@code content} as chat chunks of the given piece sizes (the
     * last size repeats until the content is used up), then a finish chunk and [DONE].
     */
    public static void streamChat(FakeUpstream upstream, String content, int... sizes) {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            int pos = 0;
            int i = 0;
            while (pos < content.length()) {
                int size = sizes[Math.min(i++, sizes.length - 1)];
                String piece = content.substring(pos, Math.min(content.length(), pos + size));
                pos += size;
                FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":" + Json.MAPPER.valueToTree(piece) + "},\"finish_reason\":null}]}");
            }
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{},\"finish_reason\":\"stop\"}]}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
    }

    /** The assistant text a client assembles from a chat stream's deltas. */
    public static String chatText(String body) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : body.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            for (JsonNode c : Json.parse(line.substring(6)).path("choices")) sb.append(c.path("delta").path("content").asText(""));
        }
        return sb.toString();
    }
}
