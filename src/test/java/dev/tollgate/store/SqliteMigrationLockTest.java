package dev.tollgate.store;

import dev.tollgate.support.GatewayProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gateways started together on one new SQLite file take turns migrating it (Flyway takes no lock
 * on SQLite): a gateway process waits while another process holds the migration lock, and starts
 * once it is released.
 */
class SqliteMigrationLockTest {

    @TempDir
    Path dir;

    @Test
    void aGatewayWaitsForTheMigrationLockAnotherProcessHoldsThenStarts() throws Exception {
        Path db = dir.resolve("shared.db");
        Map<String, String> env = Map.of("TOLLGATE_ADMIN_TOKEN", "admin-token-for-tests-0123456789", "TOLLGATE_DATABASE", db.toString(),
                "TOLLGATE_DATA_DIR", dir.toString(), "OPENAI_API_KEY", "sk-test-000");
        CompletableFuture<GatewayProcess> starting;
        try (FileChannel channel = FileChannel.open(Path.of(db + ".migrate-lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return GatewayProcess.start(env, dir, "waiting");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(4_000); // long enough for a JVM to start and reach its migrations
            assertThat(starting).isNotDone();
            assertThat(Files.exists(db) ? Files.size(db) : 0L).as("nothing migrated while the lock is held").isZero();
        }
        try (GatewayProcess g = starting.get(60, TimeUnit.SECONDS)) {
            assertThat(g.alive()).isTrue();
            assertThat(Files.size(db)).isPositive();
        }
    }
}
