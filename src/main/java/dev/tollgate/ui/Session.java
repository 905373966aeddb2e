package dev.tollgate.ui;

/**
 * A signed-in dashboard session. {@code cookieValue} is the random id the browser holds; it is only
 * set on the value {@link Sessions#create} returns (the store keeps its hash, never the id itself).
 */
public record Session(String cookieValue, Role role, String subject, String csrfToken, long createdAtMillis) {

    Session withoutCookie() {
        return new Session(null, role, subject, csrfToken, createdAtMillis);
    }
}
