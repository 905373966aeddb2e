package dev.tollgate.hybrid;

/**
 * A data plane's word about one budget's lease: {@code budget} is the subject ({@code key:…},
 * {@code user:…}, {@code team:…}); {@code leaseId} the lease it holds (null: none yet);
 * {@code spentNanoUsd} what that lease has spent, settled requests only (requests in flight are
 * still covered by the lease); {@code needNanoUsd} what the requests waiting for more would together like (0: renewing ahead of
 * need; the control plane gives no more than a fair share, see {@link LeaseBook});
 * {@code minNanoUsd} the least addition worth having (one waiting request's worst case);
 * {@code release} ends the lease at {@code spentNanoUsd}, sent once nothing is in flight on it.
 */
public record LeaseRequest(String budget, String leaseId, long spentNanoUsd, long needNanoUsd, long minNanoUsd, boolean release) {}
