import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for an OpenTelemetry collector's OTLP/HTTP traces endpoint, for the traced benchmark
 * target: accepts POST /v1/traces (protobuf), answers 200 with an empty export response, and
 * counts the export requests, their bytes and the spans in them (read off the protobuf wire format:
 * ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2)).
 * GET /stats prints "exports=N bytes=N spans=N".
 *
 * Run: java -cp target/tollgate.jar bench/OtlpSink.java PORT
 */
public final class OtlpSink {

    static final AtomicLong EXPORTS = new AtomicLong();
    static final AtomicLong BYTES = new AtomicLong();
    static final AtomicLong SPANS = new AtomicLong();

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Vertx vertx = Vertx.vertx();
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)).requestHandler(req -> {
            if (req.path().equals("/stats")) {
                req.response().end("exports=" + EXPORTS.get() + " bytes=" + BYTES.get() + " spans=" + SPANS.get() + "\n");
                return;
            }
            req.body().onSuccess(body -> {
                EXPORTS.incrementAndGet();
                BYTES.addAndGet(body.length());
                byte[] b = body.getBytes();
                SPANS.addAndGet(count(b, 0, b.length, 0));
                req.response().putHeader("Content-Type", "application/x-protobuf").end(Buffer.buffer());
            });
        }).listen().onFailure(e -> {
            System.err.println("otlp sink: " + e.getMessage());
            System.exit(1);
        });
    }

    /** Spans in a message at nesting depth 0 (request), 1 (resource spans), 2 (scope spans). */
    static long count(byte[] b, int from, int to, int depth) {
        long spans = 0;
        int[] pos = {from};
        while (pos[0] < to) {
            long key = varint(b, pos);
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            switch (wire) {
                case 0 -> varint(b, pos);
                case 1 -> pos[0] += 8;
                case 5 -> pos[0] += 4;
                case 2 -> {
                    int len = (int) varint(b, pos);
                    int start = pos[0];
                    if (depth == 0 && field == 1) spans += count(b, start, start + len, 1);
                    else if (depth == 1 && field == 2) spans += count(b, start, start + len, 2);
                    else if (depth == 2 && field == 2) spans++;
                    pos[0] = start + len;
                }
                default -> { return spans; } // groups are not used by OTLP
            }
        }
        return spans;
    }

    static long varint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) break;
        }
        return v;
    }
}
