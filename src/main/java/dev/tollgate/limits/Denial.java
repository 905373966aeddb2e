package dev.tollgate.limits;

/**
 * Why a request was refused: which subject's which window is full, its limit, and how long until
 * it has room ({@code retryAfterMs} is -1 when the request can never fit, e.g. more tokens than
 * the per-minute limit).
 */
public record Denial(String subject, String window, long limit, long retryAfterMs) {

    public boolean tokens() {
        return window.equals("tpm");
    }
}
