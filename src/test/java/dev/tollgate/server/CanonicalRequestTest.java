package dev.tollgate.server;

import dev.tollgate.support.GatewayTest;
import dev.tollgate.support.RawClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every spelling of a policy-relevant path is either judged exactly as the canonical path or
 * refused with 400 invalid_path; what is forwarded is the canonical path the request was judged as.
 */
class CanonicalRequestTest extends GatewayTest {

    /** Each policy-relevant endpoint with a body naming the disabled model "gpt-4". */
    private static final Map<String, String> ENDPOINTS = new LinkedHashMap<>();

    static {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        ENDPOINTS.put("/v1/chat/completions", "{\"model\":\"gpt-4\"," + messages + "}");
        ENDPOINTS.put("/v1/messages", "{\"model\":\"gpt-4\",\"max_tokens\":10," + messages + "}");
        ENDPOINTS.put("/v1/completions", "{\"model\":\"gpt-4\",\"prompt\":\"hi\"}");
        ENDPOINTS.put("/v1/responses", "{\"model\":\"gpt-4\",\"input\":\"hi\"}");
        ENDPOINTS.put("/v1/embeddings", "{\"model\":\"gpt-4\",\"input\":\"hi\"}");
        ENDPOINTS.put("/v1/moderations", "{\"model\":\"gpt-4\",\"input\":\"hi\"}");
        ENDPOINTS.put("/v1/images/generations", "{\"model\":\"gpt-4\",\"prompt\":\"cat\"}");
        ENDPOINTS.put("/v1/audio/speech", "{\"model\":\"gpt-4\",\"input\":\"hi\",\"voice\":\"alloy\"}");
        ENDPOINTS.put("/v1/assistants", "{\"model\":\"gpt-4\",\"name\":\"a\"}");
        ENDPOINTS.put("/v1/threads/thread_AbC/runs", "{\"assistant_id\":\"asst_1\",\"model\":\"gpt-4\"}");
        ENDPOINTS.put("/v1/threads/runs", "{\"assistant_id\":\"asst_1\",\"model\":\"gpt-4\"}");
        ENDPOINTS.put("/v1/fine_tuning/jobs", "{\"model\":\"gpt-4\",\"training_file\":\"file-1\"}");
        ENDPOINTS.put("/v1/realtime/sessions", "{\"model\":\"gpt-4\"}");
        ENDPOINTS.put("/v1/images/edits", "{\"model\":\"gpt-4\",\"prompt\":\"cat\",\"images\":[{\"file_id\":\"file-1\"}]}");
        ENDPOINTS.put("/v1/videos", "{\"model\":\"gpt-4\",\"prompt\":\"cat\"}");
        ENDPOINTS.put("/v1/responses/input_tokens", "{\"model\":\"gpt-4\",\"input\":\"hi\"}");
        ENDPOINTS.put("/v1/assistants/asst_AbC", "{\"model\":\"gpt-4\"}");
        ENDPOINTS.put("/v1/realtime/client_secrets", "{\"session\":{\"type\":\"realtime\",\"model\":\"gpt-4\"}}");
    }

    /** Other spellings of a canonical path: each is judged as it, or refused. */
    static List<String> spellings(String p) {
        String last = p.substring(p.lastIndexOf('/') + 1);
        String head = p.substring(0, p.lastIndexOf('/') + 1);
        List<String> out = new ArrayList<>();
        out.add(head + "%" + Integer.toHexString(last.charAt(0)) + last.substring(1));              // one letter encoded
        out.add(head + "%" + Integer.toHexString(last.charAt(0)).toUpperCase() + last.substring(1));
        StringBuilder all = new StringBuilder(head);
        for (char c : last.toCharArray()) all.append('%').append(Integer.toHexString(c));
        out.add(all.toString());                                                                       // every letter encoded
        out.add("/%76%31" + p.substring(3));                                                            // the prefix encoded
        out.add(p + "/");                                                                              // trailing slash
        out.add(p + "//");
        out.add(p.replaceFirst("/", "//"));                                                            // doubled slashes
        out.add(p.replace("/", "//"));
        out.add("/v1/" + p.substring(4).replace("/", "///"));
        out.add(head + last.toUpperCase());                                                            // case
        int second = p.indexOf('/', 4);
        out.add("/v1/" + (second < 0 ? p.substring(4).toUpperCase() : p.substring(4, second).toUpperCase() + p.substring(second)));
        out.add(p.substring(3));                                                                        // without /v1
        out.add(p + ";x=1");                                                                           // parameters
        out.add(p + ";");
        out.add(head + last + ";jsessionid=1");
        out.add(p + "/.");                                                                             // dot segments
        out.add(p + "/./");
        out.add(p + "/%2e");
        out.add(p + "/x/..");
        out.add(p + "/x/%2e%2E");
        out.add("/v1/./" + p.substring(4));
        out.add("/v1/x/../" + p.substring(4));
        out.add(p.replaceFirst("/([^/]*)$", "%2F$1"));                                                // encoded separators
        out.add(p.replaceFirst("/([^/]*)$", "%5c$1"));
        out.add(p + "%00");
        out.add(p + "%3bx");
        out.add(p + "%");
        out.add(p + "\\");
        return out;
    }

    private record Reply(int status, String body) {}

    private Reply post(String path, String json) throws Exception {
        try (RawClient raw = new RawClient(gateway.port())) {
            raw.postJson(path, json, "Connection: close");
            String all = raw.readToClose(10_000);
            int status = Integer.parseInt(all.substring(9, 12));
            int split = all.indexOf("\r\n\r\n");
            String body = all.substring(split + 4);
            if (all.substring(0, split).toLowerCase().contains("transfer-encoding: chunked")) body = dechunk(body);
            return new Reply(status, body);
        }
    }

    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int eol = s.indexOf("\r\n", i);
            int size = Integer.parseInt(s.substring(i, eol).trim(), 16);
            if (size == 0) return out.toString();
            out.append(s, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
    }

    private static final String INVALID_PATH = "\"code\":\"invalid_path\"";

    @Test
    void everySpellingOfAJudgedEndpointIsJudgedAsTheCanonicalPathOrRefused() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4"));
        for (Map.Entry<String, String> e : ENDPOINTS.entrySet()) {
            Reply canonical = post(e.getKey(), e.getValue());
            assertThat(canonical.status()).as(e.getKey()).isEqualTo(403);
            assertThat(canonical.body()).as(e.getKey()).contains("model 'gpt-4' is disabled on this gateway.");
            for (String spelled : spellings(e.getKey())) {
                Reply r = post(spelled, e.getValue());
                if (r.status() == 400) {
                    assertThat(r.body()).as(spelled).contains(INVALID_PATH);
                } else if (r.status() == 404) {
                    assertThat(r.body()).as(spelled).contains("\"code\":\"unknown_route\"");
                } else {
                    assertThat(r).as(spelled).isEqualTo(canonical);
                }
            }
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void whatIsForwardedIsTheCanonicalPathItWasJudgedAs() throws Exception {
        start(Map.of("POLICY_DISABLED_MODELS", "gpt-4"));
        int refused = 0;
        int forwarded = 0;
        for (String path : new String[] {"/v1/chat/completions", "/v1/embeddings", "/v1/threads/thread_AbC/runs"}) {
            String body = ENDPOINTS.get(path).replace("\"gpt-4\"", "\"gpt-4o-mini\"");
            for (String spelled : spellings(path)) {
                int before = upstream.received().size();
                Reply r = post(spelled + "?api-version=1", body);
                if (r.status() == 400) {
                    assertThat(r.body()).as(spelled).contains(INVALID_PATH);
                    assertThat(upstream.received()).hasSize(before);
                    refused++;
                } else {
                    assertThat(r.status()).as(spelled).isEqualTo(200);
                    assertThat(upstream.lastReceived().uri()).as(spelled).isEqualTo(path + "?api-version=1");
                    assertThat(upstream.lastReceived().bodyText()).isEqualTo(body);
                    forwarded++;
                }
            }
        }
        assertThat(refused).isGreaterThan(10);
        assertThat(forwarded).isGreaterThan(10);
    }

    @Test
    void theRefusalIsAnOpenAiErrorAndTheNormalisedFormsAreNotRefused() throws Exception {
        start(Map.of());
        Reply dot = post("/v1/chat/completions/.", "{}");
        assertThat(dot).isEqualTo(new Reply(400, "{\"error\":{\"message\":\"The path may not contain '.' or '..' segments.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_path\"}}"));
        Reply param = post("/v1/chat/completions;x", "{}");
        assertThat(param).isEqualTo(new Reply(400, "{\"error\":{\"message\":\"The path may not contain ';' parameters.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_path\"}}"));
        String chat = ENDPOINTS.get("/v1/chat/completions").replace("gpt-4", "gpt-4o");
        for (String p : new String[] {"/v1/chat/complet%69ons", "/v1/chat/completions/", "/v1//chat/completions", "/v1/CHAT/completions"}) {
            assertThat(post(p, chat)).as(p).isEqualTo(new Reply(200, "{\"ok\":true}"));
            assertThat(upstream.lastReceived().uri()).isEqualTo("/v1/chat/completions");
        }
    }
}
