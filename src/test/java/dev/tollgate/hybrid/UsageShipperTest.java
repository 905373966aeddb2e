package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.store.LedgerRow;
import dev.tollgate.support.GatewayProcess;
import dev.tollgate.support.KeyModeTest;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A data plane's shipper against a real control plane: rows wait in the spool while the control
 * plane is away, survive a data-plane restart, and arrive in order, each once, when it is back; a
 * batch the control plane stored but the data plane did not note (a crash between the two) is sent
 * again and stored once.
 */
class UsageShipperTest extends KeyModeTest {

    static final String PLANE = "dp_0123456789abcdef";

    private final Vertx vertx = Vertx.vertx();
    private int port;

    @AfterEach
    void closeVertx() {
        vertx.close();
    }

    private String startControlPlaneWithToken() throws Exception {
        port = GatewayProcess.freePort();
        startKeyMode(Map.of("TOLLGATE_ROLE", "control-plane", "PORT", String.valueOf(port)));
        HttpResponse<String> r = admin("POST", "/admin/v1/dataplane-tokens", "{\"name\":\"eu-west\"}");
        return Json.parse(r.body()).get("secret").asText();
    }

    private void restartControlPlane() {
        startKeyMode(Map.of("TOLLGATE_ROLE", "control-plane", "PORT", String.valueOf(port)));
    }

    private UsageShipper shipper(Path spoolDir, String token) throws Exception {
        UsageShipper s = new UsageShipper(vertx, URI.create("http://127.0.0.1:" + port), token, PLANE, UsageSpool.open(spoolDir), 1_000,
                System::currentTimeMillis);
        s.run(20);
        return s;
    }

    private List<String> ledgerRowIds() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT row_id, data_plane_id FROM ledger ORDER BY id")) {
            while (rs.next()) {
                assertThat(rs.getString(2)).isEqualTo(PLANE);
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 30 s: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void rowsWaitWhileTheControlPlaneIsAwayAndArriveInOrderOnceAlsoAcrossARestart() throws Exception {
        String token = startControlPlaneWithToken();
        gateway.close(); // the control plane goes away
        gateway = null;
        Path spoolDir = dir.resolve("dp");

        UsageShipper first = shipper(spoolDir, token);
        for (LedgerRow r : UsageSpoolTest.rows(0, 50)) assertThat(first.record(r)).isTrue();
        await(() -> first.waiting() == 50 && java.nio.file.Files.exists(spoolDir.resolve(UsageSpool.NAME)), "50 rows spooled");
        Thread.sleep(600); // a few attempts fail meanwhile
        assertThat(first.waiting()).isEqualTo(50);
        assertThat(first.sent()).isZero();
        first.close(); // the data plane restarts

        UsageShipper second = shipper(spoolDir, token);
        assertThat(second.waiting()).isEqualTo(50);
        for (LedgerRow r : UsageSpoolTest.rows(50, 460)) second.record(r); // more than two batches
        await(() -> second.waiting() == 460, "460 rows waiting");

        restartControlPlane();
        await(() -> second.waiting() == 0, "every row sent");
        List<String> expected = UsageSpoolTest.rows(0, 460).stream().map(LedgerRow::rowId).toList();
        assertThat(ledgerRowIds()).isEqualTo(expected); // in order, each once
        assertThat(second.sent()).isEqualTo(460);
        assertThat(spoolDir.resolve(UsageSpool.NAME)).doesNotExist();
        JsonNode plane = Json.parse(admin("GET", "/admin/v1/dataplanes", null).body()).path("data").get(0);
        assertThat(plane.path("rows_received").asLong()).isEqualTo(460);
        assertThat(plane.path("rows_waiting").asLong()).isZero();
        second.close();
    }

    @Test
    void aBatchStoredButNotNotedBeforeACrashIsSentAgainAndStoredOnce() throws Exception {
        String token = startControlPlaneWithToken();
        Path spoolDir = dir.resolve("dp");
        try (UsageSpool spool = UsageSpool.open(spoolDir)) {
            spool.append(UsageSpoolTest.rows(0, 5));
            // The control plane stores the batch; the data plane dies before it moves its spool's head.
            HttpResponse<String> stored = gateway.http().send(gateway.request(UsageEndpoint.PATH)
                    .header("Authorization", "Bearer " + token).header("x-tollgate-dataplane-id", PLANE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(UsageBatch.write(spool.peek(100, 1 << 20).rows()))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stored.body()).isEqualTo("{\"object\":\"tollgate.usage_receipt\",\"received\":5,\"stored\":5}");
        }
        UsageShipper after = shipper(spoolDir, token);
        after.record(UsageSpoolTest.row(5));
        await(() -> after.waiting() == 0 && after.sent() == 6, "the spool sent again");
        assertThat(ledgerRowIds()).isEqualTo(UsageSpoolTest.rows(0, 6).stream().map(LedgerRow::rowId).toList());
        JsonNode plane = Json.parse(admin("GET", "/admin/v1/dataplanes", null).body()).path("data").get(0);
        assertThat(plane.path("rows_received").asLong()).as("stored once").isEqualTo(6);
        after.close();
    }
}
