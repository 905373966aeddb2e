package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
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
    /** The policies that implement the whole-response phase. */
    private final List<Policy> responseReaders;

    public ChainRunner(List<Policy> policies) {
        this.policies = List.copyOf(policies);
        this.responseReaders = this.policies.stream().filter(ChainRunner::implementsOnResponse).toList();
    }

    private static boolean implementsOnResponse(Policy p) {
        try {
            return p.getClass().getMethod("onResponse", Exchange.class, ObjectNode.class).getDeclaringClass() != Policy.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }

    /** Whether any applying policy reads this exchange's request body as a tree. */
    public boolean readsRequest(Exchange ex) {
        for (Policy p : policies) {
            if (p.appliesTo(ex) && p.readsRequest(ex)) return true;
        }
        return false;
    }

    /** Whether any policy needs this exchange's whole answer as a tree. */
    public boolean readsResponse(Exchange ex) {
        for (Policy p : responseReaders) {
            if (p.appliesTo(ex) && p.readsResponse(ex)) return true;
        }
        return false;
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

    /** The result of a whole response through the chain: the body to send (changed or not), or an error. */
    public record ResponseResult(ObjectNode body, boolean modified, ApiError error) {}

    /** Whole-response phase (2xx JSON). */
    public ResponseResult onResponse(Exchange ex, ObjectNode body) {
        ObjectNode current = body;
        boolean modified = false;
        for (Policy p : responseReaders) {
            try {
                if (!p.appliesTo(ex)) continue;
                Verdict v = p.onResponse(ex, current);
                if (v == null) throw new NullPointerException("onResponse returned null");
                ex.addFindings(v.findings());
                if (v instanceof Verdict.Reject r) return new ResponseResult(null, false, r.error());
                if (v instanceof Verdict.Rewrite rw && rw.body() instanceof ObjectNode o) {
                    current = o;
                    modified = true;
                }
            } catch (RuntimeException e) {
                return new ResponseResult(null, false, failed(p, e));
            }
        }
        return new ResponseResult(current, modified, null);
    }

    /** The result of one stream event through the chain: the events to send (often exactly one), or an abort. */
    public record ChunkResult(List<StreamChunk> chunks, ApiError abort) {
        static final ChunkResult DROPPED = new ChunkResult(List.of(), null);

        /** The single event to send, or null when dropped (or aborted). */
        public StreamChunk chunk() {
            return chunks.isEmpty() ? null : chunks.get(0);
        }
    }

    /** Stream-event phase: each policy sees every event the previous ones let through, in order. */
    public ChunkResult onChunk(Exchange ex, StreamChunk chunk) {
        List<StreamChunk> current = null; // null: just `single` (the common, allocation-free case)
        StreamChunk single = chunk;
        for (Policy p : policies) {
            try {
                if (!p.appliesTo(ex)) continue;
                if (current == null) {
                    ChunkAction a = p.onChunk(ex, single);
                    if (a == null) throw new NullPointerException("onChunk returned null");
                    if (a instanceof ChunkAction.Emit) continue;
                    if (a instanceof ChunkAction.Abort ab) return abort(ex, ab);
                    if (a instanceof ChunkAction.Replace r) {
                        single = StreamChunk.of(single.event(), r.data());
                        continue;
                    }
                    current = new ArrayList<>(2);
                    if (a instanceof ChunkAction.Expand e) current.addAll(e.chunks());
                    if (current.isEmpty()) return ChunkResult.DROPPED;
                } else {
                    List<StreamChunk> next = new ArrayList<>(current.size());
                    for (StreamChunk c : current) {
                        ChunkAction a = p.onChunk(ex, c);
                        if (a == null) throw new NullPointerException("onChunk returned null");
                        if (a instanceof ChunkAction.Emit) next.add(c);
                        else if (a instanceof ChunkAction.Replace r) next.add(StreamChunk.of(c.event(), r.data()));
                        else if (a instanceof ChunkAction.Expand e) next.addAll(e.chunks());
                        else if (a instanceof ChunkAction.Abort ab) return abort(ex, ab);
                    }
                    if (next.isEmpty()) return ChunkResult.DROPPED;
                    current = next;
                }
            } catch (RuntimeException e) {
                return new ChunkResult(List.of(), failed(p, e));
            }
        }
        return new ChunkResult(current == null ? List.of(single) : current, null);
    }

    private static ChunkResult abort(Exchange ex, ChunkAction.Abort ab) {
        if (ab.finding() != null) ex.addFinding(ab.finding());
        return new ChunkResult(List.of(), ab.error());
    }

    /** Clean end of the upstream stream: what policies held back, in chain order. */
    public List<StreamChunk> onStreamEnd(Exchange ex) {
        List<StreamChunk> out = List.of();
        for (Policy p : policies) {
            try {
                if (!p.appliesTo(ex)) continue;
                List<StreamChunk> held = p.onStreamEnd(ex);
                if (!held.isEmpty()) {
                    if (out.isEmpty()) out = new ArrayList<>();
                    out.addAll(held);
                }
            } catch (RuntimeException e) {
                LOG.warn("policy {} failed at stream end: {}", p.id(), e.getClass().getSimpleName());
            }
        }
        return out;
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
