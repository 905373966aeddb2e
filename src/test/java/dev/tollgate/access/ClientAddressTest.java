package dev.tollgate.access;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientAddressTest {

    private final ClientAddress proxies = ClientAddress.of(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

    @Test
    void forwardedForCountsOnlyFromATrustedProxy() {
        assertThat(proxies.resolve("10.1.2.3", "203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(proxies.resolve("198.51.100.1", "203.0.113.9")).as("not a proxy: the header is anyone's").isEqualTo("198.51.100.1");
        assertThat(proxies.resolve("10.1.2.3", null)).isEqualTo("10.1.2.3");
        assertThat(ClientAddress.of(List.of()).resolve("10.1.2.3", "203.0.113.9")).isEqualTo("10.1.2.3");
    }

    @Test
    void theRightmostUntrustedHopIsTheClient() {
        // The client could have sent "1.1.1.1" itself; the proxies appended the rest.
        assertThat(proxies.resolve("10.0.0.1", "1.1.1.1, 203.0.113.9, 192.168.1.7, 10.9.9.9")).isEqualTo("203.0.113.9");
        assertThat(proxies.resolve("10.0.0.1", "10.2.2.2, 192.168.1.7")).as("all trusted").isEqualTo("10.0.0.1");
        assertThat(proxies.resolve("fd00::1", "2001:db8::5")).isEqualTo("2001:db8::5");
    }

    @Test
    void garbageInTheHeaderFallsBackToTheConnection() {
        assertThat(proxies.resolve("10.0.0.1", "evil.example.com")).isEqualTo("10.0.0.1");
        assertThat(proxies.resolve("10.0.0.1", "203.0.113.9, <script>")).isEqualTo("10.0.0.1");
        assertThat(proxies.resolve("10.0.0.1", "999.1.1.1")).isEqualTo("10.0.0.1");
    }

    @Test
    void badEntriesAreRefusedNamingThem() {
        assertThatThrownBy(() -> ClientAddress.of(List.of("proxy.internal")))
                .hasMessage("TOLLGATE_TRUSTED_PROXIES: 'proxy.internal' is not an IP address or CIDR network");
        assertThatThrownBy(() -> ClientAddress.of(List.of("10.0.0.0/33")))
                .hasMessage("TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/33' has an invalid prefix length");
    }
}
