package dev.tollgate.trace;

/**
 * The spans of one deployment's tries (its first call and each retry): the upstream call asks
 * for one per try. {@link #NONE} when the request is not traced.
 */
@FunctionalInterface
public interface AttemptSpans {

    AttemptSpans NONE = resendCount -> ClientSpan.NOOP;

    /** The span of a try: {@code resendCount} 0 for the first, n for the n-th retry. */
    ClientSpan start(int resendCount);
}
