package dev.tollgate.hybrid;

import dev.tollgate.store.LedgerRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The data plane's usage spool: order, acknowledgement, restarts, a torn last line, compaction, one owner. */
class UsageSpoolTest {

    @TempDir
    Path dir;

    static LedgerRow row(int i) {
        return new LedgerRow(String.format("lr_%024x", i), 1_795_521_600_000L + i, "req_" + i, "key_1", "ann", "lab", "gpt-4o-mini",
                "/v1/chat/completions", 200, 3, 0, 0, 1, 0, 1_500, "upstream", true, 12L, null, null, i % 2 == 0 ? "hi " + i : null, null);
    }

    static List<LedgerRow> rows(int from, int to) {
        List<LedgerRow> out = new ArrayList<>();
        for (int i = from; i < to; i++) out.add(row(i));
        return out;
    }

    @Test
    void rowsComeOutInOrderAndLeaveOnlyWhenAcknowledged() throws IOException {
        try (UsageSpool s = UsageSpool.open(dir)) {
            s.append(rows(0, 5));
            s.append(rows(5, 8));
            assertThat(s.size()).isEqualTo(8);
            UsageSpool.Batch first = s.peek(3, 1 << 20);
            assertThat(first.rows()).isEqualTo(rows(0, 3));
            assertThat(s.peek(3, 1 << 20).rows()).as("peeking again, nothing acknowledged").isEqualTo(rows(0, 3));
            s.acknowledge(first);
            assertThat(s.size()).isEqualTo(5);
            UsageSpool.Batch rest = s.peek(100, 1 << 20);
            assertThat(rest.rows()).isEqualTo(rows(3, 8));
            s.acknowledge(first); // a stale acknowledgement moves nothing
            assertThat(s.size()).isEqualTo(5);
            s.acknowledge(rest);
            assertThat(s.size()).isZero();
            assertThat(s.peek(100, 1 << 20).rows()).isEmpty();
            assertThat(dir.resolve(UsageSpool.NAME)).doesNotExist();
            assertThat(dir.resolve(UsageSpool.SENT)).doesNotExist();
        }
    }

    @Test
    void aBatchIsCutByBytesButHoldsAtLeastOneRow() throws IOException {
        try (UsageSpool s = UsageSpool.open(dir)) {
            s.append(rows(0, 10));
            assertThat(s.peek(100, 10).rows()).isEqualTo(rows(0, 1));
            int oneRow = dev.tollgate.json.Json.MAPPER.writeValueAsString(row(0)).length() + 1;
            assertThat(s.peek(100, oneRow * 3 + 5).rows()).isEqualTo(rows(0, 3));
        }
    }

    @Test
    void aRestartSendsFromWhereTheControlPlaneAcknowledged() throws IOException {
        try (UsageSpool s = UsageSpool.open(dir)) {
            s.append(rows(0, 6));
            s.acknowledge(s.peek(2, 1 << 20));
            s.peek(2, 1 << 20); // sent, but the process died before the answer: not acknowledged
        }
        assertThat(Files.readString(dir.resolve(UsageSpool.SENT)).trim()).isEqualTo(String.valueOf(
                Files.readAllLines(dir.resolve(UsageSpool.NAME)).stream().limit(2).mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length + 1).sum()));
        try (UsageSpool s = UsageSpool.open(dir)) {
            assertThat(s.size()).isEqualTo(4);
            assertThat(s.peek(100, 1 << 20).rows()).isEqualTo(rows(2, 6));
            s.append(rows(6, 7));
            assertThat(s.peek(100, 1 << 20).rows()).isEqualTo(rows(2, 7));
        }
    }

    @Test
    void aLastLineCutShortByACrashIsDroppedAndAppendsContinueCleanly() throws IOException {
        try (UsageSpool s = UsageSpool.open(dir)) {
            s.append(rows(0, 3));
        }
        Files.writeString(dir.resolve(UsageSpool.NAME), "{\"rowId\":\"lr_00", StandardOpenOption.APPEND);
        try (UsageSpool s = UsageSpool.open(dir)) {
            assertThat(s.size()).isEqualTo(3);
            s.append(rows(3, 4));
            assertThat(s.peek(100, 1 << 20).rows()).isEqualTo(rows(0, 4));
        }
        try (UsageSpool s = UsageSpool.open(dir)) {
            assertThat(s.peek(100, 1 << 20).rows()).isEqualTo(rows(0, 4));
        }
    }

    @Test
    void aLongAcknowledgedHeadIsCutOffTheFile() throws IOException {
        try (UsageSpool s = UsageSpool.open(dir)) {
            s.compactAt = 1_000;
            s.append(rows(0, 20));
            long before = Files.size(dir.resolve(UsageSpool.NAME));
            s.acknowledge(s.peek(8, 1 << 20));
            assertThat(Files.size(dir.resolve(UsageSpool.NAME))).isLessThan(before);
            assertThat(Files.readString(dir.resolve(UsageSpool.SENT)).trim()).isEqualTo("0");
            assertThat(s.size()).isEqualTo(12);
            assertThat(s.peek(100, 1 << 20).rows()).isEqualTo(rows(8, 20));
            s.append(rows(20, 21));
        }
        try (UsageSpool s = UsageSpool.open(dir)) {
            assertThat(s.peek(100, 1 << 20).rows()).isEqualTo(rows(8, 21));
        }
    }

    @Test
    void anOffsetThatDoesNotFitItsSpoolIsDroppedAndEverythingSentAgain() throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(UsageSpool.SENT), "5000\n");
        try (UsageSpool s = UsageSpool.open(dir)) { // no spool: the offset is stale
            assertThat(dir.resolve(UsageSpool.SENT)).doesNotExist();
            s.append(rows(0, 40));
        }
        try (UsageSpool s = UsageSpool.open(dir)) {
            assertThat(s.peek(100, 1 << 20).rows()).isEqualTo(rows(0, 40));
        }
        Files.writeString(dir.resolve(UsageSpool.SENT), "999999\n");
        try (UsageSpool s = UsageSpool.open(dir)) { // past the end of the spool
            assertThat(s.size()).isEqualTo(40);
            assertThat(dir.resolve(UsageSpool.SENT)).doesNotExist();
        }
    }

    @Test
    void oneDataPlaneAtATimeOwnsTheDirectory() throws IOException {
        try (UsageSpool s = UsageSpool.open(dir)) {
            assertThatThrownBy(() -> UsageSpool.open(dir)).isInstanceOf(IOException.class)
                    .hasMessage("the data directory " + dir.toAbsolutePath() + " is in use by another running data plane "
                            + "(its usage spool is locked): give each data plane its own TOLLGATE_DATA_DIR");
        }
        UsageSpool.open(dir).close();
    }
}
