package dev.tollgate.access;

import dev.tollgate.limits.WindowState;
import io.vertx.core.MultiMap;

import java.util.List;

/**
 * OpenAI's rate-limit headers ({@code x-ratelimit-limit-requests}, {@code -remaining-requests},
 * {@code -reset-requests} and the {@code -tokens} trio) for the gateway's own limits. Of several
 * request windows the one with the least room is shown, as that is the one a client must pace to.
 */
final class RateLimitHeaders {

    private RateLimitHeaders() {}

    static void write(List<WindowState> windows, MultiMap out) {
        WindowState requests = null;
        WindowState tokens = null;
        for (WindowState w : windows) {
            switch (w.window()) {
                case "rpm", "rph", "rpd" -> {
                    if (requests == null || tighter(w, requests)) requests = w;
                }
                case "tpm" -> {
                    if (tokens == null || tighter(w, tokens)) tokens = w;
                }
                default -> { }
            }
        }
        if (requests != null) put(out, "requests", requests);
        if (tokens != null) put(out, "tokens", tokens);
    }

    private static boolean tighter(WindowState a, WindowState b) {
        return a.remaining() < b.remaining() || (a.remaining() == b.remaining() && a.resetMs() > b.resetMs());
    }

    private static void put(MultiMap out, String what, WindowState w) {
        out.set("x-ratelimit-limit-" + what, Long.toString(w.limit()));
        out.set("x-ratelimit-remaining-" + what, Long.toString(w.remaining()));
        out.set("x-ratelimit-reset-" + what, duration(w.resetMs()));
    }

    /** OpenAI's duration format: "20ms", "1s", "6m0s", "1h2m3s". */
    static String duration(long ms) {
        if (ms < 1000) return ms + "ms";
        long s = (ms + 999) / 1000;
        long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
        if (h > 0) return h + "h" + m + "m" + sec + "s";
        if (m > 0) return m + "m" + sec + "s";
        return sec + "s";
    }
}
