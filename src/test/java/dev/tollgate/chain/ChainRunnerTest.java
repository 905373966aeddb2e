package dev.tollgate.chain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

class ChainRunnerTest {

    private final List<String> calls = new ArrayList<>();
    private Exchange ex;

    @BeforeEach
    void setUp() {
        ex = new Exchange("POST", Endpoint.of("/chat/completions"), "req_1", false, null, Settings.defaults());
        ObjectNode body = Json.object();
        body.put("model", "gpt-4o");
        ex.body(body);
    }

    /** A policy whose every phase records its call and then does what it was told (default: nothing). */
    private final class Fake implements Policy {
        final String id;
        boolean applies = true;
        Function<Exchange, Future<Verdict>> onRequest = e -> Verdict.PROCEED_FUTURE;
        BiFunction<Exchange, ObjectNode, Verdict> onResponse = (e, b) -> Verdict.proceed();
        BiFunction<Exchange, StreamChunk, ChunkAction> onChunk = (e, c) -> ChunkAction.EMIT;
        Function<Exchange, List<StreamChunk>> onStreamEnd = e -> List.of();
        Runnable onComplete = () -> { };
        final List<ObjectNode> bodiesSeen = new ArrayList<>();
        final List<StreamChunk> chunksSeen = new ArrayList<>();

        Fake(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public boolean appliesTo(Exchange e) {
            return applies;
        }

        @Override
        public Future<Verdict> onRequest(Exchange e) {
            calls.add(id + ":request");
            bodiesSeen.add(e.body());
            return onRequest.apply(e);
        }

        @Override
        public Verdict onResponse(Exchange e, ObjectNode body) {
            calls.add(id + ":response");
            bodiesSeen.add(body);
            return onResponse.apply(e, body);
        }

        @Override
        public ChunkAction onChunk(Exchange e, StreamChunk chunk) {
            calls.add(id + ":chunk");
            chunksSeen.add(chunk);
            return onChunk.apply(e, chunk);
        }

        @Override
        public List<StreamChunk> onStreamEnd(Exchange e) {
            calls.add(id + ":end");
            return onStreamEnd.apply(e);
        }

        @Override
        public void onComplete(Exchange e) {
            calls.add(id + ":complete");
            onComplete.run();
        }
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.parse(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static StreamChunk chunk(String data) {
        return new StreamChunk(null, data, Buffer.buffer("data: " + data + "\n\n"));
    }

    private static final Finding BLOCK = new Finding("b", "blocked_model", "model is disabled", Finding.Action.BLOCK);
    private static final ApiError BLOCKED = ApiError.policyBlock("b", "model_disabled", "no", "model");

    private static void assertPolicyError(ApiError e, String policyId) {
        assertThat(e).isEqualTo(new ApiError(500, "server_error", "policy_error",
                "Policy " + policyId + " failed; the request was not sent.", null));
    }

    // ---- order --------------------------------------------------------------------------------------

    @Test
    void everyPhaseCallsPoliciesInChainOrder() {
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        Fake c = new Fake("c");
        ChainRunner runner = new ChainRunner(List.of(a, b, c));

        Future<ApiError> req = runner.onRequest(ex);
        assertThat(req.succeeded()).isTrue();
        assertThat(req.result()).isNull();
        ChainRunner.ResponseResult rr = runner.onResponse(ex, json("{\"id\":\"x\"}"));
        ChainRunner.ChunkResult cr = runner.onChunk(ex, chunk("{}"));
        List<StreamChunk> held = runner.onStreamEnd(ex);
        runner.onComplete(ex);

        assertThat(calls).containsExactly(
                "a:request", "b:request", "c:request",
                "a:response", "b:response", "c:response",
                "a:chunk", "b:chunk", "c:chunk",
                "a:end", "b:end", "c:end",
                "a:complete", "b:complete", "c:complete");
        assertThat(rr.error()).isNull();
        assertThat(rr.modified()).isFalse();
        assertThat(rr.body()).isEqualTo(json("{\"id\":\"x\"}"));
        assertThat(cr.abort()).isNull();
        assertThat(held).isEmpty();
        assertThat(ex.bodyModified()).isFalse();
        assertThat(ex.findings()).isEmpty();
    }

    @Test
    void policiesListIsACopy() {
        List<Policy> list = new ArrayList<>(List.of(new Fake("a")));
        ChainRunner runner = new ChainRunner(list);
        list.add(new Fake("b"));
        assertThat(runner.policies()).extracting(Policy::id).containsExactly("a");
    }

    // ---- request phase -------------------------------------------------------------------------------

    @Test
    void rejectStopsTheRequestPhase() {
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        b.onRequest = e -> Future.succeededFuture(Verdict.reject(BLOCKED, BLOCK));
        Fake c = new Fake("c");
        Future<ApiError> f = new ChainRunner(List.of(a, b, c)).onRequest(ex);
        assertThat(f.succeeded()).isTrue();
        assertThat(f.result()).isSameAs(BLOCKED);
        assertThat(calls).containsExactly("a:request", "b:request");
        assertThat(ex.findings()).containsExactly(BLOCK);
    }

    @Test
    void proceedFindingsAreRecorded() {
        Finding audit = new Finding("a", "pii", "email seen", Finding.Action.AUDIT);
        Fake a = new Fake("a");
        a.onRequest = e -> Future.succeededFuture(new Verdict.Proceed(List.of(audit)));
        Future<ApiError> f = new ChainRunner(List.of(a, new Fake("b"))).onRequest(ex);
        assertThat(f.result()).isNull();
        assertThat(ex.findings()).containsExactly(audit);
        assertThat(calls).containsExactly("a:request", "b:request");
    }

    @Test
    void rewriteSetsTheBodyAndMarksItModified() {
        ObjectNode original = ex.body();
        ObjectNode rewritten = json("{\"model\":\"gpt-4o-mini\",\"max_tokens\":5}");
        Fake a = new Fake("a");
        a.onRequest = e -> Future.succeededFuture(Verdict.rewrite(rewritten));
        Fake b = new Fake("b");
        Future<ApiError> f = new ChainRunner(List.of(a, b)).onRequest(ex);
        assertThat(f.result()).isNull();
        assertThat(ex.body()).isSameAs(rewritten);
        assertThat(ex.bodyModified()).isTrue();
        assertThat(a.bodiesSeen).containsExactly(original);
        assertThat(b.bodiesSeen.get(0)).isSameAs(rewritten);
    }

    @Test
    void inPlaceRewriteMarksModified() {
        Fake a = new Fake("a");
        a.onRequest = e -> {
            e.body().put("user", "u1");
            return Future.succeededFuture(Verdict.rewrite(e.body()));
        };
        new ChainRunner(List.of(a)).onRequest(ex);
        assertThat(ex.bodyModified()).isTrue();
        assertThat(ex.body()).isEqualTo(json("{\"model\":\"gpt-4o\",\"user\":\"u1\"}"));
    }

    @Test
    void asyncVerdictIsAwaitedBeforeLaterPolicies() {
        Promise<Verdict> pending = Promise.promise();
        Fake a = new Fake("a");
        a.onRequest = e -> pending.future();
        Fake b = new Fake("b");
        ObjectNode rewritten = json("{\"model\":\"async\"}");
        Future<ApiError> f = new ChainRunner(List.of(a, b)).onRequest(ex);

        assertThat(f.isComplete()).isFalse();
        assertThat(calls).containsExactly("a:request");

        pending.complete(Verdict.rewrite(rewritten));
        assertThat(f.succeeded()).isTrue();
        assertThat(f.result()).isNull();
        assertThat(calls).containsExactly("a:request", "b:request");
        assertThat(ex.body()).isSameAs(rewritten);
        assertThat(ex.bodyModified()).isTrue();
    }

    @Test
    void asyncRejectStopsTheChain() {
        Promise<Verdict> pending = Promise.promise();
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        b.onRequest = e -> pending.future();
        Fake c = new Fake("c");
        Future<ApiError> f = new ChainRunner(List.of(a, b, c)).onRequest(ex);
        assertThat(f.isComplete()).isFalse();
        pending.complete(Verdict.reject(BLOCKED, BLOCK));
        assertThat(f.result()).isSameAs(BLOCKED);
        assertThat(calls).containsExactly("a:request", "b:request");
        assertThat(ex.findings()).containsExactly(BLOCK);
    }

    @Test
    void severalAsyncVerdictsInARow() {
        Promise<Verdict> p1 = Promise.promise();
        Promise<Verdict> p2 = Promise.promise();
        Fake a = new Fake("a");
        a.onRequest = e -> p1.future();
        Fake b = new Fake("b");
        b.onRequest = e -> p2.future();
        Fake c = new Fake("c");
        Future<ApiError> f = new ChainRunner(List.of(a, b, c)).onRequest(ex);
        p1.complete(Verdict.proceed());
        assertThat(f.isComplete()).isFalse();
        assertThat(calls).containsExactly("a:request", "b:request");
        p2.complete(Verdict.proceed());
        assertThat(f.succeeded()).isTrue();
        assertThat(f.result()).isNull();
        assertThat(calls).containsExactly("a:request", "b:request", "c:request");
    }

    @Test
    void throwingPolicyFailsClosedNamingThePolicy() {
        Fake a = new Fake("a");
        Fake boom = new Fake("boom");
        boom.onRequest = e -> {
            throw new IllegalStateException("secret prompt text");
        };
        Fake c = new Fake("c");
        Future<ApiError> f = new ChainRunner(List.of(a, boom, c)).onRequest(ex);
        assertThat(f.succeeded()).isTrue();
        assertPolicyError(f.result(), "boom");
        assertThat(f.result().message()).doesNotContain("secret");
        assertThat(calls).containsExactly("a:request", "boom:request");
    }

    @Test
    void failedFutureFailsClosed() {
        Fake boom = new Fake("boom");
        boom.onRequest = e -> Future.failedFuture(new RuntimeException("x"));
        Fake c = new Fake("c");
        Future<ApiError> f = new ChainRunner(List.of(boom, c)).onRequest(ex);
        assertPolicyError(f.result(), "boom");
        assertThat(calls).containsExactly("boom:request");
    }

    @Test
    void asyncFailureFailsClosed() {
        Promise<Verdict> pending = Promise.promise();
        Fake slow = new Fake("slow");
        slow.onRequest = e -> pending.future();
        Fake c = new Fake("c");
        Future<ApiError> f = new ChainRunner(List.of(slow, c)).onRequest(ex);
        pending.fail(new IllegalStateException("late"));
        assertThat(f.succeeded()).isTrue();
        assertPolicyError(f.result(), "slow");
        assertThat(calls).containsExactly("slow:request");
    }

    @Test
    void throwingAppliesToFailsClosed() {
        Policy bad = new Policy() {
            @Override
            public String id() {
                return "bad-applies";
            }

            @Override
            public boolean appliesTo(Exchange e) {
                throw new NullPointerException();
            }
        };
        Fake c = new Fake("c");
        Future<ApiError> f = new ChainRunner(List.of(bad, c)).onRequest(ex);
        assertPolicyError(f.result(), "bad-applies");
        assertThat(calls).isEmpty();
    }

    // ---- appliesTo ---------------------------------------------------------------------------------------

    @Test
    void notApplyingSkipsEveryPhase() {
        Fake skipped = new Fake("skipped");
        skipped.applies = false;
        skipped.onRequest = e -> Future.succeededFuture(Verdict.reject(BLOCKED, BLOCK));
        skipped.onResponse = (e, b) -> Verdict.reject(BLOCKED, BLOCK);
        skipped.onChunk = (e, c) -> ChunkAction.DROP;
        skipped.onStreamEnd = e -> List.of(chunk("held"));
        Fake b = new Fake("b");
        ChainRunner runner = new ChainRunner(List.of(skipped, b));

        assertThat(runner.onRequest(ex).result()).isNull();
        assertThat(runner.onResponse(ex, json("{}")).error()).isNull();
        assertThat(runner.onChunk(ex, chunk("{}")).chunk()).isNotNull();
        assertThat(runner.onStreamEnd(ex)).isEmpty();
        runner.onComplete(ex);
        assertThat(calls).containsExactly("b:request", "b:response", "b:chunk", "b:end", "b:complete");
    }

    // ---- whole response -----------------------------------------------------------------------------

    @Test
    void responseRewriteIsSeenByLaterPoliciesAndMarkedModified() {
        ObjectNode original = json("{\"id\":\"1\"}");
        ObjectNode rewritten = json("{\"id\":\"2\"}");
        Fake a = new Fake("a");
        a.onResponse = (e, body) -> Verdict.rewrite(rewritten);
        Fake b = new Fake("b");
        ChainRunner.ResponseResult r = new ChainRunner(List.of(a, b)).onResponse(ex, original);
        assertThat(r).isEqualTo(new ChainRunner.ResponseResult(rewritten, true, null));
        assertThat(b.bodiesSeen).containsExactly(rewritten);
        assertThat(ex.bodyModified()).as("request body untouched").isFalse();
    }

    @Test
    void responseRejectStopsTheChain() {
        Fake a = new Fake("a");
        a.onResponse = (e, body) -> Verdict.reject(BLOCKED, BLOCK);
        Fake b = new Fake("b");
        ChainRunner.ResponseResult r = new ChainRunner(List.of(a, b)).onResponse(ex, json("{}"));
        assertThat(r).isEqualTo(new ChainRunner.ResponseResult(null, false, BLOCKED));
        assertThat(calls).containsExactly("a:response");
        assertThat(ex.findings()).containsExactly(BLOCK);
    }

    @Test
    void responseThrowFailsClosed() {
        Fake boom = new Fake("boom");
        boom.onResponse = (e, body) -> {
            throw new IllegalArgumentException();
        };
        Fake b = new Fake("b");
        ChainRunner.ResponseResult r = new ChainRunner(List.of(boom, b)).onResponse(ex, json("{}"));
        assertThat(r.body()).isNull();
        assertThat(r.modified()).isFalse();
        assertPolicyError(r.error(), "boom");
        assertThat(calls).containsExactly("boom:response");
    }

    // ---- stream chunks -------------------------------------------------------------------------------------

    @Test
    void emittedChunkIsTheSameObject() {
        StreamChunk c = chunk("{\"a\":1}");
        ChainRunner.ChunkResult r = new ChainRunner(List.of(new Fake("a"), new Fake("b"))).onChunk(ex, c);
        assertThat(r.chunk()).isSameAs(c);
        assertThat(r.abort()).isNull();
    }

    @Test
    void replaceHandsNewDataToLaterPoliciesAndKeepsTheEventName() {
        Fake a = new Fake("a");
        a.onChunk = (e, c) -> ChunkAction.replace(json("{\"a\":2}"));
        Fake b = new Fake("b");
        StreamChunk original = new StreamChunk("response.output_text.delta", "{\"a\":1}",
                Buffer.buffer("event: response.output_text.delta\ndata: {\"a\":1}\n\n"));
        ChainRunner.ChunkResult r = new ChainRunner(List.of(a, b)).onChunk(ex, original);

        assertThat(r.abort()).isNull();
        StreamChunk out = r.chunk();
        assertThat(out).isNotSameAs(original);
        assertThat(out.event()).isEqualTo("response.output_text.delta");
        assertThat(out.data()).isEqualTo("{\"a\":2}");
        assertThat(out.raw()).isNull();
        assertThat(out.toWire().toString()).isEqualTo("event: response.output_text.delta\ndata: {\"a\":2}\n\n");
        assertThat(b.chunksSeen).containsExactly(out);
    }

    @Test
    void dropStopsTheChunkAndLaterPoliciesDoNotSeeIt() {
        Fake a = new Fake("a");
        a.onChunk = (e, c) -> ChunkAction.DROP;
        Fake b = new Fake("b");
        ChainRunner.ChunkResult r = new ChainRunner(List.of(a, b)).onChunk(ex, chunk("{}"));
        assertThat(r.chunk()).isNull();
        assertThat(r.abort()).isNull();
        assertThat(calls).containsExactly("a:chunk");
    }

    @Test
    void abortEndsWithTheErrorAndRecordsTheFinding() {
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        b.onChunk = (e, c) -> new ChunkAction.Abort(BLOCKED, BLOCK);
        Fake c = new Fake("c");
        ChainRunner.ChunkResult r = new ChainRunner(List.of(a, b, c)).onChunk(ex, chunk("{}"));
        assertThat(r.chunk()).isNull();
        assertThat(r.abort()).isSameAs(BLOCKED);
        assertThat(ex.findings()).containsExactly(BLOCK);
        assertThat(calls).containsExactly("a:chunk", "b:chunk");
    }

    @Test
    void chunkThrowAbortsWithPolicyError() {
        Fake boom = new Fake("boom");
        boom.onChunk = (e, c) -> {
            throw new IllegalStateException();
        };
        Fake b = new Fake("b");
        ChainRunner.ChunkResult r = new ChainRunner(List.of(boom, b)).onChunk(ex, chunk("{}"));
        assertThat(r.chunk()).isNull();
        assertPolicyError(r.abort(), "boom");
        assertThat(calls).containsExactly("boom:chunk");
    }

    @Test
    void replaceThenDrop() {
        Fake a = new Fake("a");
        a.onChunk = (e, c) -> ChunkAction.replace(json("{\"x\":1}"));
        Fake b = new Fake("b");
        b.onChunk = (e, c) -> "{\"x\":1}".equals(c.data()) ? ChunkAction.DROP : ChunkAction.EMIT;
        ChainRunner.ChunkResult r = new ChainRunner(List.of(a, b)).onChunk(ex, chunk("{}"));
        assertThat(r.chunk()).isNull();
        assertThat(r.abort()).isNull();
    }

    // ---- stream end and completion --------------------------------------------------------------------

    @Test
    void streamEndCollectsHeldChunksInChainOrder() {
        StreamChunk a1 = chunk("{\"a\":1}");
        StreamChunk a2 = chunk("{\"a\":2}");
        StreamChunk c1 = chunk("{\"c\":1}");
        Fake a = new Fake("a");
        a.onStreamEnd = e -> List.of(a1, a2);
        Fake b = new Fake("b");
        Fake c = new Fake("c");
        c.onStreamEnd = e -> List.of(c1);
        assertThat(new ChainRunner(List.of(a, b, c)).onStreamEnd(ex)).containsExactly(a1, a2, c1);
    }

    @Test
    void streamEndSkipsAThrowingPolicy() {
        StreamChunk c1 = chunk("{\"c\":1}");
        Fake boom = new Fake("boom");
        boom.onStreamEnd = e -> {
            throw new IllegalStateException();
        };
        Fake c = new Fake("c");
        c.onStreamEnd = e -> List.of(c1);
        assertThat(new ChainRunner(List.of(boom, c)).onStreamEnd(ex)).containsExactly(c1);
        assertThat(calls).containsExactly("boom:end", "c:end");
    }

    @Test
    void completeIsCalledOnEveryPolicyEvenAfterARejectAndAThrow() {
        Fake a = new Fake("a");
        a.onRequest = e -> Future.succeededFuture(Verdict.reject(BLOCKED, BLOCK));
        Fake boom = new Fake("boom");
        boom.onComplete = () -> {
            throw new IllegalStateException();
        };
        Fake c = new Fake("c");
        ChainRunner runner = new ChainRunner(List.of(a, boom, c));
        assertThat(runner.onRequest(ex).result()).isSameAs(BLOCKED);
        runner.onComplete(ex);
        assertThat(calls).containsExactly("a:request", "a:complete", "boom:complete", "c:complete");
    }

    @Test
    void emptyChainPassesEverythingThrough() {
        ChainRunner runner = new ChainRunner(List.of());
        ObjectNode body = json("{}");
        StreamChunk c = chunk("{}");
        assertThat(runner.onRequest(ex).result()).isNull();
        assertThat(runner.onResponse(ex, body)).isEqualTo(new ChainRunner.ResponseResult(body, false, null));
        assertThat(runner.onChunk(ex, c).chunk()).isSameAs(c);
        assertThat(runner.onStreamEnd(ex)).isEmpty();
        runner.onComplete(ex);
    }

    @Test
    void policyStateIsPerPolicy() {
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        StringBuilder sa = ex.state(a, StringBuilder::new);
        StringBuilder sb = ex.state(b, StringBuilder::new);
        assertThat(sa).isNotSameAs(sb);
        assertThat(ex.<StringBuilder>state(a, StringBuilder::new)).isSameAs(sa);
    }
}
