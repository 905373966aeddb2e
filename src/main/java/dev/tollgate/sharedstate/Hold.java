package dev.tollgate.sharedstate;

/** What an admitted request holds (rate-limit counts, a concurrency slot, budget reservations) until it ends. */
public interface Hold {

    /**
     * Ends the request, at most once: frees its concurrency slots, settles its token estimate to
     * {@code actualTokens} (unknown: -1, keeps the estimate), uncounts the request when
     * {@code refundRequest}, and settles each budget reservation to {@code costNanoUsd}.
     */
    void settle(boolean refundRequest, long actualTokens, long costNanoUsd);

    /** Whether it holds rate-limit counts (so the response carries rate-limit headers). */
    boolean limited();
}
