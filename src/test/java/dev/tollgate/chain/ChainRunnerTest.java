package dev.tollgate.chain;

import dev.tollgate.wire.StreamChunk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Frame;
import dev.tollgate.wire.Interest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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

    /** A policy whose every phase records its call and then does what it was told (default: read every event, change nothing). */
    private final class Fake implements Policy {
        final String id;
        boolean applies = true;
        Function<Exchange, Future<Verdict>> onRequest = e -> Verdict.PROCEED_FUTURE;
        Function<Exchange, Interest> interest = e -> Interest.EVENTS;
        BiFunction<Exchange, AnswerEvent, EventAction> onEvent = (e, ev) -> EventAction.EMIT;
        Function<Exchange, List<AnswerEvent>> onAnswerEnd = e -> List.of();
        Runnable onComplete = () -> { };
        final List<ObjectNode> bodiesSeen = new ArrayList<>();
        final List<AnswerEvent> eventsSeen = new ArrayList<>();

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
        public Interest answerInterest(Exchange e) {
            calls.add(id + ":interest");
            return interest.apply(e);
        }

        @Override
        public EventAction onEvent(Exchange e, AnswerEvent event) {
            calls.add(id + ":" + event.getClass().getSimpleName());
            eventsSeen.add(event);
            return onEvent.apply(e, event);
        }

        @Override
        public List<AnswerEvent> onAnswerEnd(Exchange e) {
            calls.add(id + ":answerEnd");
            return onAnswerEnd.apply(e);
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

    private static AnswerEvent.Text text(String t) {
        return new AnswerEvent.Text(0, 0, AnswerEvent.Channel.CONTENT, t, AnswerEvent.Form.DELTA, null);
    }

    private static AnswerEvent.End end() {
        return new AnswerEvent.End(Frame.of(StreamChunk.done()));
    }

    /** The answer phase for these events, through the policies that read the answer. */
    private ChainRunner.EventResult events(ChainRunner runner, List<AnswerEvent> in) {
        return runner.onEvents(ex, runner.answerReaders(ex), in);
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
        ChainRunner.AnswerReaders readers = runner.answerReaders(ex);
        List<AnswerEvent> in = List.of(text("hi"), end());
        ChainRunner.EventResult r = runner.onEvents(ex, readers, in);
        runner.onComplete(ex);

        assertThat(calls).containsExactly(
                "a:request", "b:request", "c:request",
                "a:interest", "b:interest", "c:interest",
                // each policy sees the whole frame's events; before the End it releases what it held
                "a:Text", "a:answerEnd", "a:End",
                "b:Text", "b:answerEnd", "b:End",
                "c:Text", "c:answerEnd", "c:End",
                "a:complete", "b:complete", "c:complete");
        assertThat(readers.policies()).containsExactly(a, b, c);
        assertThat(readers.interest()).isEqualTo(Interest.EVENTS);
        assertThat(r.abort()).isNull();
        assertThat(r.events()).as("nothing changed: the very same list").isSameAs(in);
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
        skipped.onEvent = (e, ev) -> EventAction.DROP;
        skipped.onAnswerEnd = e -> List.of(text("held"));
        Fake b = new Fake("b");
        ChainRunner runner = new ChainRunner(List.of(skipped, b));

        assertThat(runner.onRequest(ex).result()).isNull();
        ChainRunner.AnswerReaders readers = runner.answerReaders(ex);
        assertThat(readers.policies()).containsExactly(b);
        List<AnswerEvent> in = List.of(text("x"), end());
        ChainRunner.EventResult r = runner.onEvents(ex, readers, in);
        assertThat(r.events()).isSameAs(in);
        runner.onComplete(ex);
        assertThat(calls).containsExactly("b:request", "b:interest", "b:Text", "b:answerEnd", "b:End", "b:complete");
    }

    // ---- answer readers ---------------------------------------------------------------------------------

    @Test
    void interestIsTheMostAnyApplyingPolicyReadsAndNonePoliciesAreLeftOut() {
        Fake none = new Fake("none");
        none.interest = e -> Interest.NONE;
        Fake usage = new Fake("usage");
        usage.interest = e -> Interest.USAGE;
        Fake notApplying = new Fake("off");
        notApplying.applies = false;
        Fake events = new Fake("events");
        ChainRunner runner = new ChainRunner(List.of(none, usage, notApplying, events));

        ChainRunner.AnswerReaders readers = runner.answerReaders(ex);
        assertThat(readers.policies()).containsExactly(usage, events);
        assertThat(readers.interest()).isEqualTo(Interest.EVENTS);
        assertThat(calls).containsExactly("none:interest", "usage:interest", "events:interest");

        events.applies = false;
        assertThat(runner.answerReaders(ex)).isEqualTo(new ChainRunner.AnswerReaders(List.of(usage), Interest.USAGE));
    }

    @Test
    void noReaderMeansNone() {
        Fake none = new Fake("none");
        none.interest = e -> Interest.NONE;
        assertThat(new ChainRunner(List.of(none)).answerReaders(ex)).isSameAs(ChainRunner.AnswerReaders.NONE);
        assertThat(new ChainRunner(List.of()).answerReaders(ex)).isSameAs(ChainRunner.AnswerReaders.NONE);
        assertThat(ChainRunner.AnswerReaders.NONE.interest()).isEqualTo(Interest.NONE);
    }

    @Test
    void aPolicyThatCannotSayWhatItReadsReadsEverything() {
        Fake usage = new Fake("usage");
        usage.interest = e -> Interest.USAGE;
        Fake boom = new Fake("boom");
        boom.interest = e -> {
            throw new IllegalStateException("secret");
        };
        Policy badApplies = new Policy() {
            @Override
            public String id() {
                return "bad-applies";
            }

            @Override
            public boolean appliesTo(Exchange e) {
                throw new NullPointerException();
            }
        };
        ChainRunner.AnswerReaders readers = new ChainRunner(List.of(usage, boom, badApplies)).answerReaders(ex);
        assertThat(readers.policies()).containsExactly(usage, boom, badApplies);
        assertThat(readers.interest()).isEqualTo(Interest.EVENTS);
    }

    // ---- answer events ----------------------------------------------------------------------------------

    @Test
    void replaceHandsTheNewEventToLaterPolicies() {
        AnswerEvent.Text original = text("bad word");
        AnswerEvent.Text replaced = text("*** word");
        Fake a = new Fake("a");
        a.onEvent = (e, ev) -> ev == original ? EventAction.replace(replaced) : EventAction.EMIT;
        Fake b = new Fake("b");
        AnswerEvent.End end = end();
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, b)), List.of(original, end));
        assertThat(r.abort()).isNull();
        assertThat(r.events()).containsExactly(replaced, end);
        assertThat(a.eventsSeen).containsExactly(original, end);
        assertThat(b.eventsSeen).containsExactly(replaced, end);
    }

    @Test
    void dropRemovesTheEventAndLaterPoliciesDoNotSeeIt() {
        AnswerEvent.Text one = text("one");
        AnswerEvent.Text two = text("two");
        Fake a = new Fake("a");
        a.onEvent = (e, ev) -> ev == one ? EventAction.DROP : EventAction.EMIT;
        Fake b = new Fake("b");
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, b)), List.of(one, two));
        assertThat(r.events()).containsExactly(two);
        assertThat(r.abort()).isNull();
        assertThat(b.eventsSeen).containsExactly(two);
    }

    @Test
    void expandSendsSeveralEventsInOrderAndLaterPoliciesSeeEachOfThem() {
        AnswerEvent.Text one = text("one");
        AnswerEvent.Text x = text("x");
        AnswerEvent.Text y = text("y");
        AnswerEvent.Text two = text("two");
        Fake a = new Fake("a");
        a.onEvent = (e, ev) -> ev == one ? EventAction.expand(List.of(x, y)) : EventAction.EMIT;
        Fake b = new Fake("b");
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, b)), List.of(one, two));
        assertThat(r.events()).containsExactly(x, y, two);
        assertThat(b.eventsSeen).containsExactly(x, y, two);
    }

    @Test
    void replaceThenDrop() {
        AnswerEvent.Text original = text("a");
        AnswerEvent.Text replaced = text("b");
        Fake a = new Fake("a");
        a.onEvent = (e, ev) -> EventAction.replace(replaced);
        Fake b = new Fake("b");
        b.onEvent = (e, ev) -> ev == replaced ? EventAction.DROP : EventAction.EMIT;
        Fake c = new Fake("c");
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, b, c)), List.of(original));
        assertThat(r.events()).isEmpty();
        assertThat(r.abort()).isNull();
        assertThat(c.eventsSeen).isEmpty();
    }

    @Test
    void abortEndsWithTheErrorAndRecordsTheFinding() {
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        b.onEvent = (e, ev) -> new EventAction.Abort(BLOCKED, BLOCK);
        Fake c = new Fake("c");
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, b, c)), List.of(text("1"), text("2")));
        assertThat(r.events()).isEmpty();
        assertThat(r.abort()).isSameAs(BLOCKED);
        assertThat(ex.findings()).containsExactly(BLOCK);
        assertThat(calls).containsExactly("a:interest", "b:interest", "c:interest", "a:Text", "a:Text", "b:Text");
    }

    @Test
    void abortWithoutAFindingRecordsNone() {
        Fake a = new Fake("a");
        a.onEvent = (e, ev) -> new EventAction.Abort(BLOCKED, null);
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a)), List.of(text("1")));
        assertThat(r.abort()).isSameAs(BLOCKED);
        assertThat(ex.findings()).isEmpty();
    }

    @Test
    void aThrowingOrNullEventActionFailsClosed() {
        Fake boom = new Fake("boom");
        boom.onEvent = (e, ev) -> {
            throw new IllegalStateException("secret answer text");
        };
        Fake b = new Fake("b");
        ChainRunner.EventResult r = events(new ChainRunner(List.of(boom, b)), List.of(text("1")));
        assertThat(r.events()).isEmpty();
        assertPolicyError(r.abort(), "boom");
        assertThat(b.eventsSeen).isEmpty();

        Fake nul = new Fake("nul");
        nul.onEvent = (e, ev) -> null;
        ChainRunner.EventResult n = events(new ChainRunner(List.of(nul)), List.of(text("1")));
        assertThat(n.events()).isEmpty();
        assertPolicyError(n.abort(), "nul");
    }

    @Test
    void aThrowingAnswerEndFailsClosed() {
        Fake a = new Fake("a");
        Fake boom = new Fake("boom");
        boom.onAnswerEnd = e -> {
            throw new IllegalStateException();
        };
        Fake c = new Fake("c");
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, boom, c)), List.of(text("1"), end()));
        assertThat(r.events()).isEmpty();
        assertPolicyError(r.abort(), "boom");
        assertThat(c.eventsSeen).isEmpty();
    }

    @Test
    void eventsReleasedAtTheEndGoOnlyThroughLaterPoliciesAndComeBeforeTheEnd() {
        AnswerEvent.Text heldByA = text("held by a");
        AnswerEvent.Text heldByB = text("held by b");
        AnswerEvent.Text first = text("first");
        AnswerEvent.End end = end();
        Fake a = new Fake("a");
        a.onAnswerEnd = e -> List.of(heldByA);
        Fake b = new Fake("b");
        b.onAnswerEnd = e -> List.of(heldByB);
        Fake c = new Fake("c");
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, b, c)), List.of(first, end));

        assertThat(r.abort()).isNull();
        assertThat(r.events()).containsExactly(first, heldByA, heldByB, end);
        assertThat(a.eventsSeen).containsExactly(first, end);
        assertThat(b.eventsSeen).containsExactly(first, heldByA, end);
        assertThat(c.eventsSeen).containsExactly(first, heldByA, heldByB, end);
    }

    @Test
    void releasedEventsMayBeChangedByLaterPolicies() {
        AnswerEvent.Text held = text("held");
        AnswerEvent.Text redacted = text("****");
        AnswerEvent.End end = end();
        Fake a = new Fake("a");
        a.onAnswerEnd = e -> List.of(held);
        Fake b = new Fake("b");
        b.onEvent = (e, ev) -> ev == held ? EventAction.replace(redacted) : EventAction.EMIT;
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a, b)), List.of(end));
        assertThat(r.events()).containsExactly(redacted, end);
    }

    @Test
    void endIsNotSeenWhenAnEarlierEventAborts() {
        Fake a = new Fake("a");
        a.onEvent = (e, ev) -> ev instanceof AnswerEvent.Text ? new EventAction.Abort(BLOCKED, BLOCK) : EventAction.EMIT;
        ChainRunner.EventResult r = events(new ChainRunner(List.of(a)), List.of(text("x"), end()));
        assertThat(r.abort()).isSameAs(BLOCKED);
        assertThat(calls).containsExactly("a:interest", "a:Text");
    }

    // ---- completion -------------------------------------------------------------------------------------

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
        List<AnswerEvent> in = List.of(text("x"), end());
        assertThat(runner.onRequest(ex).result()).isNull();
        ChainRunner.EventResult r = runner.onEvents(ex, runner.answerReaders(ex), in);
        assertThat(r.events()).isSameAs(in);
        assertThat(r.abort()).isNull();
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
