package dev.tollgate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's reads over known traffic: the overview, the request records and the usage CSV. */
class DashboardApiTest extends KeyModeTest {

    private static final String ODD_MODEL = "=SUM(A1),\"x\"";

    private String ann;
    private String eve;
    private String annId;

    /** Four requests: ann's two at 12:00 (the first logged), then at 13:00 eve's refused one and eve's unpriced one. */
    private void traffic() throws Exception {
        upstream.handle(req -> {
            String body = upstream.lastReceived().bodyText();
            if (body.contains("refuse me")) {
                FakeUpstream.json(req, 400, "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
            } else if (body.contains("local-llm")) {
                FakeUpstream.json(req, 200, answer(10, 10).replace("gpt-4o-mini-2024-07-18", ODD_MODEL.replace("\"", "\\\"")));
            } else {
                FakeUpstream.json(req, 200, answer(1000, 1000));
            }
        });
        startKeyMode(Map.of());
        JsonNode a = createKey("{\"user\":\"ann\",\"team\":\"lab\"}");
        ann = a.get("key").asText();
        annId = a.get("id").asText();
        eve = createKey("{\"user\":\"eve\",\"team\":\"ops\"}").get("key").asText();
        assertThat(gateway.postJson("/v1/chat/completions", CHAT, "Authorization", "Bearer " + ann, "x-tollgate-log-request", "true",
                "x-tollgate-log-response", "true").statusCode()).isEqualTo(200);
        assertThat(chat(ann, CHAT).statusCode()).isEqualTo(200);
        clock.addAndGet(3_600_000);
        assertThat(chat(eve, CHAT.replace("hi", "refuse me")).statusCode()).isEqualTo(400);
        assertThat(chat(eve, CHAT.replace("gpt-4o-mini", "local-llm")).statusCode()).isEqualTo(200);
        awaitLedgerQuiet();
    }

    @Test
    void requestRecordsAreListedNewestFirstWithFiltersAndPaging() throws Exception {
        traffic();
        JsonNode first = Json.parse(admin("GET", "/admin/v1/requests?limit=2", null).body());
        assertThat(first.get("object").asText()).isEqualTo("list");
        assertThat(summary(first)).containsExactly(
                "2026-11-24T13:00:00Z eve ops " + ODD_MODEL + " /v1/chat/completions 200 10/10 $0 [{\"policy\":\"cost\",\"action\":\"audit\"}]",
                "2026-11-24T13:00:00Z eve ops gpt-4o-mini /v1/chat/completions 400 0/0 $0 []");
        assertThat(first.get("next").isTextual()).isTrue();
        JsonNode second = Json.parse(admin("GET", "/admin/v1/requests?limit=2&before=" + first.get("next").asText(), null).body());
        assertThat(summary(second)).containsExactly(
                "2026-11-24T12:00:00Z ann lab gpt-4o-mini-2024-07-18 /v1/chat/completions 200 1000/1000 $0.00075 []",
                "2026-11-24T12:00:00Z ann lab gpt-4o-mini-2024-07-18 /v1/chat/completions 200 1000/1000 $0.00075 []");
        assertThat(second.get("next").isNull()).isTrue();
        JsonNode plain = second.get("data").get(0);
        JsonNode logged = second.get("data").get(1);
        assertThat(plain.has("prompt")).isFalse();
        assertThat(plain.has("answer")).isFalse();
        assertThat(Json.parse(logged.get("prompt").asText())).isEqualTo(Json.parse(CHAT));
        assertThat(Json.parse(logged.get("answer").asText())).isEqualTo(Json.parse(answer(1000, 1000)));
        assertThat(logged.get("key_id").asText()).isEqualTo(annId);
        assertThat(logged.get("id").asText()).startsWith("lr_");
        assertThat(logged.get("latency_ms").isIntegralNumber()).isTrue();
        assertThat(logged.get("request_id").asText()).isNotEmpty();

        assertThat(summary(Json.parse(admin("GET", "/admin/v1/requests?status=4xx", null).body())))
                .containsExactly("2026-11-24T13:00:00Z eve ops gpt-4o-mini /v1/chat/completions 400 0/0 $0 []");
        assertThat(Json.parse(admin("GET", "/admin/v1/requests?user=ann", null).body()).get("data").size()).isEqualTo(2);
        assertThat(Json.parse(admin("GET", "/admin/v1/requests?key=" + annId + "&from=2026-11-24T12:30:00Z", null).body()).get("data").size())
                .isZero();
        assertThat(Json.parse(admin("GET", "/admin/v1/requests?team=ops&status=200", null).body()).get("data").size()).isEqualTo(1);
        assertThat(Json.parse(admin("GET", "/admin/v1/requests?endpoint=/v1/embeddings", null).body()).get("data").size()).isZero();

        // 30 days on (the default retention), the texts go; the records stay.
        clock.addAndGet(30L * 86_400_000);
        assertThat(gateway.gateway().access().retention().runOnce()).isEqualTo(1);
        JsonNode after = Json.parse(admin("GET", "/admin/v1/requests", null).body());
        assertThat(after.get("data").size()).isEqualTo(4);
        assertThat(after.get("data").get(3).has("prompt")).isFalse();
        assertThat(after.get("data").get(3).has("answer")).isFalse();
    }

    @Test
    void theOverviewSumsThePeriod() throws Exception {
        traffic();
        HttpResponse<String> r = admin("GET", "/admin/v1/stats/overview?from=2026-11-24T11:00:00Z&to=2026-11-24T14:00:00Z&bucket=hour", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode o = Json.parse(r.body());
        long p50 = o.get("latency_ms").get("p50").asLong();
        long p95 = o.get("latency_ms").get("p95").asLong();
        assertThat(p50).isBetween(0L, p95);
        assertThat(r.body()).isEqualTo("{\"object\":\"tollgate.overview\",\"from\":\"2026-11-24T11:00:00Z\",\"to\":\"2026-11-24T14:00:00Z\","
                + "\"bucket\":\"hour\",\"requests\":4,\"errors\":1,\"error_rate\":0.25,\"cost_usd\":0.0015,\"input_tokens\":2010,"
                + "\"output_tokens\":2010,\"latency_ms\":{\"p50\":" + p50 + ",\"p95\":" + p95 + "},\"series\":["
                + "{\"t\":\"2026-11-24T11:00:00Z\",\"requests\":0,\"errors\":0,\"cost_usd\":0,\"input_tokens\":0,\"output_tokens\":0},"
                + "{\"t\":\"2026-11-24T12:00:00Z\",\"requests\":2,\"errors\":0,\"cost_usd\":0.0015,\"input_tokens\":2000,\"output_tokens\":2000},"
                + "{\"t\":\"2026-11-24T13:00:00Z\",\"requests\":2,\"errors\":1,\"cost_usd\":0,\"input_tokens\":10,\"output_tokens\":10}],"
                + "\"top\":{\"models\":[{\"id\":\"gpt-4o-mini-2024-07-18\",\"requests\":2,\"cost_usd\":0.0015},"
                + "{\"id\":\"" + ODD_MODEL.replace("\"", "\\\"") + "\",\"requests\":1,\"cost_usd\":0},{\"id\":\"gpt-4o-mini\",\"requests\":1,\"cost_usd\":0}],"
                + "\"keys\":[{\"id\":\"" + annId + "\",\"requests\":2,\"cost_usd\":0.0015},{\"id\":\"" + keyOf("eve") + "\",\"requests\":2,\"cost_usd\":0}],"
                + "\"users\":[{\"id\":\"ann\",\"requests\":2,\"cost_usd\":0.0015},{\"id\":\"eve\",\"requests\":2,\"cost_usd\":0}],"
                + "\"teams\":[{\"id\":\"lab\",\"requests\":2,\"cost_usd\":0.0015},{\"id\":\"ops\",\"requests\":2,\"cost_usd\":0}]}}");
        // Days by default over a long period; an empty period has no latency.
        JsonNode days = Json.parse(admin("GET", "/admin/v1/stats/overview?from=2026-11-20&to=2026-11-26", null).body());
        assertThat(days.get("bucket").asText()).isEqualTo("day");
        assertThat(days.get("series").size()).isEqualTo(6);
        assertThat(days.get("series").get(4).get("requests").asLong()).isEqualTo(4);
        assertThat(admin("GET", "/admin/v1/stats/overview?from=2026-10-01&to=2026-10-02", null).body())
                .contains("\"requests\":0,\"errors\":0,\"error_rate\":0,\"cost_usd\":0,").contains("\"latency_ms\":{\"p50\":null,\"p95\":null}");
    }

    @Test
    void usageIsExportedAsCsvWithFormulasNeutralised() throws Exception {
        traffic();
        HttpResponse<String> r = admin("GET", "/admin/v1/usage?group_by=model&from=2026-11-24&format=csv", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
        assertThat(r.headers().firstValue("content-disposition")).hasValue("attachment; filename=\"tollgate-usage-by-model.csv\"");
        assertThat(r.body()).isEqualTo("group,requests,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cost_usd\r\n"
                + "gpt-4o-mini-2024-07-18,2,2000,0,2000,0,0.0015\r\n"
                + "\"'=SUM(A1),\"\"x\"\"\",1,10,0,10,0,0\r\n"
                + "gpt-4o-mini,1,0,0,0,0,0\r\n");
        assertThat(admin("GET", "/admin/v1/usage?group_by=team&from=2026-11-24&format=csv", null).body())
                .isEqualTo("group,requests,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cost_usd\r\n"
                        + "lab,2,2000,0,2000,0,0.0015\r\nops,2,10,0,10,0,0\r\n");
    }

    @Test
    void aStreamIsRecordedWithItsTimeToFirstByteAndAssembledAnswer() throws Exception {
        upstream.handle(req -> {
            FakeUpstream.startSse(req);
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"hel\"}}]}");
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}");
            FakeUpstream.event(req, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}");
            FakeUpstream.event(req, "[DONE]");
            req.response().end();
        });
        startKeyMode(Map.of("POLICY_LOG_RESPONSE", "true"));
        String secret = createKey("{\"user\":\"ann\"}").get("key").asText();
        assertThat(chat(secret, CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"")).statusCode()).isEqualTo(200);
        awaitLedgerQuiet();
        JsonNode r = Json.parse(admin("GET", "/admin/v1/requests", null).body()).get("data").get(0);
        assertThat(r.get("status").asInt()).isEqualTo(200);
        assertThat(r.get("input_tokens").asLong()).isEqualTo(7);
        assertThat(r.get("output_tokens").asLong()).isEqualTo(2);
        assertThat(r.get("ttfb_ms").asLong()).isBetween(0L, r.get("latency_ms").asLong());
        assertThat(r.has("prompt")).isFalse(); // only the response is logged
        assertThat(Json.parse(r.get("answer").asText())).isEqualTo(Json.parse("{\"choices\":[{\"index\":0,\"text\":\"hello\"}]}"));
    }

    @Test
    void badParametersAre400InTheOpenAiShape() throws Exception {
        startKeyMode(Map.of());
        assertThat(error("/admin/v1/requests?limit=0")).isEqualTo(bad("limit: expected a whole number from 1 to 200"));
        assertThat(error("/admin/v1/requests?limit=201")).isEqualTo(bad("limit: expected a whole number from 1 to 200"));
        assertThat(error("/admin/v1/requests?before=xyz")).isEqualTo(bad("before: not a cursor from a previous page's 'next'"));
        assertThat(error("/admin/v1/requests?status=ok")).isEqualTo(bad("status: expected a status code (429) or a class (4xx)"));
        assertThat(error("/admin/v1/requests?from=soon")).isEqualTo(bad("from: expected unix seconds, 2026-11-01 or 2026-11-01T00:00:00Z"));
        assertThat(error("/admin/v1/stats/overview?bucket=week")).isEqualTo(bad("bucket must be one of hour, day"));
        assertThat(error("/admin/v1/stats/overview?from=2026-11-30&to=2026-11-01")).isEqualTo(bad("from must be before to"));
        assertThat(error("/admin/v1/stats/overview?from=2026-01-01&to=2026-11-01&bucket=hour"))
                .isEqualTo(bad("the period holds more than 2000 hours: choose a shorter period or bucket=day"));
        assertThat(error("/admin/v1/stats/overview?from=9223372036854000&to=9223372036854775"))
                .isEqualTo(bad("from and to must lie between 1970 and 9999"));
        assertThat(error("/admin/v1/requests?to=9223372036854775")).isEqualTo(bad("from and to must lie between 1970 and 9999"));
        assertThat(error("/admin/v1/usage?format=xml")).isEqualTo(bad("format must be one of json, csv"));
        HttpResponse<String> post = admin("POST", "/admin/v1/requests", "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        HttpResponse<String> noToken = gateway.get("/admin/v1/stats/overview");
        assertThat(noToken.statusCode()).isEqualTo(401);
    }

    private String error(String path) throws Exception {
        HttpResponse<String> r = admin("GET", path, null);
        assertThat(r.statusCode()).as(path).isEqualTo(400);
        return r.body();
    }

    private static String bad(String message) {
        return "{\"error\":{\"message\":\"" + message.replace("\"", "\\\"") + "\",\"type\":\"invalid_request_error\",\"param\":null,"
                + "\"code\":\"invalid_admin_request\"}}";
    }

    private String keyOf(String user) throws Exception {
        for (JsonNode k : Json.parse(admin("GET", "/admin/v1/keys?user=" + java.net.URLEncoder.encode(user, "UTF-8"), null).body()).get("data")) {
            return k.get("id").asText();
        }
        throw new AssertionError("no key of " + user);
    }

    private static List<String> summary(JsonNode page) {
        List<String> out = new ArrayList<>();
        for (JsonNode r : page.get("data")) {
            out.add(r.get("time").asText() + " " + r.get("user_id").asText() + " " + r.get("team_id").asText() + " " + r.get("model").asText()
                    + " " + r.get("endpoint").asText() + " " + r.get("status").asInt() + " " + r.get("input_tokens").asLong() + "/"
                    + r.get("output_tokens").asLong() + " $" + r.get("cost_usd").decimalValue().toPlainString() + " " + r.get("findings"));
        }
        return out;
    }
}
