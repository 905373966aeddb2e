package dev.tollgate.hybrid;

/**
 * The control plane's answer about one lease: its id (null when none is held: nothing could be
 * granted, or it was released), everything granted on it so far, how long it lasts from when the
 * request was sent, the budget period it belongs to, and what the budget had left unreserved
 * after this grant (outside every lease).
 */
public record LeaseGrant(String leaseId, long grantedNanoUsd, long expiresInMs, long periodStart, long remainingNanoUsd) {

    static LeaseGrant none(long periodStart, long remainingNanoUsd) {
        return new LeaseGrant(null, 0, 0, periodStart, remainingNanoUsd);
    }
}
