package dev.tollgate.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A gateway whose database stops taking ledger rows keeps answering, says so on /readyz, and loses no row. */
class LedgerOutageGatewayTest extends KeyModeTest {

    @Test
    void callsAreAnsweredDuringAnOutageReadyzSaysDegradedAndEveryRowArrivesOnceItIsBack() throws Exception {
        startKeyMode(Map.of("TOLLGATE_DATA_DIR", dir.resolve("data").toString(), "TOLLGATE_LEDGER_FLUSH_MS", "50"));
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(7, 3)));
        String secret = createKey("{\"name\":\"svc\"}").get("key").asText();
        Database db = gateway.gateway().access().database();
        Ledger ledger = gateway.gateway().access().ledger();

        rename(db, "ledger", "ledger_away"); // every ledger write now fails, as with the server unreachable
        for (int i = 0; i < 4; i++) assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        for (int i = 0; i < 100 && ledger.spooled() < 4; i++) Thread.sleep(50);
        HttpResponse<String> ready = gateway.http().send(gateway.request("/readyz").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("{\"status\":\"degraded\",\"database\":\"unreachable\",\"spooled_rows\":4}");

        HttpResponse<String> report = admin("GET", "/admin/v1/usage?group_by=key", null);
        assertThat(report.statusCode()).isEqualTo(503);
        assertThat(report.body()).isEqualTo("{\"error\":{\"message\":\"The gateway's database cannot be reached right now; nothing was "
                + "changed. Try again shortly.\",\"type\":\"server_error\",\"param\":null,\"code\":\"database_unavailable\"}}");

        rename(db, "ledger_away", "ledger");
        for (int i = 0; i < 100 && (ledger.unreachable() || ledger.spooled() > 0); i++) Thread.sleep(50);
        ready = gateway.http().send(gateway.request("/readyz").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.body()).isEqualTo("{\"status\":\"ready\"}");
        assertThat(rows(db)).isEqualTo(4);
        assertThat(ledger.dropped()).isZero();
    }

    private static void rename(Database db, String from, String to) {
        db.write(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE " + from + " RENAME TO " + to);
            }
            return null;
        }).join(); // on the store writer, like every write
    }

    private static long rows(Database db) {
        return db.write(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ledger WHERE status = 200")) {
                rs.next();
                return rs.getLong(1);
            }
        }).join();
    }
}
