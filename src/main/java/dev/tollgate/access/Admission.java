package dev.tollgate.access;

import dev.tollgate.keys.ApiKey;

import dev.tollgate.api.ApiError;
import dev.tollgate.sharedstate.Hold;
import dev.tollgate.usage.ModelPrice;
import io.vertx.core.MultiMap;


/**
 * A request's admission: refused (error, with rate-limit headers when a limit refused it), or
 * admitted with what it holds (a rate-limit permit, budget reservations) until it completes.
 */
public final class Admission {

    final ApiError error;
    final MultiMap headers;
    /** What it holds until it completes (counts, reservations), or null. */
    final Hold hold;
    final ModelPrice price;
    final long promptTokens;
    final long bodyBytes;
    final ApiKey key;
    /** When it was admitted: the ledger row's time, so a row belongs to the period the call started in. */
    final long admittedAt;
    /** For a refusal by a limit or budget: which (rpm, rph, rpd, tpm, concurrent, budget, unavailable) and whose (key, user, team, model, ip, none). */
    private String limit;
    private String subject;

    Admission(ApiError error, MultiMap headers, Hold hold, ModelPrice price, long promptTokens, long bodyBytes, ApiKey key, long admittedAt) {
        this.error = error;
        this.headers = headers;
        this.hold = hold;
        this.price = price;
        this.promptTokens = promptTokens;
        this.bodyBytes = bodyBytes;
        this.key = key;
        this.admittedAt = admittedAt;
    }

    /** Admitted with nothing to release: no limits or budgets apply (pass-through without model or IP limits). */
    static Admission nothingHeld(ModelPrice price, long bodyBytes) {
        return new Admission(null, null, null, price, -1, bodyBytes, null, 0);
    }

    static Admission refused(ApiError error) {
        return refused(error, null);
    }

    static Admission refused(ApiError error, MultiMap headers) {
        return new Admission(error, headers, null, null, -1, 0, null, 0);
    }

    /** Refused by a limit or a budget (or because they could not be checked): for the metrics. */
    static Admission refusedByLimit(ApiError error, MultiMap headers, String limit, String subjectName) {
        Admission a = refused(error, headers);
        a.limit = switch (limit) {
            case "rpm", "rph", "rpd", "tpm", "concurrent", "budget", "unavailable" -> limit;
            default -> "other";
        };
        int colon = subjectName == null ? -1 : subjectName.indexOf(':');
        String kind = colon < 0 ? "none" : subjectName.substring(0, colon);
        a.subject = switch (kind) {
            case "key", "user", "team", "model", "ip" -> kind;
            default -> "none";
        };
        return a;
    }

    /** The limit that refused it (see {@link #refusedByLimit}), or null. */
    public String limit() {
        return limit;
    }

    /** Whose limit refused it: key, user, team, model, ip or none; null when no limit refused it. */
    public String limitSubject() {
        return subject;
    }

    /** Null when admitted. */
    public ApiError error() {
        return error;
    }

    /** Rate-limit headers for the response (both when refused by a limit and when admitted under one), or null. */
    public MultiMap headers() {
        return headers;
    }
}
