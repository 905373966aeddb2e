package dev.tollgate.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LedgerSpoolTest {

    @TempDir
    Path dir;

    static LedgerRow row(int i) {
        return new LedgerRow("lr_" + i, 1_000L + i, "req_" + i, "key_a", "ann", null, "gpt-4o-mini", "/v1/chat/completions", 200,
                10 + i, 0, 0, 5, 0, 1_500L * i, "upstream", true);
    }

    @Test
    void rowsComeBackInOrderAcrossAppendsAndInstances() throws Exception {
        LedgerSpool spool = new LedgerSpool(dir.resolve("spool/ledger.jsonl"));
        spool.append(List.of(row(1), row(2)));
        spool.append(List.of(row(3)));
        assertThat(spool.size()).isEqualTo(3);
        LedgerSpool reopened = new LedgerSpool(dir.resolve("spool/ledger.jsonl"));
        assertThat(reopened.size()).isEqualTo(3);
        assertThat(reopened.read()).containsExactly(row(1), row(2), row(3));
        reopened.clear();
        assertThat(reopened.read()).isEmpty();
        assertThat(reopened.size()).isZero();
        assertThat(Files.exists(dir.resolve("spool/ledger.jsonl"))).isFalse();
    }

    @Test
    void aLastLineCutShortByACrashIsSkippedButADamagedMiddleLineIsAnError() throws Exception {
        Path file = dir.resolve("ledger.jsonl");
        LedgerSpool spool = new LedgerSpool(file);
        spool.append(List.of(row(1), row(2)));
        Files.writeString(file, "{\"ts\":1003,\"requestId\":\"req_", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertThat(new LedgerSpool(file).read()).containsExactly(row(1), row(2));

        Files.writeString(file, "{\"broken\n" + Files.readString(file));
        assertThatThrownBy(() -> new LedgerSpool(file).read()).hasMessageContaining("line 1 is not a ledger row");
    }
}
