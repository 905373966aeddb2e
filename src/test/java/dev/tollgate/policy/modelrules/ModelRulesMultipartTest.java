package dev.tollgate.policy.modelrules;

import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Model rules see the model of multipart uploads (audio, image edits) before anything goes upstream. */
class ModelRulesMultipartTest extends GatewayTest {

    private static final String BOUNDARY = "----tollgateFormBoundary7MA4";

    /** A form: each entry is {name, value} for a field, or {name, filename, bytes-as-latin1} for a file. */
    private static byte[] form(String[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String[] p : parts) {
            String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + p[0] + "\""
                    + (p.length == 3 ? "; filename=\"" + p[1] + "\"\r\nContent-Type: application/octet-stream" : "") + "\r\n\r\n";
            out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes((p.length == 3 ? p[2] : p[1]).getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static String audio(int size) {
        byte[] b = new byte[size];
        new Random(3).nextBytes(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private HttpResponse<String> upload(String path, byte[] body) throws Exception {
        return gateway.http().send(gateway.request(path).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String BLOCKED = "{\"error\":{\"message\":\"Blocked by policy model-rules: model 'whisper-1' is disabled on this "
            + "gateway.\",\"type\":\"policy_violation\",\"param\":\"model\",\"code\":\"model_disabled\"}}";

    @Test
    void aDisabledModelIsRefusedWhetherItComesBeforeOrAfterTheFile() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "whisper-1"));
        HttpResponse<String> first = upload("/v1/audio/transcriptions", form(new String[]{"model", "whisper-1"},
                new String[]{"file", "a.mp3", audio(200_000)}));
        assertThat(first.statusCode()).isEqualTo(403);
        assertThat(first.body()).isEqualTo(BLOCKED);
        HttpResponse<String> after = upload("/v1/audio/translations", form(new String[]{"file", "a.mp3", audio(300_000)},
                new String[]{"model", "whisper-1"}));
        assertThat(after.statusCode()).isEqualTo(403);
        assertThat(after.body()).isEqualTo(BLOCKED);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void anAllowedUploadIsForwardedByteExactBothWays() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "whisper-1"));
        byte[] early = form(new String[]{"model", "gpt-4o-transcribe"}, new String[]{"file", "a.mp3", audio(400_000)},
                new String[]{"language", "en"});
        assertThat(upload("/v1/audio/transcriptions", early).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().body().getBytes()).isEqualTo(early);
        byte[] late = form(new String[]{"file", "a.mp3", audio(400_000)}, new String[]{"model", "gpt-4o-transcribe"});
        assertThat(upload("/v1/audio/transcriptions", late).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().body().getBytes()).isEqualTo(late);
    }

    @Test
    void fileContentCannotPoseAsTheModelField() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "whisper-1"));
        String fake = "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o-transcribe\r\n";
        HttpResponse<String> r = upload("/v1/audio/transcriptions", form(new String[]{"file", "a.mp3", fake + audio(1000)},
                new String[]{"model", "whisper-1"}));
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    void imageEditSizesAndTheAllowListApplyToo() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "1024x1024", "POLICY_ALLOWED_MODELS", "gpt-image-1"));
        HttpResponse<String> size = upload("/v1/images/edits", form(new String[]{"image", "a.png", audio(5000)},
                new String[]{"model", "gpt-image-1"}, new String[]{"size", "1024x1024"}));
        assertThat(size.statusCode()).isEqualTo(403);
        assertThat(size.body()).contains("\"code\":\"image_size_disabled\"");
        HttpResponse<String> other = upload("/v1/images/edits", form(new String[]{"model", "dall-e-2"}, new String[]{"image", "a.png", audio(5000)}));
        assertThat(other.body()).contains("\"code\":\"model_not_allowed\"");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aModelFieldBeyondTheInspectionLimitIs413() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "whisper-1", "TOLLGATE_MAX_BODY_BYTES", "65536"));
        HttpResponse<String> r = upload("/v1/audio/transcriptions", form(new String[]{"file", "a.mp3", audio(200_000)},
                new String[]{"model", "gpt-4o-transcribe"}));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"The upload's form fields must come within the first 65536 bytes so the "
                + "gateway can check them; send the 'model' field before the file.\",\"type\":\"invalid_request_error\",\"param\":null,"
                + "\"code\":\"request_too_large\"}}");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void otherMultipartUploadsStreamUntouched() throws Exception {
        start(Map.of("POLICY_ALLOWED_MODELS", "gpt-4o"));
        byte[] file = form(new String[]{"purpose", "batch"}, new String[]{"file", "b.jsonl", "{\"a\":1}\n"});
        assertThat(upload("/v1/files", file).statusCode()).isEqualTo(200);
        assertThat(upstream.lastReceived().body().getBytes()).isEqualTo(file);
    }
}
