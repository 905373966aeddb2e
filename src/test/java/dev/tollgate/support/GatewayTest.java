package dev.tollgate.support;

import org.junit.jupiter.api.AfterEach;

import java.util.Map;

/** Base for tests of a real gateway in front of a real fake upstream; both are stopped after each test. */
public abstract class GatewayTest {

    protected final FakeUpstream upstream = new FakeUpstream();
    protected TestGateway gateway;

    /** Starts the gateway with these keys (as environment variables), pointed at {@link #upstream}. */
    protected TestGateway start(Map<String, String> keys) {
        if (gateway != null) gateway.close();
        gateway = TestGateway.start(upstream, keys);
        return gateway;
    }

    @AfterEach
    void stopGatewayAndUpstream() {
        if (gateway != null) gateway.close();
        upstream.close();
    }
}
