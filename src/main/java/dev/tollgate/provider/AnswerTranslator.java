package dev.tollgate.provider;

import dev.tollgate.provider.StreamTranslator;
import io.vertx.core.buffer.Buffer;

/** Turns a provider's answers into OpenAI's format: whole bodies (answers and errors) and streams. */
public interface AnswerTranslator {

    /** An answer in OpenAI's format, with the status to give the caller. */
    record Whole(int status, Buffer body) {}

    Whole whole(int status, Buffer body);

    StreamTranslator stream();
}
