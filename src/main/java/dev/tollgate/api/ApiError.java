package dev.tollgate.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;

/**
 * An error the gateway itself returns, in OpenAI's shape:
 * {@code {"error":{"message","type","param","code"}}}. Messages are written for the caller and
 * never carry internal detail (stack traces, keys, upstream addresses).
 */
public record ApiError(int status, String type, String code, String message, String param) {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String POLICY = "policy_violation";

    public static ApiError badRequest(String code, String message) {
        return new ApiError(400, INVALID_REQUEST, code, message, null);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, INVALID_REQUEST, "unknown_route", message, null);
    }

    public static ApiError methodNotAllowed(String method, String path) {
        return new ApiError(405, INVALID_REQUEST, "method_not_allowed", "Method " + method + " is not allowed on " + path + ".", null);
    }

    /** A policy block: 403, type policy_violation, naming the policy in the message. */
    public static ApiError policyBlock(String policy, String code, String message, String param) {
        return new ApiError(403, POLICY, code, "Blocked by policy " + policy + ": " + message, param);
    }

    public static ApiError badGateway(String code, String message) {
        return new ApiError(502, "upstream_error", code, message, null);
    }

    /** A caller-supplied value fit to quote in a message: at most 80 characters, printable ASCII only. */
    public static String clip(String value) {
        if (value == null) return "";
        String v = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }

    public ObjectNode toJson() {
        ObjectNode root = Json.object();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        if (param == null) e.putNull("param"); else e.put("param", param);
        if (code == null) e.putNull("code"); else e.put("code", code);
        return root;
    }

    public Buffer toBuffer() {
        return Json.toBuffer(toJson());
    }
}
