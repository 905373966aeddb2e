package dev.tollgate.hybrid;

/**
 * A data plane's word about one subject's request limits (hybrid mode without Redis):
 * {@code subject} is {@code key:…}, {@code user:…} or {@code team:…}; {@code sliceId} a slice it
 * gives back (null: none), having admitted {@code used} requests on it; {@code need} how many it
 * would like now (at least 1 is asked; the control plane gives a share, see {@link RequestSlices});
 * {@code release} only gives the slice back and asks for nothing.
 */
public record SliceRequest(String subject, String sliceId, long used, long need, boolean release) {}
