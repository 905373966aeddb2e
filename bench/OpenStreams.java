import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Memory-per-open-stream scenario for bench/streams.sh: opens COUNT streamed chat requests to URL
 * (each on its own connection, at most 200 being opened at a time), waits until every one has
 * received its first event, prints "OPENED count=... failed=... open_ms=...", holds them all open
 * for HOLD_SECONDS (the upstream is slow: nothing more arrives), then closes them and exits.
 *
 * Run: java -cp target/tollgate.jar bench/OpenStreams.java URL COUNT HOLD_SECONDS
 */
public final class OpenStreams {

    static final String BODY = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count from 0 to 19.\"}]}";

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int count = Integer.parseInt(args[1]);
        long holdSeconds = Long.parseLong(args[2]);
        Vertx vertx = Vertx.vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(10_000),
                new PoolOptions().setHttp1MaxSize(count + 10).setMaxWaitQueueSize(-1));
        CountDownLatch firstEvents = new CountDownLatch(count);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger started = new AtomicInteger();
        long t0 = System.nanoTime();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.getAndIncrement() >= count) return;
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost()).setPort(uri.getPort())
                    .setURI(uri.getRawPath()).putHeader("content-type", "application/json")
                    .putHeader("authorization", "Bearer sk-bench");
            boolean[] seen = new boolean[1];
            Runnable first = () -> {
                if (seen[0]) return;
                seen[0] = true;
                firstEvents.countDown();
                vertx.runOnContext(v -> next[0].run());
            };
            client.request(o).compose(r -> r.send(Buffer.buffer(BODY))).onComplete(ar -> {
                if (ar.failed() || ar.result().statusCode() != 200) {
                    failed.incrementAndGet();
                    first.run();
                    return;
                }
                ar.result().handler(b -> first.run());
                ar.result().exceptionHandler(e -> first.run());
                ar.result().endHandler(v -> first.run());
            });
        };
        vertx.runOnContext(v -> {
            for (int i = 0; i < Math.min(200, count); i++) next[0].run();
        });
        boolean all = firstEvents.await(120, TimeUnit.SECONDS);
        System.out.printf("OPENED count=%d failed=%d complete=%s open_ms=%d%n", count, failed.get(), all,
                (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();
        Thread.sleep(holdSeconds * 1000);
        client.close().await(10, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
        System.exit(0);
    }
}
