package dev.tollgate.policy.screen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.chain.ChunkAction;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.ResponseText;
import dev.tollgate.chain.StreamChunk;
import dev.tollgate.chain.Verdict;
import dev.tollgate.json.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * The response side of a text-screening policy, the same for whole answers and streams: whole
 * answers are screened field by field; streamed text is screened as it arrives through a
 * {@link StreamScreen}, so a stream holds back only what a match could still span. A block ends
 * a stream with an error event and no further content.
 */
public abstract class ScreeningPolicy implements Policy {

    /** Findings recorded per request and policy; the rest are counted, not listed. */
    private static final int MAX_FINDINGS = 50;

    /** The screen for this exchange's response, or null when the policy has nothing to check. */
    protected abstract TextScreen responseScreen(Exchange ex);

    protected abstract ApiError blockError(TextScreen.Hit hit);

    protected abstract Finding finding(TextScreen.Hit hit, String where);

    /** Key of the stream state in the exchange (subclasses key their own state on the policy itself). */
    private final Object streamStateKey = new Object();

    /** Per-request stream state: the screen and the last event seen (to shape released text). */
    private static final class StreamState {
        StreamScreen screen;
        ObjectNode lastEnvelope;
        int findings;
    }

    @Override
    public boolean readsResponse(Exchange ex) {
        return responseScreen(ex) != null;
    }

    @Override
    public Verdict onResponse(Exchange ex, ObjectNode body) {
        TextScreen screen = responseScreen(ex);
        if (screen == null) return Verdict.proceed();
        List<Finding> findings = new ArrayList<>();
        boolean changed = false;
        for (ResponseText.Field f : ResponseText.of(body)) {
            String text = f.text();
            TextScreen.Screened s = screen.screen(text);
            for (TextScreen.Hit h : s.hits()) if (findings.size() < MAX_FINDINGS) findings.add(finding(h, "response"));
            if (s.block() != null) return new Verdict.Reject(blockError(s.block()), findings);
            if (s.changed(text)) {
                f.replace(s.text());
                changed = true;
            }
        }
        return changed ? new Verdict.Rewrite(body, findings) : new Verdict.Proceed(findings);
    }

    @Override
    public ChunkAction onChunk(Exchange ex, StreamChunk chunk) {
        if (chunk.data() == null || chunk.isDone()) return ChunkAction.EMIT;
        JsonNode json = chunk.json();
        if (!(json instanceof ObjectNode event)) return ChunkAction.EMIT;
        StreamState st = ex.state(streamStateKey, StreamState::new);
        if (st.screen == null) {
            TextScreen screen = responseScreen(ex);
            if (screen == null) return ChunkAction.EMIT;
            st.screen = new StreamScreen(screen);
        }
        ObjectNode copy = event.deepCopy();
        List<TextScreen.Hit> hits = new ArrayList<>();
        List<StreamChunk> before = new ArrayList<>(0);
        boolean changed = event.has("choices")
                ? screenChoices(st, copy, hits)
                : screenResponsesEvent(st, chunk.event(), copy, hits, before);
        for (TextScreen.Hit h : hits) {
            if (h.action() == Finding.Action.BLOCK) {
                return new ChunkAction.Abort(blockError(h), finding(h, "response"));
            }
            if (st.findings++ < MAX_FINDINGS) ex.addFinding(finding(h, "response"));
        }
        if (event.has("choices")) st.lastEnvelope = envelope(event);
        if (!before.isEmpty()) {
            before.add(changed ? StreamChunk.of(chunk.event(), copy) : chunk);
            return ChunkAction.expand(before);
        }
        return changed ? ChunkAction.replace(copy) : ChunkAction.EMIT;
    }

    /** Chat and legacy completion chunks: delta.content / text, per choice index. */
    private static boolean screenChoices(StreamState st, ObjectNode event, List<TextScreen.Hit> hits) {
        boolean changed = false;
        for (JsonNode c : event.path("choices")) {
            if (!(c instanceof ObjectNode choice)) continue;
            int index = choice.path("index").asInt(0);
            boolean last = choice.hasNonNull("finish_reason");
            ObjectNode holder;
            String field;
            if (choice.get("delta") instanceof ObjectNode delta) {
                holder = delta;
                field = "content";
            } else if (choice.has("text")) {
                holder = choice;
                field = "text";
            } else {
                continue;
            }
            JsonNode piece = holder.get(field);
            if ((piece == null || !piece.isTextual()) && !last) continue;
            String text = piece != null && piece.isTextual() ? piece.textValue() : "";
            TextScreen.Screened s = st.screen.release(index, text, last);
            hits.addAll(s.hits());
            if (!s.text().equals(text)) {
                holder.put(field, s.text());
                changed = true;
            }
        }
        return changed;
    }

    /** Responses API events: deltas are screened as a stream; whole texts in *.done events at once. */
    private static boolean screenResponsesEvent(StreamState st, String eventName, ObjectNode event, List<TextScreen.Hit> hits,
                                                List<StreamChunk> before) {
        String type = event.path("type").asText(eventName == null ? "" : eventName);
        String position = event.path("output_index").asInt(0) + ":" + event.path("content_index").asInt(0);
        switch (type) {
            case "response.output_text.delta" -> {
                String piece = event.path("delta").asText("");
                TextScreen.Screened s = st.screen.release(position, piece, false);
                hits.addAll(s.hits());
                if (s.text().equals(piece)) return false;
                event.put("delta", s.text());
                return true;
            }
            case "response.output_text.done" -> {
                // Release what was held back as one more delta just before the done event.
                TextScreen.Screened rest = st.screen.release(position, "", true);
                hits.addAll(rest.hits());
                if (!rest.text().isEmpty()) {
                    ObjectNode delta = Json.object().put("type", "response.output_text.delta");
                    delta.set("item_id", event.get("item_id"));
                    delta.set("output_index", event.get("output_index"));
                    delta.set("content_index", event.get("content_index"));
                    delta.put("delta", rest.text());
                    before.add(StreamChunk.of("response.output_text.delta", delta));
                }
                return screenWhole(st, event, "text", hits);
            }
            default -> {
                List<ResponseText.Field> fields = new ArrayList<>();
                if (event.get("part") instanceof ObjectNode part && "output_text".equals(part.path("type").asText())) {
                    fields.add(new ResponseText.Field(part, "text"));
                }
                if (event.get("item") instanceof ObjectNode item) ResponseText.outputParts(Json.MAPPER.createArrayNode().add(item), fields);
                if (event.get("response") instanceof ObjectNode response) ResponseText.outputParts(response.path("output"), fields);
                boolean changed = false;
                for (ResponseText.Field f : fields) changed |= screenWhole(st, f.holder(), f.name(), hits);
                return changed;
            }
        }
    }

    private static boolean screenWhole(StreamState st, ObjectNode holder, String field, List<TextScreen.Hit> hits) {
        JsonNode v = holder.get(field);
        if (v == null || !v.isTextual()) return false;
        TextScreen.Screened s = st.screen.screenWhole(v.textValue());
        // Hits in whole texts repeat what the deltas already reported: keep only blocks.
        for (TextScreen.Hit h : s.hits()) if (h.action() == Finding.Action.BLOCK) hits.add(h);
        if (s.text().equals(v.textValue())) return false;
        holder.put(field, s.text());
        return true;
    }

    /** The stream ended without closing some choices: release their held-back text. */
    @Override
    public List<StreamChunk> onStreamEnd(Exchange ex) {
        StreamState st = ex.state(streamStateKey, StreamState::new);
        if (st.screen == null || st.lastEnvelope == null) return List.of();
        List<StreamChunk> out = new ArrayList<>();
        for (Object position : st.screen.open()) {
            if (!(position instanceof Integer index)) continue;
            TextScreen.Screened s = st.screen.release(index, "", true);
            for (TextScreen.Hit h : s.hits()) {
                if (h.action() == Finding.Action.BLOCK) {
                    // Too late to abort here cleanly: withhold the rest instead.
                    ex.addFinding(finding(h, "response"));
                    return out;
                }
                if (st.findings++ < MAX_FINDINGS) ex.addFinding(finding(h, "response"));
            }
            if (s.text().isEmpty()) continue;
            ObjectNode chunk = st.lastEnvelope.deepCopy();
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
            if ("text_completion".equals(chunk.path("object").asText())) choice.put("text", s.text());
            else choice.putObject("delta").put("content", s.text());
            choice.putNull("finish_reason");
            out.add(StreamChunk.of(null, chunk));
        }
        return out;
    }

    private static ObjectNode envelope(ObjectNode event) {
        ObjectNode o = Json.object();
        for (String f : new String[]{"id", "object", "created", "model", "system_fingerprint"}) {
            if (event.has(f)) o.set(f, event.get(f));
        }
        return o;
    }
}
