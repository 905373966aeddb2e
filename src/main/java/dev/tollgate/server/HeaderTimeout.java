package dev.tollgate.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.concurrent.TimeUnit;

/**
 * Closes connections that send nothing for the header timeout while no request is in flight:
 * a client that stalls inside its request headers, or an idle keep-alive connection.
 *
 * Vert.x offers no header timeout, and tells the application about a connection only once its
 * first request has been parsed, so this uses the server's idle timeout, which Vert.x installs
 * in each connection's Netty pipeline as the "idle" handler. While a request is in flight the
 * handler is lifted (the gateway's own deadlines then guard the body and the upstream, and a
 * long silent upstream call must not cut the caller off); when the response ends it is put back.
 * This touches Vert.x internals (the pipeline's handler names); HeaderTimeout tests pin it.
 */
final class HeaderTimeout {

    private static final String IDLE = "idle";
    private static final String VERTX_HANDLER = "handler";
    private static final AttributeKey<int[]> IN_FLIGHT = AttributeKey.valueOf("tollgate.inFlight");

    private final long timeoutMs;

    HeaderTimeout(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    void requestStarted(HttpConnection conn) {
        Channel ch = channel(conn);
        if (ch == null) return;
        int[] n = ch.attr(IN_FLIGHT).get();
        if (n == null) ch.attr(IN_FLIGHT).set(n = new int[1]);
        if (n[0]++ == 0) {
            ChannelPipeline p = ch.pipeline();
            if (p.get(IDLE) != null) p.remove(IDLE);
        }
    }

    void requestEnded(HttpConnection conn) {
        Channel ch = channel(conn);
        if (ch == null || !ch.isActive()) return;
        int[] n = ch.attr(IN_FLIGHT).get();
        if (n == null || --n[0] > 0) return;
        n[0] = 0;
        ChannelPipeline p = ch.pipeline();
        if (p.get(IDLE) == null && p.get(VERTX_HANDLER) != null) {
            p.addBefore(VERTX_HANDLER, IDLE, new IdleStateHandler(0, 0, timeoutMs, TimeUnit.MILLISECONDS));
        }
    }

    private static Channel channel(HttpConnection conn) {
        return conn instanceof ConnectionBase base ? base.channel() : null;
    }
}
