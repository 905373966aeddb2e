package dev.tollgate.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

import java.net.http.HttpResponse;

/**
 * How a test's case is answered: as one whole body or as a stream of server-sent events. Policy
 * tables run every case both ways, so whole and streamed answers are checked to behave alike.
 * The answer's caller API (chat, legacy completions, Responses) is an {@link Answers.Api}.
 */
public enum AnswerMode {
    WHOLE, STREAM;

    /** Every case of a table in both modes: the arguments of a parameterised test taking (case, mode). */
    public static java.util.List<org.junit.jupiter.params.provider.Arguments> crossed(java.util.List<?> cases) {
        java.util.List<org.junit.jupiter.params.provider.Arguments> out = new java.util.ArrayList<>();
        for (Object c : cases) for (AnswerMode mode : values()) out.add(org.junit.jupiter.params.provider.Arguments.of(c, mode));
        return out;
    }

    public boolean streamed() {
        return this == STREAM;
    }

    /** The request body as this mode sends it: {@code "stream": true} added when streamed, else {@code false}. */
    public String request(String json) {
        ObjectNode body;
        try {
            body = (ObjectNode) Json.parse(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a JSON request: " + json, e);
        }
        body.put("stream", streamed());
        return body.toString();
    }

    /** Makes the upstream answer {@code text} in this mode and API; a stream cuts the text at varied points. */
    public void answer(FakeUpstream upstream, Answers.Api api, String text) {
        answer(upstream, api, text, Answers.VARIED_PIECES);
    }

    /** As above, a stream cut into pieces of these sizes (the sizes repeat in turn). */
    public void answer(FakeUpstream upstream, Answers.Api api, String text, int... pieces) {
        if (streamed()) Answers.stream(upstream, api, text, pieces);
        else upstream.handle(req -> FakeUpstream.json(req, 200, Answers.whole(api, text)));
    }

    /** Sends the request (adapted to this mode) to the gateway and reads what the caller sees. */
    public Answers.Answer call(TestGateway gateway, Answers.Api api, String requestJson, String... headers) throws Exception {
        HttpResponse<String> r = gateway.postJson(api.path(), request(requestJson), headers);
        return read(api, r);
    }

    /** What the caller sees of an answer in this mode. */
    public Answers.Answer read(Answers.Api api, HttpResponse<String> r) throws Exception {
        return streamed() && r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")
                ? Answers.readStream(api, r.statusCode(), r.body())
                : Answers.readWhole(api, r.statusCode(), r.body());
    }
}
