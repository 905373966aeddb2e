package dev.tollgate.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.json.Json;
import dev.tollgate.observe.SecretScrubber;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A request record's details beside its ledger row: latency, time to first byte (streams), the
 * policies' findings (policy and action only, never their text), and the prompt and answer
 * exactly as the request log holds them (logging on, secrets scrubbed), cut at {@link #MAX_TEXT}.
 */
record RecordDetails(Long latencyMs, Long ttfbMs, String findings, String prompt, String answer) {

    /** Characters of prompt or answer text kept per request. */
    static final int MAX_TEXT = 16_384;
    static final int MAX_FINDINGS = 8;

    static RecordDetails of(Exchange ex, long nowNanos) {
        long latency = Math.max(0, (nowNanos - ex.startNanos()) / 1_000_000);
        Long ttfb = ex.stream() && ex.firstOutputNanos() != 0 ? Math.max(0, (ex.firstOutputNanos() - ex.startNanos()) / 1_000_000) : null;
        return new RecordDetails(latency, ttfb, findings(ex), text(ex.loggedRequest()), text(ex.loggedResponse()));
    }

    private static String findings(Exchange ex) {
        if (ex.findings().isEmpty()) return null;
        Set<String> seen = new LinkedHashSet<>();
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Finding f : ex.findings()) {
            String action = f.action().name().toLowerCase(Locale.ROOT);
            if (!seen.add(f.policy() + "\u0000" + action)) continue;
            if (out.size() == MAX_FINDINGS) break;
            out.addObject().put("policy", f.policy()).put("action", action);
        }
        return Json.toString(out);
    }

    private static String text(JsonNode logged) {
        if (logged == null) return null;
        String s = Json.toString(SecretScrubber.forLogs().scrub(logged));
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }
}
