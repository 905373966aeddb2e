package dev.tollgate.hybrid;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A data plane's last good snapshot on disk, so that it serves after a restart while its control
 * plane is away. Written whole to a temporary file and moved into place, so a crash leaves the
 * old file or the new one, never half of one; read back through {@link Snapshot#parse}, whose
 * checksum catches a damaged file. Blocking: call from a worker thread.
 */
public final class SnapshotFile {

    public static final String NAME = "tollgate-snapshot.json";

    private final Path file;

    public SnapshotFile(Path dataDir) {
        this.file = dataDir.resolve(NAME);
    }

    public Path path() {
        return file;
    }

    public void save(Snapshot snapshot) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(NAME + ".tmp");
        Files.write(tmp, snapshot.toBytes());
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The saved snapshot, or null when there is none; {@link Snapshot.Invalid} when the file fails its checks. */
    public Snapshot load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        return Snapshot.parse(bytes);
    }
}
