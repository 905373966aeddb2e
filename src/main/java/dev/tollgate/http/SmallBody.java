package dev.tollgate.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.util.function.Consumer;

/**
 * Reads a small request body (admin calls, sign-ins) whole, up to a limit. Past the limit the rest
 * is read and dropped, so the connection stays usable, and the caller is told it was too large.
 */
public final class SmallBody {

    private SmallBody() {}

    public static void read(HttpServerRequest req, int maxBytes, Consumer<Buffer> whole, Runnable tooLarge) {
        Buffer body = Buffer.buffer();
        boolean[] over = {false};
        req.handler(chunk -> {
            if (over[0] || body.length() + chunk.length() > maxBytes) over[0] = true;
            else body.appendBuffer(chunk);
        });
        req.endHandler(v -> {
            if (over[0]) tooLarge.run();
            else whole.accept(body);
        });
    }
}
