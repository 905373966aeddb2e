package dev.tollgate.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.wire.StreamChunk;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes the answers of one OpenAI API shape (chat completions, legacy completions,
 * Responses, ...): frames in, {@link AnswerEvent}s out, and back. One instance per request: a
 * stream's codec remembers what later frames need (its first frame, the envelope its chunks share).
 *
 * <p>Encoding writes back only what changed: an event still identical to the one decoded keeps
 * the frame's bytes; a changed text is written into its slot; a dropped usage leaves the frame
 * (and a frame left with nothing to say is not sent); an event a policy added is merged into the
 * frame's own event of the same position or sent as a frame of its own, in order.
 */
public abstract class AnswerCodec {

    private boolean started;

    /** The events of one frame, decoded no further than {@code interest} asks. */
    public final List<AnswerEvent> decode(Frame f, Interest interest) {
        if (interest == Interest.NONE) return List.of();
        List<AnswerEvent> out = new ArrayList<>(4);
        if (f.isWhole()) {
            if (interest == Interest.USAGE) wholeSummary(f, out);
            else wholeEvents(f, out);
            out.add(new AnswerEvent.End(f));
            return out;
        }
        StreamChunk e = f.event();
        if (e.isDone()) {
            out.add(new AnswerEvent.End(f));
            return out;
        }
        if (!started && e.data() != null && e.data().startsWith("{")) {
            JsonNode json = f.json();
            if (json instanceof ObjectNode o) {
                AnswerEvent.Start s = start(o);
                if (s != null) {
                    started = true;
                    out.add(s);
                }
            }
        }
        String failure = failureOf(e);
        if (failure != null) out.add(new AnswerEvent.Failure(failure));
        else if (interest == Interest.USAGE) streamSummary(f, out);
        else if (f.json() instanceof ObjectNode o) streamEvents(f, o, out);
        if (isTerminal(e)) out.add(new AnswerEvent.End(f));
        return out;
    }

    /** The answer's identity when this first JSON frame carries it, else null. */
    protected abstract AnswerEvent.Start start(ObjectNode firstFrame);

    /** Every typed event of a stream frame. */
    protected abstract void streamEvents(Frame f, ObjectNode json, List<AnswerEvent> out);

    /** Every typed event of a whole answer (before its End). */
    protected abstract void wholeEvents(Frame f, List<AnswerEvent> out);

    /** A stream frame at USAGE interest: its usage when a byte scan finds one, else the frame kept opaque. */
    protected void streamSummary(Frame f, List<AnswerEvent> out) {
        String data = f.event().data();
        if (data != null && hasUsageObject(data) && f.json() instanceof ObjectNode o) {
            JsonNode usage = usageOf(o);
            if (usage != null) {
                out.add(new AnswerEvent.Usage(usage, usageSlot(f, o)));
                if (!carriesOnlyUsage(o)) out.add(new AnswerEvent.Opaque(f)); // the rest must still reach the caller
                return;
            }
        }
        if (data != null && !data.isEmpty() && data.charAt(0) == '{') out.add(new AnswerEvent.Opaque(f));
    }

    /** Whether a stream frame with usage says nothing else (OpenAI's usage chunk: {@code "choices": []}). */
    protected boolean carriesOnlyUsage(ObjectNode frame) {
        JsonNode c = frame.get("choices");
        return c == null || c.isArray() && c.isEmpty();
    }

    /** Where a stream frame's usage object is, or null. */
    protected JsonNode usageOf(ObjectNode frame) {
        JsonNode u = frame.get("usage");
        return u != null && u.isObject() ? u : null;
    }

    protected Slot usageSlot(Frame f, ObjectNode frame) {
        return new Slot(f, frame, "usage");
    }

    /** A whole answer at USAGE interest: identity and usage found without building a tree. */
    private static void wholeSummary(Frame f, List<AnswerEvent> out) {
        ResponseSummary s = ResponseSummary.scan(f.body());
        out.add(new AnswerEvent.Start(s.id(), s.model()));
        if (s.usage() != null) out.add(new AnswerEvent.Usage(s.usage(), null));
        else out.add(new AnswerEvent.Opaque(f));
    }

    /**
     * What an upstream error event says (its own words), or null when the event is part of the
     * answer: here a chunk whose JSON has a top-level {@code error} (OpenAI's mid-stream error).
     * The cheap test comes first: an error's JSON names the field, answer text holds the word only
     * escaped, so most frames are never parsed for this.
     */
    public String failureOf(StreamChunk e) {
        String data = e.data();
        if (data == null || !data.contains("\"error\"")) return null;
        return e.json() instanceof ObjectNode o ? errorMessage(o.get("error")) : null;
    }

    /** An {@code error} value's message: its {@code message}, a bare string, or a stand-in; null for none. */
    protected static String errorMessage(JsonNode error) {
        if (error == null || error.isNull() || error.isMissingNode()) return null;
        if (error.isTextual()) return error.textValue();
        JsonNode m = error.get("message");
        return m != null && m.isTextual() ? m.textValue() : "upstream error";
    }

    /**
     * The stream event that reports an error the gateway learned of in the provider's words
     * ({@code openAiError}: {@code {"error": {...}}}), shaped as this API's upstream would send it:
     * here the error chunk itself.
     */
    public StreamChunk failureEvent(ObjectNode openAiError) {
        return StreamChunk.of(null, openAiError);
    }

    /** The events that end a Responses API stream (and an {@code error} event any stream). */
    static final java.util.Set<String> END_EVENTS = java.util.Set.of("response.completed", "response.failed", "response.incomplete", "error");

    /** The terminal event of a stream: {@code [DONE]}, or a Responses API end event. */
    public boolean isTerminal(StreamChunk chunk) {
        if (chunk.isDone()) return true;
        String event = chunk.event();
        return event != null && END_EVENTS.contains(event);
    }

    // ---- encoding ---------------------------------------------------------------------------

    /** The stream events to send for frame {@code f}, whose events {@code in} the chain turned into {@code out}. */
    public final List<StreamChunk> encode(Frame f, List<AnswerEvent> in, List<AnswerEvent> out) {
        if (same(in, out)) return sequenced(f, List.of(f.event()));
        List<StreamChunk> before = new ArrayList<>(1);
        List<StreamChunk> after = new ArrayList<>(0);
        boolean changed = writeBack(f, in, out, before, after);
        List<StreamChunk> result = new ArrayList<>(before.size() + 1 + after.size());
        result.addAll(before);
        if (keepsFrame(in, out, f)) result.add(changed ? StreamChunk.of(f.event().event(), f.json()) : f.event());
        result.addAll(after);
        return sequenced(f, result);
    }

    /**
     * The chunks to send for frame {@code f}, numbered as this API numbers its events: here as they
     * are (chat streams have no numbers). {@code f.event()} (or a chunk of {@code f.json()}) is the
     * upstream's own; any other chunk is one the gateway made.
     */
    protected List<StreamChunk> sequenced(Frame f, List<StreamChunk> chunks) {
        return chunks;
    }

    /** An upstream event relayed without decoding: noted for numbering the events the gateway may add after it. */
    public void passedUndecoded(StreamChunk upstream) {
        // chat streams have no numbers
    }

    /** An event the gateway makes outside any upstream frame (an error ending the stream), numbered like the rest. */
    public StreamChunk gatewayEvent(StreamChunk made) {
        return sequenced(Frame.of(StreamChunk.done()), List.of(made)).get(0);
    }

    /** The whole answer's body after the chain: its original bytes when nothing changed. */
    public final Buffer encodeWhole(Frame f, List<AnswerEvent> in, List<AnswerEvent> out) {
        if (same(in, out)) return f.body();
        boolean changed = writeBack(f, in, out, null, null);
        return changed ? Json.toBuffer(f.json()) : f.body();
    }

    private static boolean same(List<AnswerEvent> in, List<AnswerEvent> out) {
        if (in.size() != out.size()) return false;
        for (int i = 0; i < in.size(); i++) if (in.get(i) != out.get(i)) return false;
        return true;
    }

    /** Whether any of the frame's own events is still sent (or it had none to lose). */
    private static boolean keepsFrame(List<AnswerEvent> in, List<AnswerEvent> out, Frame f) {
        boolean hadOwn = false;
        for (AnswerEvent e : in) {
            if (e instanceof AnswerEvent.End) continue; // the terminal frame is always sent
            hadOwn = true;
            break;
        }
        if (!hadOwn) return true;
        for (AnswerEvent e : out) if (belongsTo(e, f, in)) return true;
        return false;
    }

    /**
     * Writes changed, dropped and added events into the frame. Stream frames get added events as
     * frames of their own ({@code before} or {@code after} the frame); a whole answer takes them in.
     * Returns whether the frame's JSON changed.
     */
    private boolean writeBack(Frame f, List<AnswerEvent> in, List<AnswerEvent> out, List<StreamChunk> before, List<StreamChunk> after) {
        boolean changed = false;
        boolean seenOwn = false;
        Map<Slot, Boolean> kept = new IdentityHashMap<>();
        Map<Object, AnswerEvent> lastOwnAt = new java.util.HashMap<>();
        for (AnswerEvent e : out) {
            if (belongsTo(e, f, in)) {
                seenOwn = true;
                Slot slot = slotOf(e);
                if (slot != null) kept.put(slot, Boolean.TRUE);
                changed |= apply(e);
                Object pos = positionOf(e);
                if (pos != null && slot != null) lastOwnAt.put(pos, e);
                continue;
            }
            Object pos = positionOf(e);
            AnswerEvent own = pos == null ? null : lastOwnAt.get(pos);
            if (own != null && appendTo(own, e)) {
                changed = true;
                continue;
            }
            if (f.isWhole()) {
                changed |= addToWhole(f, e);
                continue;
            }
            StreamChunk c = render(e, f);
            if (c != null) (seenOwn ? after : before).add(c);
        }
        for (AnswerEvent e : in) {
            Slot slot = slotOf(e);
            if (slot == null || slot.frame() != f || kept.containsKey(slot)) continue;
            if (e instanceof AnswerEvent.Usage) {
                slot.holder().remove(slot.field());
                changed = true;
            } else if (slot.holder().has(slot.field())) {
                slot.holder().put(slot.field(), "");
                changed = true;
            }
        }
        return changed;
    }

    private static boolean belongsTo(AnswerEvent e, Frame f, List<AnswerEvent> in) {
        Slot s = slotOf(e);
        if (s != null) return s.frame() == f;
        for (AnswerEvent i : in) if (i == e) return true;
        return false;
    }

    private static Slot slotOf(AnswerEvent e) {
        if (e instanceof AnswerEvent.Text t) return t.slot();
        if (e instanceof AnswerEvent.ToolCall c) return c.slot();
        if (e instanceof AnswerEvent.Usage u) return u.slot();
        return null;
    }

    private static Object positionOf(AnswerEvent e) {
        if (e instanceof AnswerEvent.Text t) return t.position();
        if (e instanceof AnswerEvent.ToolCall c) return c.position();
        return null;
    }

    /** Writes an event's value into its slot; true when that changed the JSON. */
    private static boolean apply(AnswerEvent e) {
        if (e instanceof AnswerEvent.Text t && t.slot() != null) return put(t.slot(), t.slot().field(), t.text());
        if (e instanceof AnswerEvent.ToolCall c && c.slot() != null) {
            boolean changed = c.arguments() != null && put(c.slot(), c.slot().field(), c.arguments());
            if (c.name() != null && c.slot().holder().has("name")) changed |= put(c.slot(), "name", c.name());
            return changed;
        }
        return false;
    }

    /** An added piece of the same position as one of the frame's own events: appended to it. */
    private static boolean appendTo(AnswerEvent own, AnswerEvent added) {
        if (own instanceof AnswerEvent.Text t && added instanceof AnswerEvent.Text a && t.form() == AnswerEvent.Form.DELTA) {
            JsonNode v = t.slot().holder().get(t.slot().field());
            t.slot().holder().put(t.slot().field(), (v == null ? "" : v.asText()) + a.text());
            return true;
        }
        if (own instanceof AnswerEvent.ToolCall c && added instanceof AnswerEvent.ToolCall a && c.form() == AnswerEvent.Form.DELTA
                && a.arguments() != null) {
            JsonNode v = c.slot().holder().get(c.slot().field());
            c.slot().holder().put(c.slot().field(), (v == null ? "" : v.asText()) + a.arguments());
            return true;
        }
        return false;
    }

    private static boolean put(Slot slot, String field, String value) {
        JsonNode current = slot.holder().get(field);
        if (current != null && current.isTextual() && Objects.equals(current.textValue(), value)) return false;
        slot.holder().put(field, value);
        return true;
    }

    /** A stream frame of its own for an event a policy added, shaped like {@code near}; null to send nothing. */
    protected abstract StreamChunk render(AnswerEvent added, Frame near);

    /** Takes an added event into a whole answer; true when that changed it. */
    protected boolean addToWhole(Frame f, AnswerEvent added) {
        return false;
    }

    /**
     * Whether the JSON text has a "usage" key whose value is an object. Inside a JSON string a
     * quote is always escaped, so this cannot match string content; every chunk of a stream with
     * include_usage carries {@code "usage":null}, which this skips without parsing.
     */
    public static boolean hasUsageObject(String data) {
        int from = 0;
        while (true) {
            int i = data.indexOf("\"usage\"", from);
            if (i < 0) return false;
            int j = i + 7;
            while (j < data.length() && Character.isWhitespace(data.charAt(j))) j++;
            if (j < data.length() && data.charAt(j) == ':') {
                j++;
                while (j < data.length() && Character.isWhitespace(data.charAt(j))) j++;
                if (j < data.length() && data.charAt(j) == '{') return true;
            }
            from = i + 7;
        }
    }
}
