package dev.tollgate.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A lock file that keeps a data directory's spool to one process: two writers would replay and trim each other's rows. */
public final class DirectoryLock {

    private DirectoryLock() {}

    /** Takes {@code lockFile} for this process (the open channel holds it), or fails with {@code inUse}. */
    public static FileChannel take(Path lockFile, String inUse) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException held) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IOException(inUse);
        }
        return ch;
    }
}
