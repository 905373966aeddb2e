package dev.tollgate.api;

import dev.tollgate.api.ApiError;

/**
 * A request that cannot be expressed in the target API. The gateway answers 400 naming the
 * parameter, rather than sending a request that would silently mean something else.
 */
public class TranslationException extends RuntimeException {

    /** The parameter exists in the caller's API but has no equivalent in the target's. */
    public static final String UNSUPPORTED = "unsupported_parameter";
    /** The parameter has a value the translation cannot read (wrong type, malformed JSON, bad URL). */
    public static final String INVALID = "invalid_value";

    private final String param;
    private final String code;

    public TranslationException(String param, String message) {
        this(param, UNSUPPORTED, message);
    }

    public TranslationException(String param, String code, String message) {
        super(message, null, false, false); // a caller's mistake, not a bug: no stack trace
        this.param = param;
        this.code = code;
    }

    public static TranslationException unsupported(String param, String message) {
        return new TranslationException(param, UNSUPPORTED, message);
    }

    public static TranslationException invalid(String param, String message) {
        return new TranslationException(param, INVALID, message);
    }

    /** The parameter at fault, e.g. {@code messages[2].content[0].image_url.url}; may be null. */
    public String param() {
        return param;
    }

    /** {@link #UNSUPPORTED} or {@link #INVALID}. */
    public String code() {
        return code;
    }

    /** The 400 answer, in OpenAI's error shape. */
    public ApiError toApiError() {
        return new ApiError(400, ApiError.INVALID_REQUEST, code, getMessage(), param);
    }
}
