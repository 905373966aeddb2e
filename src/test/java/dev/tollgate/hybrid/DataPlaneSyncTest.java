package dev.tollgate.hybrid;

import dev.tollgate.access.AccessControl;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.LogCapture;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** A data plane's sync against a fake control plane: what it asks, what it keeps, what it refuses. */
class DataPlaneSyncTest {

    static final String TOKEN = "tgdp-" + "B".repeat(43);

    @TempDir
    Path dir;
    private FakeUpstream controlPlane;
    private Vertx vertx;
    private AccessControl access;
    private DataPlaneSync sync;
    private final AtomicReference<Buffer> served = new AtomicReference<>();

    @BeforeEach
    void start() {
        controlPlane = new FakeUpstream();
        controlPlane.handle(req -> {
            Buffer b = served.get();
            String etag = req.getHeader("If-None-Match");
            if (b == null) {
                FakeUpstream.json(req, 503, "{}");
            } else if (etag != null && etag.equals("\"" + versionOf(b) + "\"")) {
                req.response().setStatusCode(304).end();
            } else {
                req.response().setStatusCode(200).putHeader("content-type", "application/json").end(b);
            }
        });
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        if (sync != null) sync.close();
        if (access != null) access.close();
        vertx.close();
        controlPlane.close();
    }

    private void startSync() {
        Map<String, String> env = new HashMap<>(Map.of("TOLLGATE_ROLE", "data-plane", "TOLLGATE_CONTROL_PLANE_URL", "http://127.0.0.1:" + controlPlane.port(),
                "TOLLGATE_DATA_PLANE_TOKEN", TOKEN, "TOLLGATE_DATA_DIR", dir.toString()));
        Settings s = HybridSettings.dataPlaneSettings(new ConfigLoader(Gateway.catalog()).load(null, env).settings());
        access = AccessControl.withoutDatabase(s, Gateway.catalog(), System::currentTimeMillis);
        sync = DataPlaneSync.start(vertx, s, access, settings -> () -> {} /* keys alone: the settings are TravellingSettingsTest's */, System::currentTimeMillis);
    }

    /** The version a served body claims, unchecked (a damaged one too). */
    private static String versionOf(Buffer b) {
        try {
            return dev.tollgate.json.Json.parse(b).path("version").asText();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static Snapshot snapshotOf(ApiKey... keys) {
        return Snapshot.of(dev.tollgate.json.Json.object(), List.of(keys), List.of(), 1_000);
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s");
            Thread.sleep(10);
        }
    }

    @Test
    void itAsksWithItsTokenIdAndVersionAppliesTheSnapshotAndSavesIt() throws Exception {
        Snapshot first = snapshotOf(SnapshotTest.key("key_a", "one"));
        served.set(Buffer.buffer(first.toBytes()));
        startSync();
        await(() -> access.keys().byId("key_a") != null && Files.exists(dir.resolve(SnapshotFile.NAME)));
        FakeUpstream.Received r = controlPlane.received().get(0);
        assertThat(r.uri()).isEqualTo("/dataplane/v1/snapshot?wait=0");
        assertThat(r.headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(r.headers().get(DataPlaneSync.ID_HEADER)).isEqualTo(sync.planeId()).matches("dp_[0-9a-f]{16}");
        assertThat(sync.status().toJson()).startsWith("{\"status\":\"ready\",\"snapshot\":\"fresh\",\"snapshot_version\":\"" + first.version());
        await(() -> new SnapshotFile(dir).path().toFile().length() > 0);
        await(() -> {
            try {
                return first.version().equals(new SnapshotFile(dir).load().version());
            } catch (Exception e) {
                return false;
            }
        });

        // A change: the key revoked; the long poll carries it.
        Snapshot second = snapshotOf(SnapshotTest.key("key_a", "one").revoked(2_000));
        served.set(Buffer.buffer(second.toBytes()));
        await(() -> access.keys().byId("key_a").key().revokedAt() == 2_000);
        assertThat(controlPlane.received().stream().anyMatch(x -> x.uri().equals("/dataplane/v1/snapshot?wait=30")
                && ("\"" + first.version() + "\"").equals(x.headers().get("If-None-Match")))).isTrue();
    }

    @Test
    void aSnapshotThatFailsItsChecksIsRefusedAndThePreviousKept() throws Exception {
        Snapshot good = snapshotOf(SnapshotTest.key("key_a", "one"));
        served.set(Buffer.buffer(good.toBytes()));
        try (LogCapture logs = new LogCapture()) {
            startSync();
            await(() -> access.keys().byId("key_a") != null);
            String damaged = new String(snapshotOf(SnapshotTest.key("key_b", "two")).toBytes(), StandardCharsets.UTF_8).replace("\"two\"", "\"Two\"");
            served.set(Buffer.buffer(damaged));
            await(() -> logs.appLines().stream().anyMatch(l -> l.contains("rejected a snapshot from the control plane: checksum mismatch; keeping "
                    + good.version().substring(0, 12))));
            assertThat(access.keys().byId("key_a")).isNotNull();
            assertThat(access.keys().byId("key_b")).isNull();
            assertThat(sync.status().version()).isEqualTo(good.version());
            assertThat(logs.all()).doesNotContain(TOKEN);
        }
    }

    @Test
    void theSavedSnapshotServesBeforeTheControlPlaneAnswersAndTheIdStays() throws Exception {
        Snapshot saved = snapshotOf(SnapshotTest.key("key_a", "one"));
        new SnapshotFile(dir).save(saved);
        String id = DataPlaneSync.planeId(dir);
        startSync(); // the control plane answers 503
        assertThat(access.keys().byId("key_a")).isNotNull();
        assertThat(sync.planeId()).isEqualTo(id);
        assertThat(sync.status().loaded()).isTrue();
        assertThat(sync.status().stale()).isTrue();
    }

    @Test
    void aSnapshotWithAKeySettingThisPlaneDoesNotKnowIsRefusedWhole() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode unknown = dev.tollgate.json.Json.object();
        unknown.put("POLICY_FROM_A_NEWER_CONTROL_PLANE", 1);
        ApiKey k = SnapshotTest.key("key_c", "three");
        ApiKey odd = new ApiKey(k.id(), k.name(), k.prefix(), k.secretHash(), null, 0, k.user(), k.team(), k.labels(), k.allowedModels(),
                k.allowedEndpoints(), unknown, k.limits(), k.budget(), k.expiresAt(), k.createdAt(), 0, 0);
        served.set(Buffer.buffer(snapshotOf(SnapshotTest.key("key_a", "one"), odd).toBytes()));
        try (LogCapture logs = new LogCapture()) {
            startSync();
            await(() -> logs.appLines().stream().anyMatch(l -> l.contains("rejected a snapshot from the control plane: key key_c: "
                    + "settings.POLICY_FROM_A_NEWER_CONTROL_PLANE: unknown setting; keeping none (not ready)")));
            assertThat(access.keys().byId("key_a")).isNull();
            assertThat(sync.status().loaded()).isFalse();
        }
    }
}
