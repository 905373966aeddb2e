package dev.tollgate.policy.maxtokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;
import io.vertx.core.Future;

import java.util.List;

/**
 * POLICY_MAX_TOKENS caps the output a request may ask for ({@code max_tokens},
 * {@code max_completion_tokens}, {@code max_output_tokens}). A request asking for more is blocked;
 * a request naming no cap gets the cap injected (or, with TOLLGATE_MAX_TOKENS_WHEN_MISSING=block,
 * is blocked), so every call's cost is bounded.
 */
public final class MaxTokensPolicy implements Policy {

    public static final String ID = "max-tokens";

    public static final Setting<Integer> MAX_TOKENS = Setting.restriction("POLICY_MAX_TOKENS", "max-tokens",
            SettingType.integer(0, Integer.MAX_VALUE), 0, Strictness.capZeroUnlimited(),
            "Largest output a request may ask for (`max_tokens`, `max_completion_tokens`, `max_output_tokens`); "
            + "`0` = no cap. For requests that name no cap see `TOLLGATE_MAX_TOKENS_WHEN_MISSING`. Header: a lower "
            + "cap (`0` means none, so it cannot undo a configured cap).");

    public static final Setting<String> WHEN_MISSING = Setting.global("TOLLGATE_MAX_TOKENS_WHEN_MISSING",
            SettingType.oneOf("inject", "block"), "inject",
            "A request naming no output cap gets `POLICY_MAX_TOKENS` injected (`inject`: `max_completion_tokens` "
            + "on chat, `max_tokens` on completions, `max_output_tokens` on responses), so its cost is bounded, or "
            + "is refused with 403 `max_tokens_required` (`block`).");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(MAX_TOKENS, WHEN_MISSING);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        return ex.hasJsonBody() && ex.settings().get(MAX_TOKENS) > 0 && capFields(ex.endpoint().kind()).length > 0;
    }

    /** The fields that cap output on each endpoint; the first is the one injected. */
    private static String[] capFields(Endpoint.Kind kind) {
        return switch (kind) {
            case CHAT_COMPLETIONS -> new String[]{"max_completion_tokens", "max_tokens"};
            case COMPLETIONS -> new String[]{"max_tokens"};
            case RESPONSES -> new String[]{"max_output_tokens"};
            default -> new String[0];
        };
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        int cap = ex.settings().get(MAX_TOKENS);
        ObjectNode body = ex.body();
        String[] fields = capFields(ex.endpoint().kind());
        boolean named = false;
        for (String field : fields) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) continue;
            named = true;
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() > cap) {
                String message = v.isIntegralNumber()
                        ? "'" + field + "' asks for " + v.asText() + " tokens; this gateway allows at most " + cap + "."
                        : "'" + field + "' must be a whole number of at most " + cap + ".";
                return Future.succeededFuture(Verdict.reject(ApiError.policyBlock(ID, "max_tokens_exceeded", message, field),
                        new Finding(ID, "max_tokens_exceeded", message, Finding.Action.BLOCK)));
            }
        }
        if (named) return Verdict.PROCEED_FUTURE;
        if (ex.settings().get(WHEN_MISSING).equals("block")) {
            String message = "requests must set '" + fields[0] + "' (at most " + cap + ").";
            return Future.succeededFuture(Verdict.reject(ApiError.policyBlock(ID, "max_tokens_required", message, fields[0]),
                    new Finding(ID, "max_tokens_required", message, Finding.Action.BLOCK)));
        }
        body.put(fields[0], cap);
        return Future.succeededFuture(new Verdict.Rewrite(body, List.of(new Finding(ID, "max_tokens_injected",
                fields[0] + " set to " + cap, Finding.Action.AUDIT))));
    }
}
