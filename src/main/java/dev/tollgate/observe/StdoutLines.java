package dev.tollgate.observe;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every log line Tollgate writes goes to stdout through this one writer thread. Callers (event
 * loops) only enqueue, never wait: the writer takes whatever has queued up and writes it with one
 * system call. If stdout stalls long enough to fill the queue (65,536 lines), new lines are
 * dropped and counted rather than stalling requests; the count is reported once output flows.
 * One writer also means a request line and an application line never interleave.
 */
public final class StdoutLines {

    private static final int CAPACITY = 65_536;
    private static final StdoutLines INSTANCE = new StdoutLines(new FileOutputStream(FileDescriptor.out));

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    private final Thread writer;
    private volatile boolean idle = true;

    StdoutLines(OutputStream target) {
        this.out = new BufferedOutputStream(target, 1 << 16);
        this.writer = new Thread(this::run, "tollgate-log-writer");
        writer.setDaemon(true);
        writer.start();
    }

    public static StdoutLines get() {
        return INSTANCE;
    }

    /** Queues one line (without its newline). Never blocks. */
    public void offer(String line) {
        if (!queue.offer(line)) dropped.incrementAndGet();
    }

    /** Waits until everything queued so far is written (at shutdown), at most the given time. */
    public void flush(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while ((!queue.isEmpty() || !idle) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run() {
        List<String> batch = new ArrayList<>(1024);
        while (true) {
            try {
                String first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) continue;
                idle = false;
                batch.add(first);
                queue.drainTo(batch, 4095);
                for (String line : batch) {
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                }
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    out.write(("{\"level\":\"warn\",\"logger\":\"tollgate\",\"message\":\"stdout was too slow: " + lost
                            + " log lines were dropped\"}\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // stdout is gone (closed pipe): nothing left to tell; keep draining so callers never block.
            } finally {
                batch.clear();
                idle = queue.isEmpty();
            }
        }
    }
}
