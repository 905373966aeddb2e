package dev.tollgate.server;

import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.LogCapture;
import dev.tollgate.support.RawClient;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an HTTP/1.1 request body is framed: only a plain {@code Transfer-Encoding: chunked} or a
 * {@code Content-Length} is accepted; a malformed chunk or any other coding is answered in
 * OpenAI's error shape, logged with that status, and nothing reaches the upstream.
 */
class RequestFramingTest extends GatewayTest {

    private static final String HEAD = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    private static final String JSON = "{\"model\":\"gpt-4o\",\"messages\":[]}";

    private static String error(String message, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    private static final String BAD_CHUNK = error("The request body's chunked encoding is malformed.", "invalid_chunked_encoding");

    /** Sends the bytes and returns everything the gateway answered before closing. */
    private String exchange(String bytes) throws Exception {
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.send(bytes);
            return raw.readToClose(5000);
        }
    }

    @Test
    void aMalformedChunkIs400NotAClientAbort() throws Exception {
        start(Map.of());
        String[][] cases = {
                {"not hex", "zz\r\n" + JSON + "\r\n0\r\n\r\n"},
                {"negative", "-5\r\nhello\r\n0\r\n\r\n"},
                {"overlong", "fffffffffffffffff\r\nhello\r\n0\r\n\r\n"},
                {"above int range", "80000000\r\nhello\r\n0\r\n\r\n"},
                {"garbage after the size", "5zz\r\nhello\r\n0\r\n\r\n"},
                {"control character in an extension", "5;a\u0001b\r\nhello\r\n0\r\n\r\n"},
                {"data longer than its size", "3\r\nhello\r\n0\r\n\r\n"},
                {"bad chunk after a good one", "5\r\n{\"mod\r\nzz\r\n0\r\n\r\n"},
        };
        int line = 0;
        try (LogCapture logs = new LogCapture()) {
            for (String[] c : cases) {
                String all = exchange(HEAD + "Transfer-Encoding: chunked\r\n\r\n" + c[1]);
                assertThat(all).as(c[0]).startsWith("HTTP/1.1 400 Bad Request\r\n");
                assertThat(all).as(c[0]).endsWith("\r\n\r\n" + BAD_CHUNK);
                assertThat(logs.awaitRequestLine(++line)).as(c[0])
                        .contains("\"endpoint\":\"/v1/chat/completions\",\"method\":\"POST\",\"status\":400")
                        .contains("\"error_message\":\"The request body's chunked encoding is malformed.\"");
            }
        }
        // The same on a streamed upload, whose body goes upstream as it arrives.
        String upload = exchange("POST /v1/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        assertThat(upload).startsWith("HTTP/1.1 400 Bad Request\r\n").endsWith(BAD_CHUNK);
        assertThat(upstream.received()).isEmpty();
        assertThat(gateway.postJson("/v1/chat/completions", JSON).statusCode()).isEqualTo(200);
    }

    @Test
    void transferCodingsOtherThanChunkedAreRefused() throws Exception {
        start(Map.of());
        String invalid = error("Transfer-Encoding must be exactly 'chunked' (once), without Content-Length.", "invalid_transfer_encoding");
        String unsupported = error("The request's transfer coding is not supported; send the body with Content-Length or "
                + "Transfer-Encoding: chunked alone.", "unsupported_transfer_encoding");
        String chunkedBody = "\r\n" + Integer.toHexString(JSON.length()) + "\r\n" + JSON + "\r\n0\r\n\r\n";
        String[][] cases = {
                {"Transfer-Encoding: gzip, chunked\r\n", chunkedBody, "501 Not Implemented", unsupported},
                {"Transfer-Encoding: deflate,chunked\r\n", chunkedBody, "501 Not Implemented", unsupported},
                {"Transfer-Encoding: chunked, identity\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: identity\r\n", "\r\n" + JSON, "400 Bad Request", invalid},
                {"Transfer-Encoding: xchunked\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: chunkedx\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: chunked, chunked\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: g zip, chunked\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: gzip;q=1, chunked\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: , chunked\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: x-custom, chunked\r\n", chunkedBody, "501 Not Implemented", unsupported},
                {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Transfer-Encoding: \r\n", "\r\n" + JSON, "400 Bad Request", invalid},
                {"Transfer-Encoding: chunked\r\nContent-Length: " + JSON.length() + "\r\n", chunkedBody, "400 Bad Request", invalid},
                {"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", chunkedBody, "400 Bad Request", invalid},
        };
        try (LogCapture logs = new LogCapture()) {
            int line = 0;
            for (String[] c : cases) {
                String all = exchange(HEAD + c[0] + c[1]);
                assertThat(all).as(c[0]).startsWith("HTTP/1.1 " + c[2] + "\r\n");
                assertThat(all).as(c[0]).endsWith("\r\n\r\n" + c[3]);
                assertThat(all).as("only one answer: %s", c[0]).containsOnlyOnce("HTTP/1.1");
                assertThat(logs.awaitRequestLine(++line)).as(c[0]).contains("\"status\":" + c[2].substring(0, 3));
            }
        }
        // Header spellings a lenient parser might read as chunked: refused one way or another, never forwarded.
        for (String te : new String[]{"Transfer-Encoding : chunked", "Transfer-Encoding:\u000bchunked", "Transfer-Encoding: chunked;q=1",
                "Transfer-Encoding: \"chunked\"", " Transfer-Encoding: chunked", "Transfer_Encoding: chunked\r\nContent-Length: 3",
                "Transfer-Encoding: chunked\r\n Content-Length: 3"}) {
            String all = exchange(HEAD + te + chunkedBody);
            assertThat(all).as(te).startsWith("HTTP/1.1 400 Bad Request\r\n").containsOnlyOnce("HTTP/1.1");
        }
        assertThat(upstream.received()).isEmpty();
        // Plain chunked (any letter case) is fine.
        String ok = exchange(HEAD.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n") + "Transfer-Encoding: Chunked\r\n" + chunkedBody);
        assertThat(ok).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(upstream.lastReceived().bodyText()).isEqualTo(JSON);
    }

    @Test
    void contentLengthSpellingsAParserCouldReadDifferentlyAreRefused() throws Exception {
        start(Map.of());
        String json = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";
        int n = json.length();
        for (String cl : new String[]{"+" + n, n + ", " + n, n + "\r\nContent-Length: " + n, n + "\r\nContent-Length: 3", "0x25",
                n + " 5", "-1", "99999999999999999999", n + ".0"}) {
            try (RawClient raw = new RawClient(gateway.port())) {
                raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + cl + "\r\n\r\n" + json);
                String all = raw.readToClose(5000);
                assertThat(all).as(cl).startsWith("HTTP/1.1 400 Bad Request\r\n").containsOnlyOnce("HTTP/1.1")
                        .endsWith("{\"error\":{\"message\":\"The request is not valid HTTP.\",\"type\":\"invalid_request_error\","
                                + "\"param\":null,\"code\":\"malformed_request\"}}");
            }
        }
        assertThat(upstream.received()).isEmpty();
    }
}
