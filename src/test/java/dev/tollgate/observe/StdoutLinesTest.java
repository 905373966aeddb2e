package dev.tollgate.observe;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StdoutLinesTest {

    @Test
    void everyLineIsWrittenInOrderAndFlushWaitsForThem() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StdoutLines lines = new StdoutLines(sink);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            String line = "{\"n\":" + i + ",\"text\":\"é ✓\"}";
            expected.add(line);
            lines.offer(line);
        }
        lines.flush(10_000);
        String written;
        synchronized (sink) {
            written = sink.toString(StandardCharsets.UTF_8);
        }
        assertThat(written.split("\n")).containsExactlyElementsOf(expected);
    }

    @Test
    void linesOfferedFromManyThreadsAreAllWrittenWhole() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StdoutLines lines = new StdoutLines(sink);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 5_000; i++) lines.offer("thread-" + id + "-line-" + i);
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        lines.flush(10_000);
        String[] written = sink.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(written).hasSize(20_000).allMatch(l -> l.matches("thread-[0-3]-line-\\d+"));
    }
}
