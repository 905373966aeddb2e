package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.server.Gateway;
import dev.tollgate.store.Database;
import dev.tollgate.store.SqlDialect;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Key mode on a database server: keys made, used, revoked and rotated, kept across a restart, and the ledger behind them. */
class ServerDatabaseKeyModeTest extends KeyModeTest {

    private static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}";
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.Kind.class, names = {"POSTGRESQL", "MARIADB"})
    void keysLiveOnTheServerAcrossARestart(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            upstream.handle(req -> FakeUpstream.json(req, 200, answer(1000, 1000)));
            // The password is read from the variable named by TOLLGATE_DATABASE_PASSWORD_ENV (the test servers take any).
            Map<String, String> env = new HashMap<>(db.env());
            env.put("TOLLGATE_DATABASE_PASSWORD_ENV", "TG_TEST_DB_PASSWORD");
            env.put("TG_TEST_DB_PASSWORD", "");
            startKeyMode(env);
            assertThat(gateway.gateway().access().database().dialect())
                    .isEqualTo(kind == TestDatabase.Kind.POSTGRESQL ? SqlDialect.POSTGRESQL : SqlDialect.MYSQL);

            JsonNode a = createKey("{\"user\":\"ann\",\"team\":\"lab\"}");
            JsonNode b = createKey("{\"user\":\"bob\"}");
            String idA = a.get("id").asText();
            String idB = b.get("id").asText();
            assertThat(chat(a.get("key").asText(), CHAT).statusCode()).isEqualTo(200);
            assertThat(chat(b.get("key").asText(), CHAT).statusCode()).isEqualTo(200);

            clock.addAndGet(1_000);
            assertThat(admin("POST", "/admin/v1/keys/" + idA + "/revoke", null).statusCode()).isEqualTo(200);
            clock.addAndGet(1_000);
            HttpResponse<String> rotated = admin("POST", "/admin/v1/keys/" + idB + "/rotate", "{\"grace_seconds\": 0}");
            assertThat(rotated.statusCode()).isEqualTo(200);
            String fresh = Json.parse(rotated.body()).get("key").asText();
            assertThat(chat(fresh, CHAT).statusCode()).isEqualTo(200);
            awaitLedgerQuiet();

            startKeyMode(env); // a new process: everything comes from the server
            HttpResponse<String> revoked = chat(a.get("key").asText(), CHAT);
            assertThat(revoked.statusCode()).isEqualTo(401);
            assertThat(revoked.body()).isEqualTo(error("This API key has been revoked.", "invalid_request_error", "invalid_api_key"));
            assertThat(chat(b.get("key").asText(), CHAT).statusCode()).isEqualTo(401);
            assertThat(chat(fresh, CHAT).statusCode()).isEqualTo(200);
            awaitLedgerQuiet();

            HttpResponse<String> byKey = admin("GET", "/admin/v1/usage?group_by=key&from=2026-11-01", null);
            assertThat(byKey.statusCode()).isEqualTo(200);
            assertThat(byKey.body()).contains("{\"group\":\"" + idB + "\",\"requests\":3,\"input_tokens\":3000,")
                    .contains("{\"group\":\"" + idA + "\",\"requests\":1,\"input_tokens\":1000,")
                    .contains("\"total\":{\"requests\":4,\"input_tokens\":4000,\"output_tokens\":4000,");
            gateway.close(); // before its database is dropped
            gateway = null;

            long t0 = 1_795_521_600_000L;
            try (Connection c = db.connect()) {
                assertThat(rows(c, "SELECT id, updated_at FROM api_keys ORDER BY created_at, id"))
                        .containsExactlyInAnyOrder(idA + "|" + (t0 + 1_000), idB + "|" + (t0 + 2_000));
                List<String> rowIds = rows(c, "SELECT row_id FROM ledger ORDER BY id");
                assertThat(rowIds).hasSize(4).doesNotHaveDuplicates().allMatch(id -> id.matches("lr_[0-9a-f]{24}"));
            }
        }
    }

    @Test
    void aDatabaseUrlWithAPasswordIsRefusedWithoutShowingIt() {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        env.put("TOLLGATE_DATABASE", "jdbc:postgresql://db.internal:5432/tollgate?user=tg&password=s3cret");
        Settings s = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        assertThatThrownBy(() -> AccessControl.databaseTarget(s, env::get))
                .hasMessage("TOLLGATE_DATABASE must not hold a password: put it in an environment variable and name that in "
                        + "TOLLGATE_DATABASE_PASSWORD_ENV");

        env.put("TOLLGATE_DATABASE", "jdbc:mariadb://tg:s3cret@db.internal/tollgate");
        Settings userInfo = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        assertThatThrownBy(() -> AccessControl.databaseTarget(userInfo, env::get)).hasMessageNotContaining("s3cret")
                .hasMessageStartingWith("TOLLGATE_DATABASE must not hold a password");
    }

    @Test
    void theUserAndThePasswordVariableMakeTheTarget() {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_DATABASE", "jdbc:mysql://db.internal:3306/tollgate?sslMode=verify-full");
        env.put("TOLLGATE_DATABASE_USER", "tg");
        env.put("TOLLGATE_DATABASE_PASSWORD_ENV", "TG_DB_PW");
        env.put("TOLLGATE_DATABASE_POOL_SIZE", "6");
        env.put("TG_DB_PW", "s3cret");
        Settings s = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        Database.Target t = AccessControl.databaseTarget(s, env::get);
        assertThat(t).isEqualTo(new Database.Target("jdbc:mariadb://db.internal:3306/tollgate?sslMode=verify-full", "tg", "s3cret", 6));
        assertThat(t.dialect()).isEqualTo(SqlDialect.MYSQL);
        assertThat(t.display()).isEqualTo("jdbc:mariadb://db.internal:3306/tollgate?…");
        assertThat(t.toString()).doesNotContain("s3cret");

        env.remove("TG_DB_PW");
        Settings unset = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        assertThatThrownBy(() -> AccessControl.databaseTarget(unset, env::get))
                .hasMessage("TOLLGATE_DATABASE_PASSWORD_ENV names TG_DB_PW, which is not set");

        env.put("TOLLGATE_DATABASE", "data/tollgate.db");
        Settings file = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        env.put("TG_DB_PW", "x");
        Database.Target sqlite = AccessControl.databaseTarget(file, env::get);
        assertThat(sqlite).isEqualTo(new Database.Target("jdbc:sqlite:data/tollgate.db", null, null, 1));
        assertThat(sqlite.display()).isEqualTo("data/tollgate.db");
    }

    private static List<String> rows(Connection c, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> cells = new ArrayList<>();
                for (int i = 1; i <= n; i++) cells.add(rs.getString(i));
                out.add(String.join("|", cells));
            }
        }
        return out;
    }
}
