package dev.tollgate.hybrid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotFileTest {

    @TempDir
    Path dir;

    @Test
    void noFileIsNoSnapshot() throws Exception {
        assertThat(new SnapshotFile(dir).load()).isNull();
    }

    @Test
    void aSavedSnapshotLoadsBackAndLeavesNoTemporaryFile() throws Exception {
        SnapshotFile f = new SnapshotFile(dir.resolve("sub"));
        Snapshot s = SnapshotTest.sample();
        f.save(s);
        f.save(s); // replacing works too
        assertThat(f.load().version()).isEqualTo(s.version());
        try (var files = Files.list(dir.resolve("sub"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(SnapshotFile.NAME);
        }
    }

    @Test
    void aDamagedFileIsRefused() throws Exception {
        SnapshotFile f = new SnapshotFile(dir);
        f.save(SnapshotTest.sample());
        byte[] bytes = Files.readAllBytes(f.path());
        Files.write(f.path(), java.util.Arrays.copyOf(bytes, bytes.length / 2)); // a torn write
        assertThatThrownBy(f::load).isInstanceOf(Snapshot.Invalid.class).hasMessage("not JSON");
    }
}
