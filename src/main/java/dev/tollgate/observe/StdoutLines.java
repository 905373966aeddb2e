package dev.tollgate.observe;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Every log line Tollgate writes goes to stdout through this one writer thread. Callers (event
 * loops) only enqueue, never wait and never wake the writer (a wake-up is a system call per line):
 * the writer naps while the queue is empty (1 ms while busy, backing off to 20 ms when idle) and
 * writes whatever has queued up with one system call. If stdout stalls long enough to fill the queue (65,536 lines), new lines are
 * dropped and counted rather than stalling requests; the count is reported once output flows.
 * One writer also means a request line and an application line never interleave.
 */
public final class StdoutLines {

    private static final int CAPACITY = 65_536;
    private static final StdoutLines INSTANCE = new StdoutLines(new FileOutputStream(FileDescriptor.out));

    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    private final Thread writer;

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
        if (queued.incrementAndGet() > CAPACITY) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        queue.offer(line);
    }

    /** Waits until everything queued so far is written (at shutdown), at most the given time. */
    public void flush(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (queued.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run() {
        long napNanos = MIN_NAP_NANOS;
        while (true) {
            String line = queue.poll();
            if (line == null) {
                LockSupport.parkNanos(napNanos);
                napNanos = Math.min(MAX_NAP_NANOS, napNanos * 2);
                if (Thread.interrupted()) return;
                continue;
            }
            napNanos = MIN_NAP_NANOS;
            int n = 0;
            try {
                do {
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                    n++;
                } while (n < 4096 && (line = queue.poll()) != null);
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    out.write(("{\"level\":\"warn\",\"logger\":\"tollgate\",\"message\":\"stdout was too slow: " + lost
                            + " log lines were dropped\"}\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            } catch (IOException e) {
                // stdout is gone (closed pipe): nothing left to tell; keep draining so callers never block.
            } finally {
                queued.addAndGet(-n); // only now written and flushed: what flush() waits for
            }
        }
    }

    private static final long MIN_NAP_NANOS = 1_000_000;
    private static final long MAX_NAP_NANOS = 20_000_000;
}
