package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.caller.CallerCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Everything known about one request while it is handled: who asked for what, the resolved
 * settings, the parsed body, what policies found, and what came back. Owned by one event loop.
 */
public final class Exchange {

    private String limitsScope;
    private final long startNanos = System.nanoTime();
    private final String method;
    private final Endpoint endpoint;
    private String requestId;
    private final boolean clientSentRequestId;
    private final String traceId;
    private String spanTraceId;
    private Settings settings;

    private ObjectNode body;
    private Buffer rawBody;          // a validated JSON object not yet parsed into a tree
    private ObjectNode requestFields; // its top-level scalars, read without a tree
    private boolean bodyModified;
    private boolean forwardedAsIs;
    private boolean stream;

    private final List<Finding> findings = new ArrayList<>(2);
    private Map<Object, Object> state;

    private int status;
    private String errorMessage;
    private JsonNode usage;
    private String responseId;
    private String responseModel;
    private long upstreamStartNanos;
    private long upstreamEndNanos;
    private long upstreamFirstChunkNanos;
    private long firstOutputNanos;
    private long inputTokens = -1;
    private long outputTokens = -1;
    private int attempts;
    private JsonNode loggedResponse;
    private ObjectNode localAnswer;
    private Function<Callable<Object>, Future<Object>> offloader = Exchange::inline;
    private Supplier<UpstreamApi> upstreamApi = () -> UpstreamApi.NONE;
    private Caller caller;
    private LongSupplier outputEstimate;
    private int upstreamStatus;
    private long costNanoUsd = -1;
    private String usageSource;
    private List<String> attempted;
    private CallerCodec callerCodec = CallerCodec.OPENAI;
    private JsonNode loggedRequest;

    public Exchange(String method, Endpoint endpoint, String requestId, boolean clientSentRequestId, String traceId, Settings settings) {
        this.method = method;
        this.endpoint = endpoint;
        this.requestId = requestId;
        this.clientSentRequestId = clientSentRequestId;
        this.traceId = traceId;
        this.settings = settings;
    }

    public String method() { return method; }
    public Endpoint endpoint() { return endpoint; }
    public String requestId() { return requestId; }
    public boolean clientSentRequestId() { return clientSentRequestId; }
    /** Adopts the upstream's id when the caller sent none, so the id the caller sees is the one logged. */
    public void requestId(String id) { this.requestId = id; }
    /** The caller's own trace label (x-tollgate-trace-id, x-usagepanda-trace-id), or null. */
    public String traceId() { return traceId; }
    /** The W3C trace id of this request's server span when tracing is on; null otherwise. */
    public String spanTraceId() { return spanTraceId; }
    public void spanTraceId(String id) { this.spanTraceId = id; }
    public Settings settings() { return settings; }
    public void settings(Settings s) { this.settings = s; }
    public long startNanos() { return startNanos; }

    /**
     * The JSON request body, or null when the request has none (or it is not JSON). When the
     * request was only scanned (no policy needed a tree), the tree is built on first use.
     */
    public ObjectNode body() {
        if (body == null && rawBody != null) {
            try {
                body = (ObjectNode) Json.parse(rawBody);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("a validated body failed to parse", e);
            }
            rawBody = null;
        }
        return body;
    }

    public void body(ObjectNode body) { this.body = body; }

    /** A JSON object body that was validated but not parsed, with its top-level scalar fields. */
    public void scannedBody(Buffer raw, ObjectNode topLevelScalars) {
        this.rawBody = raw;
        this.requestFields = topLevelScalars;
    }

    /** The JSON body as received while it is not parsed yet (null once it is, or without one): for cheap byte checks. */
    public Buffer rawBody() { return rawBody; }

    /** Whether the request has a JSON object body (parsed or not). */
    public boolean hasJsonBody() { return body != null || rawBody != null; }

    /** A top-level scalar of the request body (model, stream, temperature, ...), without parsing it whole. */
    public JsonNode requestField(String name) {
        if (body == null && requestFields != null) return requestFields.get(name);
        ObjectNode b = body();
        return b == null ? null : b.get(name);
    }
    public boolean bodyModified() { return bodyModified; }

    /** The body is not JSON on the wire (an upload's form fields): it is forwarded as received. */
    public boolean bodyForwardedAsIs() { return forwardedAsIs; }
    public void markBodyForwardedAsIs() { this.forwardedAsIs = true; }
    public void markBodyModified() { this.bodyModified = true; }

    /** The request asked for a server-sent event stream. */
    public boolean stream() { return stream; }
    public void stream(boolean s) { this.stream = s; }

    /** The model the caller named, or null. */
    public String model() {
        JsonNode m = modelNode();
        return m != null && m.isTextual() ? m.textValue() : null;
    }

    /**
     * The request's model field as sent (any JSON type), where the endpoint names it: top-level
     * {@code model} for most, nested for some ({@code session.model}); null when absent or JSON null.
     */
    public JsonNode modelNode() {
        String pointer = endpoint.route().modelPointer();
        JsonNode m;
        if (pointer == null || pointer.equals("/model")) {
            m = requestField("model");
        } else {
            ObjectNode b = body();
            m = b == null ? null : b.at(pointer);
        }
        return m == null || m.isNull() || m.isMissingNode() ? null : m;
    }

    public List<Finding> findings() { return findings; }
    public void addFindings(List<Finding> f) { if (!f.isEmpty()) findings.addAll(f); }
    public void addFinding(Finding f) { findings.add(f); }

    /** Per-request state of one policy, created on first use. */
    @SuppressWarnings("unchecked")
    public <T> T state(Object owner, Supplier<T> create) {
        if (state == null) state = new IdentityHashMap<>(4);
        return (T) state.computeIfAbsent(owner, k -> create.get());
    }

    public int status() { return status; }
    public void status(int s) { this.status = s; }
    public String errorMessage() { return errorMessage; }
    public void errorMessage(String m) { this.errorMessage = m; }

    public JsonNode usage() { return usage; }
    public void usage(JsonNode u) { this.usage = u; }
    public String responseId() { return responseId; }
    public String responseModel() { return responseModel; }
    public void responseIdentity(String id, String model) {
        if (responseId == null) responseId = id;
        if (responseModel == null) responseModel = model;
    }

    public void upstreamStarted() { if (upstreamStartNanos == 0) upstreamStartNanos = System.nanoTime(); attempts++; }
    public void upstreamEnded() { upstreamEndNanos = System.nanoTime(); }
    public long upstreamStartNanos() { return upstreamStartNanos; }
    public long upstreamEndNanos() { return upstreamEndNanos; }
    public int attempts() { return attempts; }

    /** A streamed answer's first bytes from the upstream arrived now (the first call only counts). */
    public void upstreamFirstChunk() { if (upstreamFirstChunkNanos == 0) upstreamFirstChunkNanos = System.nanoTime(); }
    public long upstreamFirstChunkNanos() { return upstreamFirstChunkNanos; }
    /** A streamed answer's first event left for the caller now (the first call only counts). */
    public void firstOutput() { if (firstOutputNanos == 0) firstOutputNanos = System.nanoTime(); }
    public long firstOutputNanos() { return firstOutputNanos; }

    /**
     * Runs CPU-heavy work (tokenizing or scanning a large prompt) off the event loop, on the
     * worker pool; the future completes back on the event loop.
     */
    @SuppressWarnings("unchecked")
    public <T> Future<T> offload(Callable<T> work) {
        return (Future<T>) offloader.apply((Callable<Object>) work);
    }

    public void offloader(Function<Callable<Object>, Future<Object>> offloader) {
        this.offloader = offloader;
    }

    private static Future<Object> inline(Callable<Object> work) {
        try {
            return Future.succeededFuture(work.call());
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
    }

    /** Side calls to the upstream on this request's behalf (moderation). */
    public UpstreamApi upstreamApi() { return upstreamApi.get(); }
    /** Made only when a policy asks: most requests make no side call. */
    public void upstreamApi(Supplier<UpstreamApi> api) { this.upstreamApi = api; }

    /** An answer a policy gave in place of the upstream's (auto-reply), or null. */
    public ObjectNode localAnswer() { return localAnswer; }
    public void localAnswer(ObjectNode answer) { this.localAnswer = answer; }

    /** The authenticated caller (key mode), or null. */
    public Caller caller() { return caller; }
    public void caller(Caller c) { this.caller = c; }

    /**
     * The gateway's count of the answer's output tokens, for when the upstream sent no usage (set
     * by usage accounting; asked only then); null when nothing was counted.
     */
    public LongSupplier outputEstimate() { return outputEstimate; }
    public void outputEstimate(LongSupplier estimate) { this.outputEstimate = estimate; }

    /** The status the upstream answered with (its head arrived), or 0 when it gave none. */
    public int upstreamStatus() { return upstreamStatus; }
    public void upstreamStatus(int s) { this.upstreamStatus = s; }

    /** "local" when its limits were counted in this replica alone (the shared store was unreachable); null otherwise. */
    public String limitsScope() { return limitsScope; }
    public void limitsScope(String scope) { this.limitsScope = scope; }

    /** The request's cost in nano-dollars (-1 when not priced) and where its token counts came from. */
    public long costNanoUsd() { return costNanoUsd; }
    public String usageSource() { return usageSource; }
    public void accounted(long costNanoUsd, String usageSource, long inputTokens, long outputTokens) {
        this.costNanoUsd = costNanoUsd;
        this.usageSource = usageSource;
        this.inputTokens = inputTokens;
        this.outputTokens = outputTokens;
    }

    /** The tokens the request was charged (the upstream's count or the gateway's estimate); -1 when none were counted. */
    public long inputTokens() { return inputTokens; }
    public long outputTokens() { return outputTokens; }

    /** The caller's API: how its request was read and how answers go back to it. */
    public CallerCodec callerCodec() { return callerCodec; }
    public void callerCodec(CallerCodec c) { this.callerCodec = c; }

    /** Records a deployment tried and how it went ("200", "503", "timeout", "cooling down"); the last one served. */
    public void attempt(String deploymentId, String outcome) {
        if (attempted == null) attempted = new ArrayList<>(2);
        attempted.add(deploymentId + " " + outcome);
    }

    /** The deployments tried, in order, with their outcome; empty on the plain pass-through path. */
    public List<String> attempted() {
        return attempted == null ? List.of() : attempted;
    }

    /** The request body to write into the log line, when a policy asks for it (POLICY_LOG_REQUEST); else null. */
    public JsonNode loggedRequest() { return loggedRequest; }
    public void loggedRequest(JsonNode r) { this.loggedRequest = r; }

    /** The answer to write into the log line (its body or streamed text), when a policy asks for it; else null. */
    public JsonNode loggedResponse() { return loggedResponse; }
    public void loggedResponse(JsonNode r) { this.loggedResponse = r; }
}
