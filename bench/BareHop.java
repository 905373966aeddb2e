import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor for a Vert.x proxy: the least a hop in the gateway's stack can cost. Each request is
 * forwarded to the upstream (method, path, headers, body piped) over a keep-alive pool, and the
 * answer piped back (status, headers, body as it arrives). No parsing, no policies, no logging.
 * One verticle per event loop, like the gateway.
 *
 * Run: java -cp target/tollgate.jar bench/BareHop.java PORT UPSTREAM_PORT
 */
public final class BareHop {

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int upstreamPort = Integer.parseInt(args[1]);
        int loops = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
        vertx.deployVerticle(() -> new Hop(port, upstreamPort), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("bare hop listening on 127.0.0.1:" + port))
                .onFailure(e -> {
                    System.err.println("bare hop failed to start: " + e);
                    System.exit(1);
                });
    }

    static final class Hop extends VerticleBase {
        private final int port;
        private final int upstreamPort;
        private HttpClient client;

        Hop(int port, int upstreamPort) {
            this.port = port;
            this.upstreamPort = upstreamPort;
        }

        @Override
        public Future<?> start() {
            // Pool as large as the gateway's can be, so thousands of open streams each get a connection.
            client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize(8192).setMaxWaitQueueSize(-1));
            return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true).setStrictThreadMode(true))
                    .requestHandler(this::handle)
                    .listen();
        }

        private void handle(HttpServerRequest req) {
            req.pause();
            RequestOptions opts = new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(upstreamPort)
                    .setURI(req.uri());
            opts.setHeaders(req.headers().copy().remove("host").remove("connection"));
            client.request(opts)
                    .compose(up -> up.send(req))
                    .onSuccess(ans -> {
                        req.response().setStatusCode(ans.statusCode());
                        req.response().headers().addAll(ans.headers()).remove("connection").remove("transfer-encoding");
                        if (!ans.headers().contains("content-length")) req.response().setChunked(true);
                        ans.pipeTo(req.response());
                    })
                    .onFailure(e -> {
                        if (!req.response().headWritten()) req.response().setStatusCode(502).end();
                        else req.response().reset();
                    });
        }
    }
}
