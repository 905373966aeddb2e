// What recording the metrics costs per request, in CPU time of the recording thread, without the
// noise of a whole load test: the same exchanges are ended through the gateway's metrics on, then
// off, alternately, and the difference per request is printed.
//
//   java -cp target/tollgate.jar bench/MetricsCost.java [REQUESTS_PER_ROUND] [ROUNDS]
//
// Each request is a chat completion as the gateway ends it: a model from a small set, a response
// model, token counts and a cost, a finding on one in ten, streamed (first chunk and first output
// timed) on one in four, the open-stream gauge moved for those.
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.server.Gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Map;

public class MetricsCost {

    static final String[] MODELS = {"gpt-4o-mini", "gpt-4o", "gpt-4.1", "o4-mini"};
    static final Endpoint CHAT = Endpoint.of("/chat/completions");

    public static void main(String[] args) throws Exception {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Settings settings = new ConfigLoader(Gateway.catalog()).load(null, Map.of()).settings();
        GatewayMetrics on = GatewayMetrics.of(settings);
        GatewayMetrics off = GatewayMetrics.of(new ConfigLoader(Gateway.catalog()).load(null, Map.of("TOLLGATE_METRICS_ENABLED", "false")).settings());
        ObjectNode[] bodies = new ObjectNode[MODELS.length];
        for (int i = 0; i < MODELS.length; i++) bodies[i] = (ObjectNode) Json.parse("{\"model\":\"" + MODELS[i] + "\",\"messages\":[]}");
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();

        // Warm up both paths (JIT), then alternate: on, off, on, off...
        run(on, settings, bodies, perRound, cpu);
        run(off, settings, bodies, perRound, cpu);
        double[] onNs = new double[rounds];
        double[] offNs = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            onNs[r] = run(on, settings, bodies, perRound, cpu);
            offNs[r] = run(off, settings, bodies, perRound, cpu);
        }
        Arrays.sort(onNs);
        Arrays.sort(offNs);
        double onMed = onNs[rounds / 2];
        double offMed = offNs[rounds / 2];
        System.out.printf("METRICS requests_per_round=%d rounds=%d on_ns_per_req=%.0f off_ns_per_req=%.0f added_us_per_req=%.2f%n",
                perRound, rounds, onMed, offMed, (onMed - offMed) / 1000);
        // Two threads at once, as two event loops record into the same meters: contention included.
        double[] both = new double[2];
        for (int pass = 0; pass < 2; pass++) {
            GatewayMetrics m = pass == 0 ? on : off;
            double[] perThread = new double[2];
            Thread[] threads = new Thread[2];
            for (int t = 0; t < 2; t++) {
                int index = t;
                threads[t] = new Thread(() -> {
                    run(m, settings, bodies, perRound, cpu);
                    double best = Double.MAX_VALUE;
                    for (int r = 0; r < 3; r++) best = Math.min(best, run(m, settings, bodies, perRound, cpu));
                    perThread[index] = best;
                });
                threads[t].start();
            }
            for (Thread t : threads) t.join();
            both[pass] = (perThread[0] + perThread[1]) / 2;
        }
        System.out.printf("METRICS_2THREADS on_ns_per_req=%.0f off_ns_per_req=%.0f added_us_per_req=%.2f%n", both[0], both[1], (both[0] - both[1]) / 1000);
        String scrape = on.scrape();
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < 20; i++) scrape = on.scrape();
        System.out.printf("SCRAPE series=%d bytes=%d cpu_ms_per_scrape=%.2f%n", scrape.lines().filter(l -> !l.startsWith("#")).count(),
                scrape.length(), (cpu.getCurrentThreadCpuTime() - t0) / 20 / 1e6);
        on.close();
    }

    /** CPU nanoseconds per request of making and ending {@code n} exchanges. */
    static double run(GatewayMetrics metrics, Settings settings, ObjectNode[] bodies, int n, ThreadMXBean cpu) {
        long start = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            Exchange ex = new Exchange("POST", CHAT, "req_1", false, null, settings);
            ex.body(bodies[i & 3]);
            boolean stream = (i & 3) == 0;
            ex.status(200);
            ex.responseIdentity("c1", MODELS[i & 3] + "-2024-07-18");
            ex.accounted(75_000, "upstream", 120 + (i & 255), 40 + (i & 63));
            if (i % 10 == 0) ex.addFinding(new Finding("word-filter", "custom", "x", Finding.Action.AUDIT));
            long callStart = ex.startNanos();
            if (stream) {
                metrics.streamOpened();
                ex.upstreamFirstChunk();
                ex.firstOutput();
                metrics.streamClosed();
            }
            metrics.requestEnded(ex, "openai", callStart, null, System.nanoTime());
        }
        return (double) (cpu.getCurrentThreadCpuTime() - start) / n;
    }
}
