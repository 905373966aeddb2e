package dev.tollgate.api;

import java.util.Set;

/**
 * The OpenAI endpoint a request targets, from its path below {@code /v1}. Known model endpoints
 * get a kind the chain understands; everything else is {@link Kind#OTHER} and passes through.
 */
public record Endpoint(Kind kind, String apiPath, boolean routed, Route route) {

    public enum Kind {
        CHAT_COMPLETIONS(true, true),
        COMPLETIONS(true, true),
        RESPONSES(true, true),
        EMBEDDINGS(true, false),
        MODERATIONS(true, false),
        IMAGES_GENERATIONS(true, false),
        AUDIO_SPEECH(true, false),
        OTHER(false, false);

        /** A POST body for this endpoint must be JSON. */
        public final boolean jsonBody;
        /** Supports {@code stream: true} with SSE. */
        public final boolean streams;

        Kind(boolean jsonBody, boolean streams) {
            this.jsonBody = jsonBody;
            this.streams = streams;
        }
    }

    /**
     * First path segments of the OpenAI API. A path without the /v1 prefix is accepted only when
     * it starts with one of these, so {@code /chat/completions} works and {@code /favicon.ico} is 404.
     */
    public static final Set<String> OPENAI_RESOURCES = Set.of("chat", "completions", "responses", "embeddings",
            "moderations", "images", "audio", "files", "uploads", "batches", "models", "fine_tuning", "fine-tunes",
            "assistants", "threads", "vector_stores", "realtime", "evals", "containers", "conversations", "videos",
            "organization", "edits", "engines", "graders", "chatkit");

    /**
     * Classifies a canonical path below /v1 (starting with '/', no query; see {@link CanonicalPath})
     * for this method. Literal segments of a catalogued operation are matched regardless of case and
     * respelled as the catalog spells them: {@link #apiPath()} is the path to forward.
     */
    public static Endpoint of(String method, String apiPath) {
        Routes.Match m = Routes.match(method, apiPath);
        return new Endpoint(kindOf(m.path()), m.path(), true, m.route());
    }

    /** A POST to this path. */
    public static Endpoint of(String apiPath) {
        return of("POST", apiPath);
    }

    /** A request refused before routing (unknown route, bad path): logged under its raw path. */
    public static Endpoint unrouted(String path) {
        return new Endpoint(Kind.OTHER, path, false, Route.READ);
    }

    private static Kind kindOf(String p) {
        return switch (p) {
            case "/chat/completions", "/messages" -> Kind.CHAT_COMPLETIONS;
            case "/completions" -> Kind.COMPLETIONS;
            case "/responses" -> Kind.RESPONSES;
            case "/embeddings" -> Kind.EMBEDDINGS;
            case "/moderations" -> Kind.MODERATIONS;
            case "/images/generations" -> Kind.IMAGES_GENERATIONS;
            case "/audio/speech" -> Kind.AUDIO_SPEECH;
            default -> Kind.OTHER;
        };
    }

    /**
     * Anthropic's Messages API ({@code /v1/messages}): translated to a chat completion on the way in
     * and back on the way out, so it gets every policy, limit and provider.
     */
    public boolean anthropicFormat() {
        return routed && apiPath.equals("/messages");
    }

    /**
     * Anthropic's token count ({@code /v1/messages/count_tokens}): counted by the model's
     * provider or the gateway's tokenizer, never billed; errors in Anthropic's shape.
     */
    public boolean countTokens() {
        return routed && apiPath.equals("/messages/count_tokens");
    }

    /** The path as logged: always with the /v1 prefix. */
    public String logPath() {
        return routed ? "/v1" + apiPath : apiPath;
    }

    /** Multipart uploads whose form names a model (and for images a size): policies read those fields. */
    public boolean hasModelFormField() {
        return route.body() == Route.Body.FORM || route.body() == Route.Body.JSON_OR_FORM;
    }

    public boolean isImages() {
        return apiPath.startsWith("/images/");
    }
}
