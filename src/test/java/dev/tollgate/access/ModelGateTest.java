package dev.tollgate.access;

import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key limited to gpt-4o-mini cannot reach another model by any endpoint or body shape; what the
 * gateway cannot judge is refused to it unless an admin names the endpoint; a budgeted key cannot
 * start work whose cost the gateway cannot bound.
 */
class ModelGateTest extends KeyModeTest {

    private static final String NOT_ALLOWED = "{\"error\":{\"message\":\"This API key may not use model 'gpt-4o'.\","
            + "\"type\":\"permission_error\",\"param\":\"model\",\"code\":\"model_not_allowed\"}}";

    private HttpResponse<String> post(String secret, String path, String json) throws Exception {
        return gateway.postJson(path, json, "Authorization", "Bearer " + secret);
    }

    private HttpResponse<String> multipart(String secret, String path, String... fields) throws Exception {
        String boundary = "----tg" + System.nanoTime();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fields.length; i += 2) {
            b.append("--").append(boundary).append("\r\n");
            if (fields[i].equals("file") || fields[i].startsWith("file:")) {
                String name = fields[i].equals("file") ? "file" : fields[i].substring(5);
                b.append("Content-Disposition: form-data; name=\"").append(name).append("\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n");
            } else {
                b.append("Content-Disposition: form-data; name=\"").append(fields[i]).append("\"\r\n\r\n");
            }
            b.append(fields[i + 1]).append("\r\n");
        }
        b.append("--").append(boundary).append("--\r\n");
        return gateway.http().send(gateway.request(path).header("Authorization", "Bearer " + secret)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Each {path, body} is refused with 403, this code and the message for its path; param null. */
    private void assertEachRefused(String key, String[][] cases, String code, java.util.function.Function<String, String> message)
            throws Exception {
        for (String[] c : cases) {
            HttpResponse<String> r = post(key, c[0], c[1]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(403);
            assertThat(r.body()).as(c[0]).isEqualTo("{\"error\":{\"message\":\"" + message.apply(c[0])
                    + "\",\"type\":\"permission_error\",\"param\":null,\"code\":\"" + code + "\"}}");
        }
    }

    @Test
    void aModelAllowListHoldsOnEveryEndpointThatNamesAModel() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{\"allowed_models\":[\"gpt-4o-mini\"]}").get("key").asText();
        String[][] cases = {
                {"/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}"},
                {"/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"hi\"}"},
                {"/v1/embeddings", "{\"model\":\"gpt-4o\",\"input\":\"hi\"}"},
                {"/v1/assistants", "{\"model\":\"gpt-4o\",\"name\":\"a\"}"},
                {"/v1/assistants/asst_1", "{\"model\":\"gpt-4o\"}"},
                {"/v1/threads/runs", "{\"assistant_id\":\"asst_1\",\"model\":\"gpt-4o\"}"},
                {"/v1/threads/thread_1/runs", "{\"assistant_id\":\"asst_1\",\"model\":\"gpt-4o\"}"},
                {"/v1/fine_tuning/jobs", "{\"model\":\"gpt-4o\",\"training_file\":\"file-1\"}"},
                {"/v1/realtime/sessions", "{\"model\":\"gpt-4o\"}"},
                {"/v1/Realtime/Sessions/", "{\"model\":\"gpt-4o\"}"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post(key, c[0], c[1]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(403);
            assertThat(r.body()).as(c[0]).isEqualTo(NOT_ALLOWED);
        }
        HttpResponse<String> nested = post(key, "/v1/realtime/client_secrets", "{\"session\":{\"type\":\"realtime\",\"model\":\"gpt-4o\"}}");
        assertThat(nested.body()).isEqualTo(NOT_ALLOWED.replace("\"param\":\"model\"", "\"param\":\"session.model\""));
        HttpResponse<String> transcription = multipart(key, "/v1/audio/transcriptions", "model", "gpt-4o", "file", "RIFF....");
        assertThat(transcription.statusCode()).isEqualTo(403);
        assertThat(transcription.body()).isEqualTo(NOT_ALLOWED);
        for (String spelled : new String[] {"/v1/audio/transcript%69ons", "/v1/Audio/Transcriptions/", "/v1//audio/transcriptions"}) {
            assertThat(multipart(key, spelled, "model", "gpt-4o", "file", "RIFF....").body()).as(spelled).isEqualTo(NOT_ALLOWED);
        }
        assertThat(upstream.received()).isEmpty();

        // The allowed model passes on the same endpoints, body byte-exact.
        String run = "{\"assistant_id\":\"asst_1\",\"model\":\"gpt-4o-mini\"}";
        assertThat(post(key, "/v1/threads/thread_1/runs", run).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(run);
        assertThat(multipart(key, "/v1/audio/transcriptions", "model", "gpt-4o-mini", "file", "RIFF....").statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).contains("gpt-4o-mini").contains("RIFF....");
        // Endpoints that run no model are not affected.
        assertThat(multipart(key, "/v1/files", "purpose", "batch", "file", "{}").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/v1/assistants", "Authorization", "Bearer " + key).statusCode()).isEqualTo(200);
        assertThat(post(key, "/v1/threads/thread_1/messages", "{\"role\":\"user\",\"content\":\"hi\"}").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(5);
    }

    @Test
    void aFormThatNamesItsModelTwiceIsRefusedWhereverTheSecondOneComes() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{\"allowed_models\":[\"gpt-4o-mini\"]}").get("key").asText();
        String twice = "{\"error\":{\"message\":\"The form gives the field 'model' more than once; send each field once.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_form\"}}";
        HttpResponse<String> adjacent = multipart(key, "/v1/audio/transcriptions", "model", "gpt-4o-mini", "model", "gpt-4o", "file", "RIFF");
        assertThat(adjacent.statusCode()).isEqualTo(400);
        assertThat(adjacent.body()).isEqualTo(twice);
        // After a large file: the judged head is already on its way upstream when the second model arrives.
        String big = "x".repeat(512 * 1024);
        HttpResponse<String> late = multipart(key, "/v1/audio/transcriptions", "model", "gpt-4o-mini", "file", big, "model", "gpt-4o");
        assertThat(late.statusCode()).isEqualTo(400);
        assertThat(late.body()).isEqualTo(twice);
        // As a file part with the same name, too.
        HttpResponse<String> asFile = multipart(key, "/v1/audio/transcriptions", "model", "gpt-4o-mini", "file", big, "file:model", "gpt-4o");
        assertThat(asFile.body()).isEqualTo(twice);
        assertThat(upstream.received()).isEmpty();
        // One model and a large file go through whole.
        HttpResponse<String> once = multipart(key, "/v1/audio/transcriptions", "model", "gpt-4o-mini", "file", big);
        assertThat(once.statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).contains(big);
    }

    @Test
    void aMissingModelOrOneThatIsNotAStringIsRefusedWhereRulesApply() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{\"allowed_models\":[\"gpt-4o-mini\"]}").get("key").asText();
        String required = "{\"error\":{\"message\":\"This request must name its model in 'model': this gateway judges every request by the "
                + "model it runs.\",\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"model_required\"}}";
        String invalid = "{\"error\":{\"message\":\"'model' must be a non-empty string naming one model, without surrounding spaces.\",\"type\":\"invalid_request_error\","
                + "\"param\":\"model\",\"code\":\"invalid_model\"}}";
        assertThat(post(key, "/v1/chat/completions", "{\"messages\":[]}").body()).isEqualTo(required);
        assertThat(post(key, "/v1/chat/completions", "{\"model\":[\"gpt-4o\"],\"messages\":[]}").body()).isEqualTo(invalid);
        assertThat(post(key, "/v1/chat/completions", "{\"model\":{\"name\":\"gpt-4o\"},\"messages\":[]}").body()).isEqualTo(invalid);
        assertThat(post(key, "/v1/threads/thread_1/runs", "{\"assistant_id\":\"asst_1\"}").body()).isEqualTo(required);
        assertThat(post(key, "/v1/realtime/client_secrets", "{\"session\":{\"type\":\"realtime\"}}").body())
                .isEqualTo(required.replace("in 'model'", "in 'session.model'").replace("\"param\":\"model\"", "\"param\":\"session.model\""));
        assertThat(multipart(key, "/v1/audio/transcriptions", "file", "RIFF....").body()).isEqualTo(required);
        for (String spaced : new String[] {"\" gpt-4o-mini\"", "\"gpt-4o-mini \"", "\"gpt-4o-mini\\n\"", "\"gpt-4o\\u0000\""}) {
            assertThat(post(key, "/v1/chat/completions", "{\"model\":" + spaced + ",\"messages\":[]}").body()).as(spaced).isEqualTo(invalid);
        }
        HttpResponse<String> status = post(key, "/v1/chat/completions", "{\"model\":4}");
        assertThat(status.statusCode()).isEqualTo(400);
        assertThat(upstream.received()).isEmpty();

        // A key without rules is not asked for a model: the upstream decides.
        String free = createKey("{}").get("key").asText();
        assertThat(post(free, "/v1/chat/completions", "{\"messages\":[]}").statusCode()).isEqualTo(200);
    }

    @Test
    void aSecondModelNamedInsideTheRequestIsHeldToTheSameList() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{\"allowed_models\":[\"gpt-4o-mini\"]}").get("key").asText();
        HttpResponse<String> tool = post(key, "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"draw\","
                + "\"tools\":[{\"type\":\"image_generation\",\"model\":\"gpt-image-1\"}]}");
        assertThat(tool.statusCode()).isEqualTo(403);
        assertThat(tool.body()).isEqualTo("{\"error\":{\"message\":\"This API key may not use model 'gpt-image-1'.\",\"type\":"
                + "\"permission_error\",\"param\":\"tools[0].model\",\"code\":\"model_not_allowed\"}}");
        HttpResponse<String> transcription = post(key, "/v1/realtime/client_secrets", "{\"session\":{\"type\":\"realtime\","
                + "\"model\":\"gpt-4o-mini\",\"audio\":{\"input\":{\"transcription\":{\"model\":\"gpt-4o-transcribe\"}}}}}");
        assertThat(transcription.body()).contains("'gpt-4o-transcribe'").contains("\"param\":\"session.audio.input.transcription.model\"");
        assertThat(upstream.received()).isEmpty();
        // The caller's own words are not models: metadata, a tool's JSON schema.
        String own = "{\"model\":\"gpt-4o-mini\",\"messages\":[],\"metadata\":{\"model\":\"anything\"},\"tools\":[{\"type\":"
                + "\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{\"model\":"
                + "{\"type\":\"string\",\"default\":\"x\"}},\"model\":\"y\"}}}]}";
        assertThat(post(key, "/v1/chat/completions", own).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(own);
    }

    @Test
    void whatTheGatewayCannotJudgeIsRefusedToAnAllowListUnlessTheEndpointIsNamed() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{\"allowed_models\":[\"gpt-4o-mini\"]}").get("key").asText();
        String[][] unjudgeable = {
                {"/v1/batches", "{\"input_file_id\":\"file-1\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"},
                {"/v1/threads/thread_1/runs/run_1/submit_tool_outputs", "{\"tool_outputs\":[]}"},
                {"/v1/evals/eval_1/runs", "{\"data_source\":{\"model\":\"gpt-4o\"}}"},
                {"/v1/realtime/transcription_sessions", "{}"},
                {"/v1/engines/gpt-4o/completions", "{\"prompt\":\"hi\"}"},
                {"/v1/some/future/endpoint", "{\"model\":\"gpt-4o\"}"},
        };
        assertEachRefused(key, unjudgeable, "model_not_verifiable", path -> "The gateway cannot tell which model POST " + path
                + " runs, and this API key may use only certain models. An admin can allow it by naming this endpoint in the key's "
                + "allowed_endpoints.");
        assertThat(upstream.received()).isEmpty();

        // A catch-all entry is not a decision about this endpoint; a named one is.
        String wildcard = createKey("{\"allowed_models\":[\"gpt-4o-mini\"],\"allowed_endpoints\":[\"/v1/*\"]}").get("key").asText();
        assertThat(post(wildcard, "/v1/batches", unjudgeable[0][1]).statusCode()).isEqualTo(403);
        String named = createKey("{\"allowed_models\":[\"gpt-4o-mini\"],\"allowed_endpoints\":[\"/v1/chat/completions\",\"/v1/batches\"]}")
                .get("key").asText();
        assertThat(post(named, "/v1/batches", unjudgeable[0][1]).statusCode()).isEqualTo(200);
        assertThat(post(named, "/v1/chat/completions", "{\"model\":\"gpt-4o\"}").body()).isEqualTo(NOT_ALLOWED);
        assertThat(upstream.received()).hasSize(1);
    }

    @Test
    void aBudgetedKeyCannotStartWorkWhoseCostIsNotBounded() throws Exception {
        startKeyMode(Map.of());
        String key = createKey("{\"budget\":{\"amount_usd\":5,\"period\":\"monthly\"}}").get("key").asText();
        String[][] unbounded = {
                {"/v1/batches", "{\"input_file_id\":\"file-1\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"},
                {"/v1/threads/thread_1/runs", "{\"assistant_id\":\"asst_1\",\"model\":\"gpt-4o-mini\"}"},
                {"/v1/fine_tuning/jobs", "{\"model\":\"gpt-4o-mini\",\"training_file\":\"file-1\"}"},
                {"/v1/realtime/sessions", "{\"model\":\"gpt-4o-realtime-preview\"}"},
                {"/v1/some/future/endpoint", "{}"},
        };
        assertEachRefused(key, unbounded, "cost_not_bounded", path -> "POST " + path + " starts work whose cost the gateway "
                + "cannot meter or bound, and this API key has a budget. An admin can allow it by naming this endpoint in the key's "
                + "allowed_endpoints.");
        assertThat(post(key, "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"background\":true}").body())
                .isEqualTo("{\"error\":{\"message\":\"A background response is billed after the request ends, out of the gateway's sight, "
                        + "and this API key has a budget: send the request without 'background'.\",\"type\":\"permission_error\","
                        + "\"param\":\"background\",\"code\":\"cost_not_bounded\"}}");
        HttpResponse<String> audio = multipart(key, "/v1/audio/transcriptions", "model", "whisper-1", "file", "RIFF....");
        assertThat(audio.body()).contains("\"code\":\"cost_not_bounded\"");
        // An unpriced model would spend nothing against the budget.
        assertThat(post(key, "/v1/chat/completions", "{\"model\":\"my-local-model\",\"messages\":[]}").body())
                .isEqualTo("{\"error\":{\"message\":\"Model 'my-local-model' has no price in this gateway's price table, and this API key "
                        + "has a budget: an admin can add its price (TOLLGATE_PRICES).\",\"type\":\"permission_error\",\"param\":\"model\","
                        + "\"code\":\"cost_not_bounded\"}}");
        // A budget also needs the model named, so the call can be priced.
        assertThat(post(key, "/v1/chat/completions", "{\"messages\":[]}").body()).contains("\"code\":\"model_required\"");
        assertThat(upstream.received()).isEmpty();
        // Metered and free operations go on.
        upstream.handle(req -> dev.tollgate.support.FakeUpstream.json(req, 200, answer(10, 2)));
        assertThat(chat(key, CHAT).statusCode()).isEqualTo(200);
        assertThat(post(key, "/v1/threads", "{}").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(2);
    }
}
