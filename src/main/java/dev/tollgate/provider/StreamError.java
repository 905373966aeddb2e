package dev.tollgate.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A provider reported an error in the middle of a stream: relayed as an OpenAI error event. */
public class StreamError extends RuntimeException {
    private final int status;
    private final ObjectNode openAiError;

    public StreamError(int status, ObjectNode openAiError) {
        super(openAiError.path("error").path("message").asText(), null, false, false);
        this.status = status;
        this.openAiError = openAiError;
    }

    public int status() {
        return status;
    }

    public ObjectNode openAiError() {
        return openAiError;
    }
}
