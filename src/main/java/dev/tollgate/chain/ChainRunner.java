package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Interest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the policies, in their explicit order, through every phase. The same runner serves whole
 * and streamed responses, so no policy can be skipped on one path. A policy that throws fails the
 * request closed with a 500 that names the policy and nothing else.
 */
public final class ChainRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ChainRunner.class);

    private final List<Policy> policies;

    public ChainRunner(List<Policy> policies) {
        this.policies = List.copyOf(policies);
    }

    /** Whether any applying policy reads this exchange's request body as a tree. */
    public boolean readsRequest(Exchange ex) {
        for (Policy p : policies) {
            if (p.appliesTo(ex) && p.readsRequest(ex)) return true;
        }
        return false;
    }

    /** The policies that read one exchange's answer, in chain order, and how much of it they read together. */
    public record AnswerReaders(List<Policy> policies, Interest interest) {
        public static final AnswerReaders NONE = new AnswerReaders(List.of(), Interest.NONE);
    }

    /** Decided once per exchange, when its answer arrives: every event goes through exactly these. */
    public AnswerReaders answerReaders(Exchange ex) {
        List<Policy> readers = null;
        Interest interest = Interest.NONE;
        for (Policy p : policies) {
            Interest i;
            try {
                if (!p.appliesTo(ex)) continue;
                i = p.answerInterest(ex);
            } catch (RuntimeException e) {
                // Fail closed: a policy that cannot say what it reads sees everything, and fails there too.
                LOG.error("policy {} failed: {}", p.id(), e.getClass().getName());
                i = Interest.EVENTS;
            }
            if (i == Interest.NONE) continue;
            if (readers == null) readers = new ArrayList<>(4);
            readers.add(p);
            interest = interest.max(i);
        }
        return readers == null ? AnswerReaders.NONE : new AnswerReaders(List.copyOf(readers), interest);
    }

    public List<Policy> policies() {
        return policies;
    }

    /**
     * Request phase. Completes with null to go on (then {@link Exchange#localAnswer()} may hold an
     * answer that replaces the upstream call), or the error to answer with.
     */
    public Future<ApiError> onRequest(Exchange ex) {
        return requestFrom(ex, 0);
    }

    private Future<ApiError> requestFrom(Exchange ex, int start) {
        for (int i = start; i < policies.size(); i++) {
            Policy p = policies.get(i);
            Future<Verdict> f;
            try {
                if (!p.appliesTo(ex)) continue;
                f = p.onRequest(ex);
                if (f == null) throw new NullPointerException("onRequest returned null");
            } catch (RuntimeException e) {
                return Future.succeededFuture(failed(p, e));
            }
            if (!f.isComplete()) {
                int next = i + 1;
                return f.transform(ar -> {
                    if (ar.failed() || ar.result() == null) {
                        return Future.succeededFuture(failed(p, ar.failed() ? ar.cause() : new NullPointerException()));
                    }
                    ApiError error = apply(ex, ar.result());
                    return error != null || ex.localAnswer() != null ? Future.succeededFuture(error) : requestFrom(ex, next);
                });
            }
            if (f.failed() || f.result() == null) {
                return Future.succeededFuture(failed(p, f.failed() ? f.cause() : new NullPointerException()));
            }
            ApiError error = apply(ex, f.result());
            if (error != null || ex.localAnswer() != null) return Future.succeededFuture(error);
        }
        return Future.succeededFuture(null);
    }

    /** One frame's events after the chain: what to send (often exactly what came), or the error that ends the answer. */
    public record EventResult(List<AnswerEvent> events, ApiError abort) {}

    /**
     * The answer phase, for one frame's events (a stream event's, or a whole answer's): each
     * reading policy sees every event the previous ones let through, in order; before an
     * {@link AnswerEvent.End} it releases what it held back.
     */
    public EventResult onEvents(Exchange ex, AnswerReaders readers, List<AnswerEvent> in) {
        List<AnswerEvent> current = in;
        for (Policy p : readers.policies()) {
            List<AnswerEvent> next = null; // made only when this policy changes something
            try {
                for (int i = 0; i < current.size(); i++) {
                    AnswerEvent e = current.get(i);
                    List<AnswerEvent> released = e instanceof AnswerEvent.End ? p.onAnswerEnd(ex) : List.of();
                    EventAction a = p.onEvent(ex, e);
                    if (a == null) throw new NullPointerException("onEvent returned null");
                    if (a instanceof EventAction.Abort ab) {
                        if (ab.finding() != null) ex.addFinding(ab.finding());
                        return new EventResult(List.of(), ab.error());
                    }
                    if (next == null && (!(a instanceof EventAction.Emit) || !released.isEmpty())) next = new ArrayList<>(current.subList(0, i));
                    if (next == null) continue;
                    next.addAll(released);
                    if (a instanceof EventAction.Emit) next.add(e);
                    else if (a instanceof EventAction.Replace r) next.add(r.event());
                    else if (a instanceof EventAction.Expand x) next.addAll(x.events());
                }
            } catch (RuntimeException e) {
                return new EventResult(List.of(), failed(p, e));
            }
            if (next != null) current = next;
        }
        return new EventResult(current, null);
    }

    /** Completion phase: always called once per exchange. */
    public void onComplete(Exchange ex) {
        for (Policy p : policies) {
            try {
                if (p.appliesTo(ex)) p.onComplete(ex);
            } catch (RuntimeException e) {
                LOG.warn("policy {} failed on completion: {}", p.id(), e.getClass().getSimpleName());
            }
        }
    }

    private static ApiError apply(Exchange ex, Verdict v) {
        ex.addFindings(v.findings());
        if (v instanceof Verdict.Reject r) return r.error();
        if (v instanceof Verdict.Respond answer) {
            ex.localAnswer(answer.body());
            return null;
        }
        if (v instanceof Verdict.Rewrite rw) {
            JsonNode b = rw.body();
            if (b instanceof ObjectNode o) ex.body(o);
            ex.markBodyModified();
        }
        return null;
    }

    private static ApiError failed(Policy p, Throwable e) {
        // The exception's class is enough to find it; its message may quote request content.
        LOG.error("policy {} failed: {}", p.id(), e.getClass().getName());
        return new ApiError(500, "server_error", "policy_error", "Policy " + p.id() + " failed; the request was not sent.", null);
    }
}
