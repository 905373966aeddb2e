package dev.tollgate.policy.screen;

import dev.tollgate.api.ApiError;
import dev.tollgate.chain.EventAction;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.wire.AnswerEvent;
import dev.tollgate.wire.Interest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer side of a text-screening policy, the same for whole answers and streams and for
 * every API shape: the answer's text and its tool calls (function names and arguments) are
 * screened. Streamed pieces go through a {@link StreamScreen}, so only what a match could still
 * span is held back, and a term split across two deltas is still caught; the held text is released
 * when its choice finishes. A block ends the answer with an error and no further content.
 */
public abstract class ScreeningPolicy implements Policy {

    /** Findings recorded per request and policy; the rest are counted, not listed. */
    private static final int MAX_FINDINGS = 50;

    /** The screen for this exchange's answer, or null when the policy has nothing to check. */
    protected abstract TextScreen responseScreen(Exchange ex);

    protected abstract ApiError blockError(TextScreen.Hit hit);

    protected abstract Finding finding(TextScreen.Hit hit, String where);

    /** Key of the answer state in the exchange (subclasses key their own state on the policy itself). */
    private final Object answerStateKey = new Object();

    /** Per request: the screens, and the last event seen at each streamed position (to shape released text). */
    private static final class AnswerState {
        TextScreen whole;
        StreamScreen stream;
        final Map<Object, AnswerEvent> open = new LinkedHashMap<>(4);
        int findings;
        TextScreen.Hit blockAtEnd;
    }

    @Override
    public Interest answerInterest(Exchange ex) {
        return responseScreen(ex) != null ? Interest.EVENTS : Interest.NONE;
    }

    private AnswerState state(Exchange ex) {
        AnswerState st = ex.state(answerStateKey, AnswerState::new);
        if (st.whole == null) {
            st.whole = responseScreen(ex);
            st.stream = new StreamScreen(st.whole);
        }
        return st;
    }

    @Override
    public EventAction onEvent(Exchange ex, AnswerEvent event) {
        if (event instanceof AnswerEvent.Text t && t.channel() != AnswerEvent.Channel.REASONING) return text(ex, t);
        if (event instanceof AnswerEvent.ToolCall c) return toolCall(ex, c);
        if (event instanceof AnswerEvent.Finish f) return finish(ex, f);
        if (event instanceof AnswerEvent.End) {
            AnswerState st = ex.state(answerStateKey, AnswerState::new);
            if (st.blockAtEnd != null) return new EventAction.Abort(blockError(st.blockAtEnd), finding(st.blockAtEnd, "response"));
        }
        return EventAction.EMIT;
    }

    private EventAction text(Exchange ex, AnswerEvent.Text t) {
        AnswerState st = state(ex);
        // The position's shape only: the event itself would keep its frame (and the read it came in) alive.
        if (t.form() == AnswerEvent.Form.DELTA) st.open.putIfAbsent(t.position(), new AnswerEvent.Text(t.choice(), t.part(), t.channel(), "", t.form(), null));
        Screened s = screen(st, t.position(), t.text(), t.form());
        EventAction blocked = report(ex, st, s.hits, "response");
        if (blocked != null) return blocked;
        return s.text.equals(t.text()) ? EventAction.EMIT : EventAction.replace(t.withText(s.text));
    }

    private EventAction toolCall(Exchange ex, AnswerEvent.ToolCall c) {
        AnswerState st = state(ex);
        String name = c.name();
        List<TextScreen.Hit> hits = new ArrayList<>(0);
        if (name != null && !name.isEmpty()) {
            // A name comes whole; in a repeat its hits were reported with the call's first piece: keep only blocks.
            TextScreen.Screened n = st.whole.screen(name);
            for (TextScreen.Hit h : n.hits()) if (c.form() != AnswerEvent.Form.REPEAT || h.action() == Finding.Action.BLOCK) hits.add(h);
            name = n.text();
        }
        String args = c.arguments();
        if (args != null) {
            if (c.form() == AnswerEvent.Form.DELTA) {
                st.open.putIfAbsent(c.position(), new AnswerEvent.ToolCall(c.choice(), c.index(), null, null, "", c.form(), null));
            }
            Screened s = screen(st, c.position(), args, c.form());
            hits.addAll(s.hits);
            args = s.text;
        }
        EventAction blocked = report(ex, st, hits, "tool call");
        if (blocked != null) return blocked;
        boolean same = java.util.Objects.equals(name, c.name()) && java.util.Objects.equals(args, c.arguments());
        return same ? EventAction.EMIT : EventAction.replace(c.with(name, args));
    }

    /** A choice (or one text part of it) is complete: release what its positions held back, before the finish. */
    private EventAction finish(Exchange ex, AnswerEvent.Finish f) {
        AnswerState st = ex.state(answerStateKey, AnswerState::new);
        if (st.open.isEmpty()) return EventAction.EMIT;
        List<AnswerEvent> out = new ArrayList<>(2);
        List<Object> done = new ArrayList<>(1);
        for (Map.Entry<Object, AnswerEvent> e : st.open.entrySet()) {
            if (finishes(f, e.getValue())) done.add(e.getKey());
        }
        for (Object position : done) {
            AnswerEvent released = release(ex, st, position);
            if (st.blockAtEnd != null) {
                TextScreen.Hit h = st.blockAtEnd;
                st.blockAtEnd = null;
                return new EventAction.Abort(blockError(h), finding(h, "response"));
            }
            if (released != null) out.add(released);
        }
        if (out.isEmpty()) return EventAction.EMIT;
        out.add(f);
        return EventAction.expand(out);
    }

    private static boolean finishes(AnswerEvent.Finish f, AnswerEvent open) {
        if (open instanceof AnswerEvent.Text t) return t.choice() == f.choice() && (f.part() == 0 || t.part() == f.part());
        if (open instanceof AnswerEvent.ToolCall c) return c.choice() == f.choice();
        return false;
    }

    /** The answer ends with positions still open: their held-back text, screened to the end. */
    @Override
    public List<AnswerEvent> onAnswerEnd(Exchange ex) {
        AnswerState st = ex.state(answerStateKey, AnswerState::new);
        if (st.open.isEmpty()) return List.of();
        List<AnswerEvent> out = new ArrayList<>();
        for (Object position : new ArrayList<>(st.open.keySet())) {
            AnswerEvent released = release(ex, st, position);
            if (st.blockAtEnd != null) return out; // the End that follows aborts
            if (released != null) out.add(released);
        }
        return out;
    }

    /** Releases one position's held text as a new event (null when nothing was held); a block is kept for the caller. */
    private AnswerEvent release(Exchange ex, AnswerState st, Object position) {
        AnswerEvent template = st.open.remove(position);
        TextScreen.Screened s = st.stream.release(position, "", true);
        for (TextScreen.Hit h : s.hits()) {
            if (h.action() == Finding.Action.BLOCK) {
                st.blockAtEnd = h;
                return null;
            }
            if (st.findings++ < MAX_FINDINGS) ex.addFinding(finding(h, template instanceof AnswerEvent.ToolCall ? "tool call" : "response"));
        }
        if (s.text().isEmpty()) return null;
        if (template instanceof AnswerEvent.Text t) {
            return new AnswerEvent.Text(t.choice(), t.part(), t.channel(), s.text(), AnswerEvent.Form.DELTA, null);
        }
        AnswerEvent.ToolCall c = (AnswerEvent.ToolCall) template;
        return new AnswerEvent.ToolCall(c.choice(), c.index(), null, null, s.text(), AnswerEvent.Form.DELTA, null);
    }

    private record Screened(String text, List<TextScreen.Hit> hits) {}

    /** A piece streams through the position's screen; a whole text is screened at once; a repeat reports only blocks. */
    private static Screened screen(AnswerState st, Object position, String text, AnswerEvent.Form form) {
        switch (form) {
            case DELTA -> {
                TextScreen.Screened s = st.stream.release(position, text, false);
                return new Screened(s.text(), s.hits());
            }
            case WHOLE -> {
                TextScreen.Screened s = st.whole.screen(text);
                return new Screened(s.text(), s.hits());
            }
            default -> {
                // A repeat says again what its deltas said, whose hits are already reported: keep only blocks.
                TextScreen.Screened s = st.stream.screenWhole(text);
                List<TextScreen.Hit> blocks = new ArrayList<>(0);
                for (TextScreen.Hit h : s.hits()) if (h.action() == Finding.Action.BLOCK) blocks.add(h);
                return new Screened(s.text(), blocks);
            }
        }
    }

    /** Records the hits; a block ends the answer. */
    private EventAction report(Exchange ex, AnswerState st, List<TextScreen.Hit> hits, String where) {
        for (TextScreen.Hit h : hits) {
            if (h.action() == Finding.Action.BLOCK) return new EventAction.Abort(blockError(h), finding(h, where));
        }
        for (TextScreen.Hit h : hits) if (st.findings++ < MAX_FINDINGS) ex.addFinding(finding(h, where));
        return null;
    }
}
