package dev.tollgate.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One case of a request-side policy's table, run in one {@link AnswerMode}: the request is either
 * refused before the upstream (a streamed request too gets the JSON error, never an event stream)
 * or forwarded as the policy left it, and the caller then gets the model's answer in its mode.
 */
public final class Judged {

    /** What the fake model answers when a request gets through. */
    public static final String ANSWER = "The model's answer.";

    private Judged() {}

    /** The request in this mode is refused with exactly this status and body, and nothing reaches the upstream. */
    public static void refused(TestGateway gateway, FakeUpstream upstream, Answers.Api api, AnswerMode mode, String request,
                               int status, String error, String... headers) throws Exception {
        int before = upstream.received().size();
        HttpResponse<String> r = gateway.postJson(api.path(), mode.request(request), headers);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.body()).isEqualTo(error);
        assertThat(upstream.received()).as("upstream calls").hasSize(before);
    }

    /**
     * The request in this mode reaches the upstream as {@code forwarded} (JSON-equal; with the
     * mode's {@code stream} field, and for streamed chat and completions the usage option the
     * gateway adds) and the caller gets {@link #ANSWER}, whole or streamed to its end.
     */
    public static void passed(TestGateway gateway, FakeUpstream upstream, Answers.Api api, AnswerMode mode, String request,
                              String forwarded, String... headers) throws Exception {
        mode.answer(upstream, api, ANSWER);
        Answers.Answer a = mode.read(api, gateway.postJson(api.path(), mode.request(request), headers));
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        assertThat(a.text()).isEqualTo(ANSWER);
        assertThat(a.complete()).isTrue();
        ObjectNode expected = (ObjectNode) Json.parse(mode.request(forwarded));
        if (mode.streamed() && api != Answers.Api.RESPONSES && !expected.has("stream_options")) {
            expected.putObject("stream_options").put("include_usage", true);
        }
        assertThat(Json.parse(upstream.lastReceived().bodyText())).isEqualTo(expected);
    }
}
