package dev.tollgate.policy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.EventAction;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.wire.AnswerCodec;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Codecs;
import dev.tollgate.wire.Interest;
import io.vertx.core.Future;

import java.util.List;

/**
 * Records the token usage of every model call, whole or streamed alike. On streamed chat and
 * completion requests it asks the upstream for usage ({@code stream_options.include_usage}); a
 * caller that did not ask for usage never sees the usage-only chunk. When no usage comes, what
 * the model generated is counted by the gateway instead. First in the chain's answer phase, so it
 * sees what the upstream sent before any policy changed or held it back.
 */
public final class UsageAccountingPolicy implements Policy {

    public static final String ID = "usage-accounting";

    public static final Setting<Boolean> USAGE_ACCOUNTING = Setting.global("TOLLGATE_USAGE_ACCOUNTING",
            SettingType.bool(), true,
            "Read the token usage of every model call (for cost, limits, budgets and the log); adds "
            + "`stream_options.include_usage: true` to streamed chat and completion requests (the caller still sees "
            + "usage only if it asked). See [Streaming](streaming.md).");

    /** Per request: whether the caller asked for usage chunks itself; what was generated until usage came. */
    private static final class State {
        boolean callerWantsUsage = true;
        GeneratedOutput generated;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(USAGE_ACCOUNTING);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        return ex.endpoint().kind() != Endpoint.Kind.OTHER && ex.settings().get(USAGE_ACCOUNTING);
    }

    @Override
    public boolean readsRequest(Exchange ex) {
        return false; // a streamed request's body is parsed on demand, to add stream_options
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        Endpoint.Kind kind = ex.endpoint().kind();
        if (!ex.stream() || !(kind == Endpoint.Kind.CHAT_COMPLETIONS || kind == Endpoint.Kind.COMPLETIONS)) {
            return Verdict.PROCEED_FUTURE;
        }
        ObjectNode body = ex.body();
        JsonNode options = body.get("stream_options");
        JsonNode include = options == null ? null : options.get("include_usage");
        if (include != null && include.isBoolean() && include.booleanValue()) {
            return Verdict.PROCEED_FUTURE;
        }
        ex.state(this, State::new).callerWantsUsage = false;
        ObjectNode opts = options instanceof ObjectNode o ? o : body.putObject("stream_options");
        opts.put("include_usage", true);
        return Future.succeededFuture(Verdict.rewrite(body));
    }

    @Override
    public Interest answerInterest(Exchange ex) {
        return Interest.USAGE;
    }

    @Override
    public EventAction onEvent(Exchange ex, AnswerEvent event) {
        if (event instanceof AnswerEvent.Start s) {
            ex.responseIdentity(s.id(), s.model());
        } else if (event instanceof AnswerEvent.Usage u) {
            ex.usage(u.usage());
            State st = ex.state(this, State::new);
            st.generated = null; // counted by the upstream: nothing left to estimate
            if (!st.callerWantsUsage && u.slot() != null && !u.slot().frame().isWhole()) return EventAction.DROP;
        } else if (event instanceof AnswerEvent.Text || event instanceof AnswerEvent.ToolCall || event instanceof AnswerEvent.Opaque) {
            generated(ex, event);
        }
        return EventAction.EMIT;
    }

    private void generated(Exchange ex, AnswerEvent e) {
        if (ex.usage() != null) return;
        State st = ex.state(this, State::new);
        if (st.generated == null) {
            // The codec that decodes kept frames later: a fresh one, so the relay's stream state stays its own.
            AnswerCodec codec = Codecs.of(ex.endpoint().kind());
            st.generated = new GeneratedOutput(ex.model(), codec);
        }
        st.generated.add(e);
    }

    @Override
    public void onComplete(Exchange ex) {
        if (ex.usage() != null) return;
        State st = ex.state(this, State::new);
        GeneratedOutput g = st.generated;
        if (g != null && !g.isEmpty()) ex.outputEstimate(g::tokens);
    }
}
