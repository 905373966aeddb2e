package dev.tollgate.hybrid;

/**
 * The control plane's answer about a subject's requests: a slice of {@code granted} requests
 * (id {@code sliceId}) to admit within {@code expiresInMs} of when the question was sent; or none
 * ({@code sliceId} null, {@code granted} 0) because {@code window} (rpm, rph, rpd) of
 * {@code limit} requests is full for {@code retryAfterMs}, or because a slice was only given back.
 */
public record RequestSlice(String sliceId, long granted, long expiresInMs, long retryAfterMs, String window, long limit) {

    static RequestSlice none() {
        return new RequestSlice(null, 0, 0, 0, null, 0);
    }
}
