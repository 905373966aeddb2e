import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Streaming probe for bench/run.sh. Sends "stream":true chat requests and checks each stream is
 * intact: 20 content chunks "tok-0 ".."tok-19 " in order, a usage-only chunk exactly when the
 * caller asked for include_usage (the gateway asks upstream for usage anyway and must hide it
 * otherwise), "data: [DONE]" last, nothing after it.
 *
 *   phase "load": LOAD_COUNT streams through the gateway, CONCURRENCY at a time (also JIT warm-up);
 *   phase "seq":  COUNT pairs one at a time, direct then gateway, timing the first event.
 *
 * A phase with a count of 0 is skipped. Prints "STREAM ..." lines for run.sh; exits 1 if any
 * stream was broken.
 *
 * Run: java -cp target/tollgate.jar bench/StreamProbe.java GATEWAY_URL DIRECT_URL [COUNT] [CONCURRENCY] [LOAD_COUNT]
 * (URLs of the chat completions endpoint, e.g. http://127.0.0.1:9000/v1/chat/completions)
 */
public final class StreamProbe {

    static final int CONTENT_CHUNKS = 20;
    static final ObjectMapper JSON = new ObjectMapper();
    // HTTP/1.1 explicitly: the default would try an h2c upgrade, which is not what is measured.
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** What one stream looked like. */
    record Result(String error, long firstEventNanos, long totalNanos) {
        boolean ok() { return error == null; }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: StreamProbe GATEWAY_URL DIRECT_URL [COUNT] [CONCURRENCY] [LOAD_COUNT]");
            System.exit(2);
        }
        URI gateway = URI.create(args[0]);
        URI direct = URI.create(args[1]);
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int loadCount = args.length > 4 ? Integer.parseInt(args[4]) : count * 50;
        List<String> errors = new ArrayList<>();

        if (loadCount > 0) loadPhase(gateway, loadCount, concurrency, errors);
        if (count > 0) sequentialPhase(gateway, direct, count, errors);

        for (String e : errors.subList(0, Math.min(10, errors.size()))) System.out.println("STREAM_ERROR " + e);
        if (errors.size() > 10) System.out.println("STREAM_ERROR ... and " + (errors.size() - 10) + " more");
        System.exit(errors.isEmpty() ? 0 : 1);
    }

    /** Many streams at once through the gateway: integrity under concurrency. */
    static void loadPhase(URI gateway, int loadCount, int concurrency, List<String> errors) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<Result>> pending = new ArrayList<>();
        for (int i = 0; i < loadCount; i++) {
            boolean usage = i % 2 == 1;
            pending.add(pool.submit(() -> stream(gateway, usage)));
        }
        int loadOk = 0;
        for (Future<Result> f : pending) {
            Result r = f.get(60, TimeUnit.SECONDS);
            if (r.ok()) loadOk++;
            else errors.add("load/gateway: " + r.error());
        }
        pool.shutdown();
        System.out.printf("STREAM phase=load streams=%d concurrency=%d intact=%d broken=%d%n",
                loadCount, concurrency, loadOk, loadCount - loadOk);
    }

    /** One stream at a time, alternating direct and gateway so drift affects both alike. */
    static void sequentialPhase(URI gateway, URI direct, int count, List<String> errors) {
        // Unmeasured pairs first: this JVM's own HTTP client is cold and would skew the first ones.
        for (int i = 0; i < 20; i++) {
            stream(direct, false);
            stream(gateway, false);
        }
        long[] ttfeDirect = new long[count], ttfeGateway = new long[count], totalGateway = new long[count];
        int directOk = 0, gatewayOk = 0, early = 0;
        for (int i = 0; i < count; i++) {
            boolean usage = i % 2 == 1;
            Result d = stream(direct, usage);
            Result g = stream(gateway, usage);
            if (d.ok()) directOk++; else errors.add("seq/direct: " + d.error());
            if (g.ok()) gatewayOk++; else errors.add("seq/gateway: " + g.error());
            ttfeDirect[i] = d.firstEventNanos();
            ttfeGateway[i] = g.firstEventNanos();
            totalGateway[i] = g.totalNanos();
            // Relayed incrementally: the first event must reach us well before the stream ends
            // (the upstream spends >= 19 ms between its first and last content chunk).
            if (g.ok() && g.totalNanos() - g.firstEventNanos() > 10_000_000L) early++;
        }
        long dp50 = pct(ttfeDirect, 50), dp99 = pct(ttfeDirect, 99);
        long gp50 = pct(ttfeGateway, 50), gp99 = pct(ttfeGateway, 99);
        System.out.printf("STREAM phase=seq streams=%d intact_direct=%d intact_gateway=%d first_event_before_end=%d "
                        + "ttfe_direct_p50_us=%d ttfe_direct_p99_us=%d ttfe_gateway_p50_us=%d ttfe_gateway_p99_us=%d "
                        + "added_p50_us=%d added_p99_us=%d stream_total_gateway_p50_us=%d%n",
                count, directOk, gatewayOk, early, us(dp50), us(dp99), us(gp50), us(gp99),
                us(gp50 - dp50), us(gp99 - dp99), us(pct(totalGateway, 50)));
    }

    /** One streamed request, read line by line as it arrives, then checked. */
    static Result stream(URI uri, boolean includeUsage) {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + (includeUsage ? "\"stream_options\":{\"include_usage\":true}," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Count from 0 to 19.\"}]}";
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer sk-bench")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long start = System.nanoTime();
        long first = -1;
        List<String> events = new ArrayList<>();
        try {
            HttpResponse<java.util.stream.Stream<String>> resp = CLIENT.send(req, HttpResponse.BodyHandlers.ofLines());
            String type = resp.headers().firstValue("content-type").orElse("");
            StringBuilder event = new StringBuilder();
            Iterator<String> lines = resp.body().iterator();
            while (lines.hasNext()) {
                String line = lines.next();
                if (!line.isEmpty()) {
                    if (event.length() > 0) event.append('\n');
                    event.append(line);
                    continue;
                }
                if (event.length() == 0) continue;
                if (first < 0) first = System.nanoTime() - start;
                events.add(event.toString());
                event.setLength(0);
            }
            long total = System.nanoTime() - start;
            if (resp.statusCode() != 200) return new Result("status " + resp.statusCode() + " " + clip(String.join(" | ", events)), first, total);
            if (!type.startsWith("text/event-stream")) return new Result("content-type " + type, first, total);
            if (event.length() > 0) return new Result("stream ended mid-event: " + clip(event.toString()), first, total);
            String problem = check(events, includeUsage);
            return new Result(problem, first, total);
        } catch (Exception e) {
            return new Result(e.getClass().getSimpleName() + ": " + e.getMessage() + " after " + events.size() + " events",
                    first, System.nanoTime() - start);
        }
    }

    /** Null when the events are exactly what the fake upstream sends (minus hidden usage). */
    static String check(List<String> events, boolean includeUsage) throws Exception {
        int content = 0, usage = 0;
        boolean done = false;
        for (String ev : events) {
            if (done) return "event after [DONE]: " + clip(ev);
            if (!ev.startsWith("data: ") || ev.contains("\n")) return "unexpected event: " + clip(ev);
            String data = ev.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode chunk = JSON.readTree(data);
            if (chunk.has("error")) return "error event: " + clip(data);
            if (!"chat.completion.chunk".equals(chunk.path("object").asText())) return "not a chunk: " + clip(data);
            JsonNode choices = chunk.path("choices");
            if (chunk.path("usage").isObject()) {
                if (choices.size() != 0) return "usage on a content chunk: " + clip(data);
                if (chunk.path("usage").path("total_tokens").asInt() <= 0) return "usage chunk without totals";
                usage++;
                continue;
            }
            if (usage > 0) return "content after the usage chunk";
            String expected = "tok-" + content + " ";
            String got = choices.path(0).path("delta").path("content").asText(null);
            if (!expected.equals(got)) return "chunk " + content + " out of order or changed: " + clip(data);
            content++;
        }
        if (!done) return "no data: [DONE] (" + events.size() + " events)";
        if (content != CONTENT_CHUNKS) return content + " content chunks, expected " + CONTENT_CHUNKS;
        int expectedUsage = includeUsage ? 1 : 0;
        if (usage != expectedUsage) return usage + " usage chunks, expected " + expectedUsage + " (include_usage=" + includeUsage + ")";
        return null;
    }

    /** Nearest-rank percentile. */
    static long pct(long[] values, double p) {
        long[] v = Arrays.stream(values).filter(x -> x >= 0).sorted().toArray();
        if (v.length == 0) return -1;
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    static long us(long nanos) {
        return Math.round(nanos / 1000.0);
    }

    static String clip(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "…" : s;
    }
}
