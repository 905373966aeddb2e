package dev.tollgate.hybrid;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotEndpointTest {

    static final String V = "a".repeat(64);

    @Test
    void waitIsWholeSecondsUpToSixty() {
        assertThat(SnapshotEndpoint.waitSeconds(null)).isZero();
        assertThat(SnapshotEndpoint.waitSeconds("")).isZero();
        assertThat(SnapshotEndpoint.waitSeconds("60")).isEqualTo(60);
        for (String bad : new String[] {"61", "-1", "1.5", "x"}) {
            assertThatThrownBy(() -> SnapshotEndpoint.waitSeconds(bad)).hasMessage("wait: expected whole seconds from 0 to 60");
        }
    }

    @Test
    void anEtagIsReadStrongOrWeak() {
        assertThat(SnapshotEndpoint.etagValue("\"" + V + "\"")).isEqualTo(V);
        assertThat(SnapshotEndpoint.etagValue("W/\"" + V + "\"")).isEqualTo(V);
        assertThat(SnapshotEndpoint.etagValue("*")).isNull();
        assertThat(SnapshotEndpoint.etagValue(null)).isNull();
    }
}
