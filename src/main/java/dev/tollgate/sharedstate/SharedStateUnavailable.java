package dev.tollgate.sharedstate;

/** The shared counter store could not be reached and nothing may be admitted without it (on-error {@code closed}). */
public final class SharedStateUnavailable extends RuntimeException {

    public SharedStateUnavailable(String message) {
        super(message, null, false, false);
    }
}
