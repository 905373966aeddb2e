package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ApiError;

import java.util.List;

/** A policy's answer to one stream event. */
public sealed interface ChunkAction {

    /** Pass the event on as it is. */
    record Emit() implements ChunkAction {}

    /** Pass on this JSON instead of the event's data. */
    record Replace(JsonNode data) implements ChunkAction {}

    /** Do not show this event to the caller. */
    record Drop() implements ChunkAction {}

    /** Send these events instead (e.g. held-back text released just before the event that ends it). */
    record Expand(List<StreamChunk> chunks) implements ChunkAction {}

    /** End the stream with an error event; nothing more reaches the caller. */
    record Abort(ApiError error, Finding finding) implements ChunkAction {}

    ChunkAction EMIT = new Emit();
    ChunkAction DROP = new Drop();

    static ChunkAction replace(JsonNode data) {
        return new Replace(data);
    }

    static ChunkAction expand(List<StreamChunk> chunks) {
        return new Expand(List.copyOf(chunks));
    }
}
