package dev.tollgate.hybrid;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DataPlaneStatusTest {

    static final String V = "b".repeat(64);

    @Test
    void noSnapshotIsNotReady() {
        DataPlaneSync.Status s = DataPlaneSync.Status.of(null, -1, 60_000);
        assertThat(s.loaded()).isFalse();
        assertThat(s.toJson()).isEqualTo("{\"status\":\"not_ready\",\"snapshot\":\"none\"}");
    }

    @Test
    void aSnapshotIsFreshUntilTheRefreshPeriodAndAMarginHavePassed() {
        assertThat(DataPlaneSync.Status.of(V, 5_000, 60_000).toJson()).isEqualTo("{\"status\":\"ready\",\"snapshot\":\"fresh\","
                + "\"snapshot_version\":\"" + V + "\",\"snapshot_confirmed_seconds_ago\":5}");
        assertThat(DataPlaneSync.Status.of(V, 90_000, 60_000).stale()).isFalse();
        assertThat(DataPlaneSync.Status.of(V, 90_001, 60_000).stale()).isTrue();
        assertThat(DataPlaneSync.Status.of(V, 900_001, 600_000).stale()).isTrue();
        assertThat(DataPlaneSync.Status.of(V, 900_000, 600_000).stale()).isFalse();
    }

    @Test
    void aSnapshotNeverConfirmedSinceStartIsStale() {
        assertThat(DataPlaneSync.Status.of(V, -1, 60_000).toJson()).isEqualTo("{\"status\":\"degraded\",\"snapshot\":\"stale\","
                + "\"snapshot_version\":\"" + V + "\",\"snapshot_confirmed_seconds_ago\":null}");
    }
}
