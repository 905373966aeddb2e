package dev.tollgate.server;

import dev.tollgate.api.Route;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.ModelGate;
import dev.tollgate.api.ApiError;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.json.Json;
import dev.tollgate.caller.CallerCodec;
import dev.tollgate.api.TranslationException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;

/**
 * Reads a request's body: a JSON body whole (bounded, parsed or only scanned, decoded from the
 * caller's API), a multipart upload's form fields up to its model (the file itself is followed as
 * it streams, never parsed), or any other body left to stream upstream.
 */
final class RequestReader {

    private final ProxyRequest proxy;

    RequestReader(ProxyRequest proxy) {
        this.proxy = proxy;
    }

    /** Reads the request's body the way its endpoint takes it, then hands the request to the chain. */
    void read() {
        String contentLength = proxy.req.getHeader(HttpHeaders.CONTENT_LENGTH);
        long length = ContentHeaders.length(contentLength);
        if (length == -2) {
            proxy.fail(ApiError.badRequest("invalid_content_length", "The Content-Length header is not a valid length."));
            return;
        }
        boolean hasBody = length > 0 || (length == -1 && bodyWithoutLength());
        if (!hasBody) {
            proxy.bodyRead = true;
            if (proxy.req.method() == HttpMethod.GET && proxy.ex.endpoint().apiPath().equals("/models") && proxy.gen.router().routed()) {
                proxy.ownAnswers.listModels();
                return;
            }
            proxy.judging.run(null);
            return;
        }
        String contentType = proxy.req.getHeader(HttpHeaders.CONTENT_TYPE);
        Route.Body read = proxy.ex.endpoint().route().body();
        if (read == Route.Body.JSON || read == Route.Body.JSON_OR_FORM && ContentHeaders.isJson(contentType)) {
            if (!ContentHeaders.isJson(contentType)) {
                proxy.fail(new ApiError(415, ApiError.INVALID_REQUEST, "unsupported_media_type",
                        "This endpoint takes a JSON body: send Content-Type: application/json.", null));
                return;
            }
            readJson(length);
        } else {
            streamUpload(length);
        }
    }

    static ApiError tooLarge(long max) {
        return new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large",
                "The request body is larger than this gateway accepts (" + max + " bytes).", null);
    }

    // ---- request body ---------------------------------------------------------------------

    void readJson(long length) {
        long max = proxy.ctx.settings().get(CoreSettings.MAX_BODY_BYTES);
        if (length > max) {
            proxy.fail(tooLarge(max));
            return;
        }
        Buffer body = Buffer.buffer(length > 0 ? (int) length : 4096);
        proxy.phase = ProxyRequest.Phase.BODY;
        proxy.timer.arm(proxy.ctx.settings().get(CoreSettings.CLIENT_BODY_TIMEOUT_MS));
        proxy.req.handler(chunk -> {
            if (proxy.finished) return;
            if (body.length() + chunk.length() > max) {
                proxy.fail(tooLarge(max));
                return;
            }
            body.appendBuffer(chunk);
        });
        proxy.req.endHandler(v -> {
            if (proxy.finished) return;
            proxy.timer.disarm();
            proxy.bodyRead = true;
            boolean noData = length < 0 && body.length() == 0 && proxy.req.version() == HttpVersion.HTTP_2;
            if (noData) proxy.judging.run(null); // HEADERS ended the stream: no body, as with Content-Length: 0
            else onJsonBody(body);
        });
    }

    /**
     * A body without Content-Length: HTTP/1.1 frames it with chunked encoding (RequestFraming
     * refused any other coding); HTTP/2 with DATA frames, which a request with a body-carrying
     * method may send without announcing a length.
     */
    boolean bodyWithoutLength() {
        if (proxy.req.version() != HttpVersion.HTTP_2) return proxy.req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
        HttpMethod m = proxy.req.method();
        return !proxy.req.isEnded() && (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH);
    }

    void onJsonBody(Buffer raw) {
        // Policies that read the request get a tree; otherwise a scan validates it and keeps the
        // top-level fields (model, stream, ...), and the tree is built only if something asks.
        proxy.ex.scannedBody(raw, null);
        boolean tree = proxy.ctx.chain().readsRequest(proxy.ex) || !proxy.ex.callerCodec().isIdentity();
        try {
            if (tree) {
                JsonNode parsed = Json.parseRequest(raw);
                if (!(parsed instanceof ObjectNode body)) throw new IllegalArgumentException("not an object");
                proxy.ex.body(body);
            } else {
                proxy.ex.scannedBody(raw, Json.scanObject(raw));
            }
        } catch (IllegalArgumentException notObject) {
            proxy.ex.scannedBody(null, null);
            proxy.fail(ApiError.badRequest("invalid_json", "The request body must be a JSON object."));
            return;
        } catch (Exception malformed) {
            proxy.ex.scannedBody(null, null);
            boolean duplicate = malformed.getMessage() != null && malformed.getMessage().startsWith("Duplicate field");
            proxy.fail(ApiError.badRequest("invalid_json", duplicate ? "The request body gives the same key twice in one object; send each key once."
                    : "The request body is not valid JSON."));
            return;
        }
        CallerCodec caller = proxy.ex.callerCodec();
        if (!caller.isIdentity()) {
            // Another API's client: from here on the request is an OpenAI request like any other.
            ObjectNode decoded;
            try {
                decoded = caller.decodeRequest(proxy.ex.body());
            } catch (TranslationException e) {
                proxy.fail(e.toApiError());
                return;
            }
            if (decoded != proxy.ex.body()) {
                proxy.ex.body(decoded);
                proxy.ex.markBodyModified();
                raw = Json.toBuffer(decoded);
            }
            String path = caller.upstreamPath(proxy.pathAndQuery);
            if (path != null) proxy.pathAndQuery = path;
        }
        JsonNode stream = proxy.ex.requestField("stream");
        proxy.ex.stream(stream != null && stream.isBoolean() && stream.booleanValue());
        proxy.judging.run(raw);
    }

    /** A body the chain does not read (multipart, binary, JSON of other endpoints): streamed through. */
    void streamUpload(long length) {
        long max = proxy.ctx.settings().get(CoreSettings.MAX_UPLOAD_BYTES);
        if (length > max) {
            proxy.fail(tooLarge(max));
            return;
        }
        if (proxy.ex.endpoint().hasModelFormField()) {
            MultipartFields form = MultipartFields.forContentType(proxy.req.getHeader(HttpHeaders.CONTENT_TYPE));
            proxy.ex.body(Json.object()); // the form's text fields, once read
            if (form != null && (proxy.ctx.chain().readsRequest(proxy.ex) || ModelGate.modelNeeded(proxy.apiKey(), proxy.rules))) {
                readFormHead(form);
                return;
            }
            proxy.ex.body(null);
        }
        proxy.req.pause();
        proxy.phase = ProxyRequest.Phase.UPLOAD;
        proxy.judging.run(null);
    }

    /** Bytes of an upload held while its form fields are read; replayed ahead of the rest. */
    Buffer heldUpload;

    /**
     * Holds a multipart upload until its text fields up to {@code model} have been read, so the
     * chain can judge the model before anything is sent upstream. The held part is bounded by
     * TOLLGATE_MAX_BODY_BYTES; the file itself is never parsed.
     */
    void readFormHead(MultipartFields form) {
        long max = proxy.ctx.settings().get(CoreSettings.MAX_BODY_BYTES);
        Buffer held = Buffer.buffer();
        proxy.phase = ProxyRequest.Phase.BODY;
        proxy.timer.arm(proxy.ctx.settings().get(CoreSettings.CLIENT_BODY_TIMEOUT_MS));
        boolean[] decided = {false};
        proxy.req.handler(chunk -> {
            if (proxy.finished || decided[0]) return;
            held.appendBuffer(chunk);
            form.feed(chunk);
            if (form.fields().containsKey("model") || form.done()) {
                decided[0] = true;
                proxy.req.pause();
                judgeForm(form, held, false);
            } else if (held.length() > max) {
                proxy.fail(new ApiError(413, ApiError.INVALID_REQUEST, "request_too_large", "The upload's form fields must come within the first "
                        + max + " bytes so the gateway can check them; send the 'model' field before the file.", null));
            }
        });
        proxy.req.endHandler(v -> {
            if (proxy.finished) return;
            proxy.bodyRead = true;
            if (!decided[0]) {
                decided[0] = true;
                judgeForm(form, held, true);
            }
        });
    }

    void judgeForm(MultipartFields form, Buffer held, boolean whole) {
        proxy.timer.disarm();
        ApiError unclear = form.refusal();
        if (unclear != null) {
            proxy.fail(unclear);
            return;
        }
        form.fields().forEach((name, value) -> proxy.ex.body().put(name, value));
        judgedForm = form;
        if (whole) {
            proxy.ex.markBodyForwardedAsIs();
            proxy.judging.run(held); // the whole upload is in hand: sent as one replayable body
        } else {
            heldUpload = held;
            proxy.phase = ProxyRequest.Phase.UPLOAD;
            proxy.judging.run(null);
        }
    }

    /** The form whose fields were judged; the rest of the upload is still read through it. */
    MultipartFields judgedForm;

    /** The rest of a judged upload, read as it is forwarded: a field repeated after the judgement stops it. */
    boolean uploadStillJudged(Buffer chunk) {
        if (judgedForm == null) return true;
        judgedForm.feed(chunk);
        ApiError unclear = judgedForm.refusal();
        if (unclear == null) return true;
        if (proxy.call != null) proxy.call.cancel(); // the upstream never receives a complete request
        proxy.fail(unclear);
        return false;
    }
}
