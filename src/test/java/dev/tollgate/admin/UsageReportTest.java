package dev.tollgate.admin;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class UsageReportTest extends KeyModeTest {

    /** The same report on each database the gateway runs on. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(dev.tollgate.support.TestDatabase.Kind.class)
    void usageIsGroupedByKeyUserTeamModelAndDay(dev.tollgate.support.TestDatabase.Kind kind) throws Exception {
        try (dev.tollgate.support.TestDatabase db = dev.tollgate.support.TestDatabase.create(kind)) {
            usageIsGroupedByKeyUserTeamModelAndDay(db);
            gateway.close(); // before its database is dropped
            gateway = null;
        }
    }

    private void usageIsGroupedByKeyUserTeamModelAndDay(dev.tollgate.support.TestDatabase db) throws Exception {
        upstream.handle(req -> FakeUpstream.json(req, 200, req.path().contains("embeddings")
                ? "{\"model\":\"text-embedding-3-small\",\"data\":[],\"usage\":{\"prompt_tokens\":1000000,\"total_tokens\":1000000}}"
                : answer(1000, 1000)));
        startKeyMode(db.env());
        String a = createKey("{\"user\":\"ann\",\"team\":\"lab\"}").get("key").asText();
        String b = createKey("{\"user\":\"bob\",\"team\":\"lab\"}").get("key").asText();
        chat(a, CHAT);
        chat(a, CHAT);
        clock.addAndGet(86_400_000);
        chat(b, CHAT);
        gateway.postJson("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}", "Authorization", "Bearer " + b);

        awaitLedgerQuiet();
        HttpResponse<String> byModel = admin("GET", "/admin/v1/usage?group_by=model&from=2026-11-01", null);
        assertThat(byModel.statusCode()).isEqualTo(200);
        // 3 chats × (1000 × $0.15 + 1000 × $0.60) / 1M = $0.00225; 1M embedding tokens × $0.02 / 1M = $0.02
        assertThat(byModel.body()).isEqualTo("{\"object\":\"tollgate.usage_report\",\"group_by\":\"model\",\"from\":\"2026-11-01T00:00:00Z\","
                + "\"to\":\"2026-11-25T12:00:00.001Z\",\"data\":["
                + "{\"group\":\"text-embedding-3-small\",\"requests\":1,\"input_tokens\":1000000,\"cached_input_tokens\":0,\"output_tokens\":0,"
                + "\"reasoning_tokens\":0,\"cost_usd\":0.02},"
                + "{\"group\":\"gpt-4o-mini-2024-07-18\",\"requests\":3,\"input_tokens\":3000,\"cached_input_tokens\":0,\"output_tokens\":3000,"
                + "\"reasoning_tokens\":0,\"cost_usd\":0.00225}],"
                + "\"total\":{\"requests\":4,\"input_tokens\":1003000,\"output_tokens\":3000,\"cost_usd\":0.02225}}");

        assertThat(admin("GET", "/admin/v1/usage?group_by=user&from=2026-11-01", null).body())
                .contains("{\"group\":\"bob\",\"requests\":2,").contains("{\"group\":\"ann\",\"requests\":2,");
        assertThat(admin("GET", "/admin/v1/usage?group_by=day&from=2026-11-01", null).body())
                .contains("\"data\":[{\"group\":\"2026-11-24\",\"requests\":2,").contains("{\"group\":\"2026-11-25\",\"requests\":2,");
        assertThat(admin("GET", "/admin/v1/usage?group_by=team&from=2026-11-01&user=ann", null).body())
                .contains("\"data\":[{\"group\":\"lab\",\"requests\":2,");
        assertThat(admin("GET", "/admin/v1/usage?group_by=key&from=2026-11-25", null).body()).contains("\"total\":{\"requests\":2,");
    }

    @Test
    void badReportParametersAre400() throws Exception {
        startKeyMode(Map.of());
        HttpResponse<String> by = admin("GET", "/admin/v1/usage?group_by=color", null);
        assertThat(by.statusCode()).isEqualTo(400);
        assertThat(by.body()).isEqualTo("{\"error\":{\"message\":\"group_by must be one of key, user, team, model, endpoint, data_plane, day\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_admin_request\"}}");
        assertThat(admin("GET", "/admin/v1/usage?from=yesterday", null).body())
                .contains("from: expected unix seconds, 2026-11-01 or 2026-11-01T00:00:00Z");
        assertThat(admin("GET", "/admin/v1/usage?from=2026-11-30&to=2026-11-01", null).body()).contains("from must be before to");
    }
}
