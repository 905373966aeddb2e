package dev.tollgate.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

class LabelCapTest {

    @Test
    void keepsTheFirstValuesThenSaysOther() {
        LabelCap cap = new LabelCap(2);
        assertThat(cap.of("gpt-4o")).isEqualTo("gpt-4o");
        assertThat(cap.of("gpt-4.1")).isEqualTo("gpt-4.1");
        assertThat(cap.of("gpt-5")).isEqualTo("other");
        assertThat(cap.of("anything-else")).isEqualTo("other");
        assertThat(cap.of("gpt-4o")).as("a kept value stays itself").isEqualTo("gpt-4o");
        assertThat(cap.size()).isEqualTo(2);
    }

    @Test
    void returnsOneSharedInstancePerValue() {
        LabelCap cap = new LabelCap(10);
        String first = cap.of(new String("gpt-4o"));
        assertThat(cap.of(new String("gpt-4o"))).isSameAs(first);
    }

    @Test
    void clipsLongValuesAndCountsTheClippedOnce() {
        LabelCap cap = new LabelCap(2);
        String longName = "m".repeat(300);
        String clipped = cap.of(longName);
        assertThat(clipped).hasSize(LabelCap.MAX_LENGTH).isEqualTo("m".repeat(100));
        assertThat(cap.of(longName + "x")).as("same first 100 characters: the same value").isSameAs(clipped);
        assertThat(cap.size()).isEqualTo(1);
    }

    @Test
    void neverKeepsMoreThanTheCapUnderConcurrency() throws Exception {
        LabelCap cap = new LabelCap(50);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int offset = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1000; i++) seen.add(cap.of("model-" + ((i * 7 + offset) % 200)));
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) th.join();
        assertThat(cap.size()).isEqualTo(50);
        assertThat(seen).hasSize(51).contains("other");
    }
}
