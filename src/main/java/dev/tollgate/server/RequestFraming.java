package dev.tollgate.server;

import dev.tollgate.api.ApiError;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;
import java.util.Locale;

/**
 * How an HTTP/1.1 request body is delimited. Only {@code Content-Length} or a single, plain
 * {@code Transfer-Encoding: chunked} is accepted: any other coding, a repeated header or both
 * headers at once could make the gateway and the upstream see different bodies (request
 * smuggling), so such a request is refused before anything is read or sent.
 */
final class RequestFraming {

    private RequestFraming() {}

    static final ApiError INVALID_TRANSFER_ENCODING = ApiError.badRequest("invalid_transfer_encoding",
            "Transfer-Encoding must be exactly 'chunked' (once), without Content-Length.");

    /** RFC 9112 §6.1: a well-formed coding the server does not implement is 501. */
    static final ApiError UNSUPPORTED_TRANSFER_ENCODING = new ApiError(501, ApiError.INVALID_REQUEST, "unsupported_transfer_encoding",
            "The request's transfer coding is not supported; send the body with Content-Length or Transfer-Encoding: chunked alone.", null);

    static final ApiError MALFORMED_CHUNK = ApiError.badRequest("invalid_chunked_encoding",
            "The request body's chunked encoding is malformed.");

    /** The refusal for a request whose framing is not accepted, or null when it is fine. */
    static ApiError check(HttpServerRequest req) {
        if (req.version() != HttpVersion.HTTP_1_1 && req.version() != HttpVersion.HTTP_1_0) return null; // HTTP/2 frames bodies itself
        if (req.getHeader(HttpHeaders.TRANSFER_ENCODING) == null) return null; // the common case, without a list
        List<String> te = req.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
        if (te.size() > 1 || req.headers().contains(HttpHeaders.CONTENT_LENGTH)) return INVALID_TRANSFER_ENCODING;
        String[] codings = te.get(0).split(",", -1);
        String last = codings[codings.length - 1].trim();
        if (!last.equalsIgnoreCase("chunked")) return INVALID_TRANSFER_ENCODING; // the body's end cannot be known
        for (int i = 0; i < codings.length - 1; i++) {
            String c = codings[i].trim().toLowerCase(Locale.ROOT);
            if (!isToken(c) || c.equals("chunked")) return INVALID_TRANSFER_ENCODING; // chunked twice, or not a coding name
        }
        return codings.length == 1 ? null : UNSUPPORTED_TRANSFER_ENCODING;
    }

    /** RFC 9110 §5.6.2 token: a coding's name (parameters are not accepted either). */
    private static boolean isToken(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) return false; // the name is lower-cased already
        }
        return true;
    }

    /**
     * The refusal for a request Netty could not decode because of its framing (Content-Length
     * together with Transfer-Encoding, chunked not last), or null for other decoding failures.
     */
    static ApiError ofDecoderFailure(Throwable cause) {
        if (cause instanceof ContentLengthNotAllowedException || cause instanceof TransferEncodingNotAllowedException) {
            return INVALID_TRANSFER_ENCODING;
        }
        // Netty's message for "gzip, chunked, identity" and the like; it has no type of its own.
        boolean chunkedNotLast = cause instanceof IllegalArgumentException && cause.getMessage() != null
                && cause.getMessage().toLowerCase(Locale.ROOT).contains("transfer-encoding");
        return chunkedNotLast ? INVALID_TRANSFER_ENCODING : null;
    }

    private static final AttributeKey<Boolean> UNREADABLE = AttributeKey.valueOf("tollgate.unreadable");

    /**
     * Marks a connection whose bytes can no longer be split into requests: what follows the
     * refused request's head is not answered as further (pipelined) requests; the connection
     * closes once the refusal is sent. Uses Vert.x internals, like HeaderTimeout.
     */
    static void markUnreadable(HttpConnection conn) {
        if (conn instanceof ConnectionBase base) base.channel().attr(UNREADABLE).set(Boolean.TRUE);
    }

    static boolean unreadable(HttpConnection conn) {
        return conn instanceof ConnectionBase base && Boolean.TRUE.equals(base.channel().attr(UNREADABLE).get());
    }

    /**
     * Sends what was written now. Vert.x closes the connection right after reporting a decoding
     * error, and writes made while it reads are flushed only after the read: the answer would
     * be dropped unsent.
     */
    static void flushNow(HttpConnection conn) {
        if (conn instanceof ConnectionBase base) base.channel().flush();
    }

    /**
     * Whether an exception on a request being read is a malformed body (Netty's chunk decoder:
     * a size that is not hex, too large or followed by garbage, a bad chunk end) rather than the
     * client going away.
     */
    static boolean malformedBody(Throwable e) {
        return e instanceof DecoderException || e instanceof NumberFormatException || e instanceof IllegalArgumentException;
    }
}
