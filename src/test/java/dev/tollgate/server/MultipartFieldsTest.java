package dev.tollgate.server;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MultipartFieldsTest {

    private static final String FORM = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n--Xy\r\n-XyZ not a boundary\r\nname=\"model\"\r\n"
            + "\r\n--XyZ\r\ncontent-disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nline one\r\nline two\r\n--XyZ--\r\n";

    @Test
    void readsTextFieldsSkippingFilesWhateverTheChunking() {
        byte[] bytes = FORM.getBytes(StandardCharsets.ISO_8859_1);
        for (int size = 1; size <= bytes.length; size++) {
            MultipartFields f = MultipartFields.forContentType("multipart/form-data; boundary=\"XyZ\"");
            for (int i = 0; i < bytes.length; i += size) {
                f.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size))));
            }
            assertThat(f.fields()).as("chunks of %d", size).isEqualTo(Map.of("model", "whisper-1", "prompt", "line one\r\nline two"));
            assertThat(f.done()).isTrue();
        }
    }

    @Test
    void aRepeatedFieldIsReportedWhetherTextOrFileAndWhateverItsCase() {
        assertThat(MultipartFields.forContentType("multipart/form-data; boundary=XyZ")).satisfies(f -> {
            f.feed(Buffer.buffer(FORM));
            assertThat(f.repeated()).isNull();
            assertThat(f.unreadable()).isFalse();
        });
        String[] seconds = {"Content-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o",
                "Content-Disposition: form-data; name=\"model\"; filename=\"m.txt\"\r\n\r\ngpt-4o",
                "content-disposition: form-data; NAME=model\r\n\r\ngpt-4o"};
        for (String second : seconds) {
            MultipartFields f = MultipartFields.forContentType("multipart/form-data; boundary=XyZ");
            f.feed(Buffer.buffer(FORM.replace("--XyZ--\r\n", "--XyZ\r\n" + second + "\r\n--XyZ--\r\n")));
            assertThat(f.repeated()).as(second).isEqualTo("model");
            assertThat(f.fields().get("model")).isEqualTo("whisper-1");
        }
    }

    @Test
    void absurdPartHeadersMakeTheFormUnreadable() {
        MultipartFields f = MultipartFields.forContentType("multipart/form-data; boundary=XyZ");
        f.feed(Buffer.buffer("--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o-mini\r\n--XyZ\r\nX-Pad: "
                + "a".repeat(20_000)));
        assertThat(f.fields()).isEqualTo(Map.of("model", "gpt-4o-mini"));
        assertThat(f.unreadable()).isTrue();
    }

    @Test
    void onlyMultipartFormDataWithABoundaryIsRead() {
        assertThat(MultipartFields.forContentType("application/json")).isNull();
        assertThat(MultipartFields.forContentType("multipart/form-data")).isNull();
        assertThat(MultipartFields.forContentType(null)).isNull();
        assertThat(MultipartFields.forContentType("Multipart/Form-Data; charset=utf-8; Boundary=abc")).isNotNull();
    }
}
