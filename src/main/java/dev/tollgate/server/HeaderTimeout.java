package dev.tollgate.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.concurrent.TimeUnit;

/**
 * Closes connections that send nothing for the header timeout while no request is in flight:
 * a client stalled inside its request headers, or an idle keep-alive connection.
 *
 * Vert.x offers no header timeout, and tells the application about a connection only once its
 * first request has been parsed. So the server's idle timeout guards a connection until its first
 * request (Vert.x installs it as the pipeline's "idle" handler); at that first request this class
 * puts its own handler in that place, which from then on only counts while no request is in
 * flight: a long silent upstream call must not cut the caller off, and the gateway's own deadlines
 * guard bodies and upstreams. Per request this costs two field writes. It touches Vert.x internals
 * (the pipeline's handler names); HeaderTimeoutTest pins the behaviour.
 */
final class HeaderTimeout {

    private static final String IDLE = "idle";
    private static final AttributeKey<Guard> GUARD = AttributeKey.valueOf("tollgate.headerTimeout");

    private final long timeoutMs;

    HeaderTimeout(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    void requestStarted(HttpConnection conn) {
        Guard g = guard(conn);
        if (g != null) g.inFlight++;
    }

    void requestEnded(HttpConnection conn) {
        Guard g = guard(conn);
        if (g != null && g.inFlight > 0 && --g.inFlight == 0) g.lastActivity = System.nanoTime();
    }

    private Guard guard(HttpConnection conn) {
        if (!(conn instanceof ConnectionBase base)) return null;
        Channel ch = base.channel();
        Guard g = ch.attr(GUARD).get();
        if (g != null) return g;
        g = new Guard(timeoutMs);
        ch.attr(GUARD).set(g);
        ChannelPipeline p = ch.pipeline();
        if (p.get(IDLE) != null) p.replace(IDLE, IDLE, g);
        return g;
    }

    /** One per connection, on its event loop: closes it after the timeout with nothing in flight and nothing read. */
    private static final class Guard extends ChannelDuplexHandler {
        private final long timeoutNanos;
        int inFlight;
        long lastActivity = System.nanoTime();
        private ScheduledFuture<?> check;

        Guard(long timeoutMs) {
            this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            schedule(ctx, timeoutNanos);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (check != null) check.cancel(false);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            lastActivity = System.nanoTime();
            super.channelRead(ctx, msg);
        }

        private void schedule(ChannelHandlerContext ctx, long delayNanos) {
            check = ctx.executor().schedule(() -> {
                if (!ctx.channel().isActive()) return;
                long idle = System.nanoTime() - lastActivity;
                if (inFlight == 0 && idle >= timeoutNanos) {
                    ctx.close();
                } else {
                    schedule(ctx, inFlight == 0 ? timeoutNanos - idle : timeoutNanos);
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        }
    }
}
