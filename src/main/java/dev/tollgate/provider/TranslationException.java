package dev.tollgate.provider;

/** A request that cannot be expressed in the target provider's API: answered 400, naming the parameter. */
public class TranslationException extends RuntimeException {
    private final String param;

    public TranslationException(String param, String message) {
        super(message, null, false, false);
        this.param = param;
    }

    public String param() {
        return param;
    }
}
