package dev.tollgate.api;

import dev.tollgate.api.Route.Billing;
import dev.tollgate.api.Route.Body;
import dev.tollgate.api.Route.Model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The catalog of OpenAI operations that change something (POST, and PUT / PATCH alike), from the
 * API reference: which name a model and where, and which the gateway can meter. GET, HEAD and
 * DELETE run no model and bill nothing. Matching ignores the case of the literal segments and
 * gives back the catalog's spelling, so {@code /Chat/Completions} is judged and forwarded as
 * {@code /chat/completions}; path parameters keep their case.
 */
public final class Routes {

    private Routes() {}

    private record Entry(String[] segments, Route route) {}

    private static final List<Entry> WRITES = new ArrayList<>();
    /** The entries by lower-case first segment and segment count ("chat/2"): a lookup, not a scan. */
    private static final Map<String, List<Entry>> INDEX = new HashMap<>();

    private static void add(String pattern, Model model, Body body, Billing billing) {
        add(pattern, model, model == Model.REQUIRED || model == Model.OPTIONAL ? "/model" : null, body, billing);
    }

    private static void add(String pattern, Model model, String pointer, Body body, Billing billing) {
        Entry e = new Entry(pattern.substring(1).split("/"), new Route(pattern, model, pointer, body, billing));
        WRITES.add(e);
        INDEX.computeIfAbsent(e.segments[0] + "/" + e.segments.length, k -> new ArrayList<>()).add(e);
    }

    static {
        // Model endpoints: the answer carries usage.
        add("/chat/completions", Model.REQUIRED, Body.JSON, Billing.METERED);
        add("/messages", Model.REQUIRED, Body.JSON, Billing.METERED);
        add("/completions", Model.REQUIRED, Body.JSON, Billing.METERED);
        add("/responses", Model.REQUIRED, Body.JSON, Billing.METERED);
        add("/embeddings", Model.REQUIRED, Body.JSON, Billing.METERED);
        add("/images/generations", Model.REQUIRED, Body.JSON, Billing.METERED);
        add("/audio/speech", Model.REQUIRED, Body.JSON, Billing.METERED);
        add("/moderations", Model.REQUIRED, Body.JSON, Billing.FREE);
        add("/responses/input_tokens", Model.REQUIRED, Body.JSON, Billing.FREE);
        add("/messages/count_tokens", Model.REQUIRED, Body.JSON, Billing.FREE); // Anthropic's, answered by the gateway
        add("/responses/compact", Model.REQUIRED, Body.JSON, Billing.UNBOUNDED);
        // Model endpoints the gateway does not price yet (per minute, per image edit, per second).
        add("/images/edits", Model.REQUIRED, Body.JSON_OR_FORM, Billing.UNBOUNDED);
        add("/images/variations", Model.REQUIRED, Body.FORM, Billing.UNBOUNDED);
        add("/audio/transcriptions", Model.REQUIRED, Body.FORM, Billing.UNBOUNDED);
        add("/audio/translations", Model.REQUIRED, Body.FORM, Billing.UNBOUNDED);
        add("/videos", Model.REQUIRED, Body.JSON_OR_FORM, Billing.UNBOUNDED);
        add("/videos/{id}/remix", Model.UNJUDGEABLE, Body.PASS, Billing.UNBOUNDED);
        add("/edits", Model.REQUIRED, Body.JSON, Billing.UNBOUNDED);
        // Assistants: creating one names its model; a run uses the assistant's unless it names one.
        add("/assistants", Model.REQUIRED, Body.JSON, Billing.FREE);
        add("/assistants/{id}", Model.OPTIONAL, Body.JSON, Billing.FREE);
        add("/threads", Model.NONE, Body.PASS, Billing.FREE);
        add("/threads/runs", Model.REQUIRED, Body.JSON, Billing.UNBOUNDED);
        add("/threads/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/threads/{id}/messages", Model.NONE, Body.PASS, Billing.FREE);
        add("/threads/{id}/messages/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/threads/{id}/runs", Model.REQUIRED, Body.JSON, Billing.UNBOUNDED);
        add("/threads/{id}/runs/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/threads/{id}/runs/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
        add("/threads/{id}/runs/{id}/submit_tool_outputs", Model.UNJUDGEABLE, Body.PASS, Billing.UNBOUNDED);
        // Fine-tuning and batches: asynchronous work billed later.
        add("/fine_tuning/jobs", Model.REQUIRED, Body.JSON, Billing.UNBOUNDED);
        add("/fine_tuning/jobs/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
        add("/fine_tuning/jobs/{id}/pause", Model.NONE, Body.PASS, Billing.FREE);
        add("/fine_tuning/jobs/{id}/resume", Model.NONE, Body.PASS, Billing.UNBOUNDED);
        add("/fine_tuning/checkpoints/{id}/permissions", Model.NONE, Body.PASS, Billing.FREE);
        add("/fine_tuning/alpha/graders/run", Model.UNJUDGEABLE, Body.PASS, Billing.UNBOUNDED);
        add("/fine_tuning/alpha/graders/validate", Model.NONE, Body.PASS, Billing.FREE);
        add("/fine-tunes", Model.REQUIRED, Body.JSON, Billing.UNBOUNDED);
        add("/fine-tunes/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
        add("/batches", Model.UNJUDGEABLE, Body.PASS, Billing.UNBOUNDED);
        add("/batches/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
        // Realtime: a session is created here and then billed on a connection that bypasses the gateway.
        add("/realtime/sessions", Model.REQUIRED, Body.JSON, Billing.UNBOUNDED);
        add("/realtime/client_secrets", Model.REQUIRED, "/session/model", Body.JSON, Billing.UNBOUNDED);
        add("/realtime/transcription_sessions", Model.UNJUDGEABLE, Body.PASS, Billing.UNBOUNDED);
        // Storage and bookkeeping: no model runs.
        add("/files", Model.NONE, Body.PASS, Billing.FREE);
        add("/uploads", Model.NONE, Body.PASS, Billing.FREE);
        add("/uploads/{id}/parts", Model.NONE, Body.PASS, Billing.FREE);
        add("/uploads/{id}/complete", Model.NONE, Body.PASS, Billing.FREE);
        add("/uploads/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
        add("/vector_stores", Model.NONE, Body.PASS, Billing.FREE);
        add("/vector_stores/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/vector_stores/{id}/search", Model.NONE, Body.PASS, Billing.FREE);
        add("/vector_stores/{id}/files", Model.NONE, Body.PASS, Billing.FREE);
        add("/vector_stores/{id}/files/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/vector_stores/{id}/file_batches", Model.NONE, Body.PASS, Billing.FREE);
        add("/vector_stores/{id}/file_batches/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
        add("/conversations", Model.NONE, Body.PASS, Billing.FREE);
        add("/conversations/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/conversations/{id}/items", Model.NONE, Body.PASS, Billing.FREE);
        add("/chat/completions/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/responses/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
        add("/evals", Model.NONE, Body.PASS, Billing.FREE);
        add("/evals/{id}", Model.NONE, Body.PASS, Billing.FREE);
        add("/evals/{id}/runs", Model.UNJUDGEABLE, Body.PASS, Billing.UNBOUNDED);
        add("/evals/{id}/runs/{id}", Model.NONE, Body.PASS, Billing.FREE);
        // Code interpreter containers and ChatKit sessions are billed per session, outside any usage object.
        add("/containers", Model.NONE, Body.PASS, Billing.UNBOUNDED);
        add("/containers/{id}/files", Model.NONE, Body.PASS, Billing.FREE);
        add("/chatkit/sessions", Model.UNJUDGEABLE, Body.PASS, Billing.UNBOUNDED);
        add("/chatkit/sessions/{id}/cancel", Model.NONE, Body.PASS, Billing.FREE);
    }

    /** An operation and the path spelled as the catalog spells it. */
    public record Match(Route route, String path) {}

    /** The operation a method and canonical path (below /v1) name. */
    public static Match match(String method, String apiPath) {
        boolean write = !(method.equals("GET") || method.equals("HEAD") || method.equals("DELETE") || method.equals("OPTIONS"));
        String[] parts = apiPath.length() > 1 ? apiPath.substring(1).split("/") : new String[0];
        List<Entry> candidates = parts.length == 0 ? null : INDEX.get(parts[0].toLowerCase(Locale.ROOT) + "/" + parts.length);
        if (candidates == null) return new Match(write ? Route.UNKNOWN : Route.READ, apiPath);
        for (Entry e : candidates) {
            if (!matches(e.segments, parts)) continue;
            String path = spelled(e.segments, parts);
            return new Match(write ? e.route : Route.READ, path);
        }
        return new Match(write ? Route.UNKNOWN : Route.READ, apiPath);
    }

    private static boolean matches(String[] pattern, String[] parts) {
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i].equals("{id}")) continue;
            if (!pattern[i].equalsIgnoreCase(parts[i])) return false;
        }
        return true;
    }

    private static String spelled(String[] pattern, String[] parts) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pattern.length; i++) b.append('/').append(pattern[i].equals("{id}") ? parts[i] : pattern[i]);
        return b.toString();
    }

    /** Every operation in the catalog, for the table in docs/security.md and its test. */
    public static List<Route> all() {
        return WRITES.stream().map(Entry::route).toList();
    }
}
