package dev.tollgate.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import dev.tollgate.observe.SecretScrubber;

/** A body the request log carries, as a span attribute: scrubbed of secrets as the log line is, and clipped. */
final class LoggedText {

    private LoggedText() {}

    static String of(JsonNode body, int maxChars) {
        String text = Json.toString(SecretScrubber.forLogs().scrub(body));
        return text.length() <= maxChars ? text : text.substring(0, maxChars) + "…";
    }
}
