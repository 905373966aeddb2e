package dev.tollgate.access;

import dev.tollgate.keys.ApiKey;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.NamedModels;
import dev.tollgate.api.Route;
import dev.tollgate.chain.Exchange;

/**
 * Judges every request by the model it runs, before anything else looks at it: a request that
 * could name a model is held to the model rules, the key's allow-list, budgets and per-model
 * limits whatever endpoint it uses. What the gateway cannot judge is refused to callers whose
 * rules it would have to judge by, unless an admin named that endpoint for the key.
 */
public final class ModelGate {

    private ModelGate() {}

    /**
     * The rules that apply to one request.
     *
     * @param modelRules     gateway-wide model rules (deny- or allow-list) are set
     * @param gatewayAllowList  the gateway-wide rules include an allow-list
     * @param budgeted       the key, its user or its team has a budget
     * @param modelLimits    some model has rate limits of its own
     */
    public record Rules(boolean modelRules, boolean gatewayAllowList, boolean budgeted, boolean modelLimits) {
        public static final Rules NONE = new Rules(false, false, false, false);
    }

    /** Whether the model must be found before the request goes on (and so a form must be read). */
    public static boolean modelNeeded(ApiKey key, Rules rules) {
        return rules.modelRules || rules.budgeted || rules.modelLimits || (key != null && key.allowedModels() != null);
    }

    /** The error to answer with, or null when the request may go on to admission and the chain. */
    public static ApiError check(Exchange ex, ApiKey key, Rules rules) {
        Route route = ex.endpoint().route();
        boolean keyAllowList = key != null && key.allowedModels() != null;
        boolean explicit = key != null && key.allowedEndpoints() != null && key.namesEndpoint(ex.endpoint().logPath());

        switch (route.model()) {
            case REQUIRED, OPTIONAL -> {
                JsonNode model = ex.modelNode();
                boolean restricted = modelNeeded(key, rules);
                if (model == null) {
                    if (route.model() == Route.Model.REQUIRED && restricted) {
                        return new ApiError(400, ApiError.INVALID_REQUEST, "model_required", "This request must name its model in '"
                                + route.modelParam() + "': this gateway judges every request by the model it runs.", route.modelParam());
                    }
                } else if (!model.isTextual() || model.textValue().isBlank() || !plainName(model.textValue())) {
                    if (restricted) {
                        return new ApiError(400, ApiError.INVALID_REQUEST, "invalid_model",
                                "'" + route.modelParam() + "' must be a non-empty string naming one model, without surrounding spaces.", route.modelParam());
                    }
                } else if (keyAllowList && !key.allowsModel(model.textValue())) {
                    return notAllowed(model.textValue(), route.modelParam());
                }
                if (keyAllowList && ex.hasJsonBody() && route.body() != Route.Body.FORM) {
                    // A second model named inside the request (a tool's, a transcription's) is held to the same list.
                    ApiError nested = NamedModels.first(ex.body(), (m, param) -> key.allowsModel(m) ? null : notAllowed(m, param));
                    if (nested != null) return nested;
                }
            }
            case UNJUDGEABLE -> {
                if ((keyAllowList || rules.gatewayAllowList) && !explicit) {
                    return new ApiError(403, "permission_error", "model_not_verifiable", "The gateway cannot tell which model " + operation(ex)
                            + " runs, and " + (keyAllowList ? "this API key" : "this gateway") + " may use only certain models. An admin "
                            + "can allow it by naming this endpoint in the key's allowed_endpoints.", null);
                }
            }
            case NONE -> { }
        }
        if (route.billing() == Route.Billing.UNBOUNDED && rules.budgeted && !explicit) {
            return new ApiError(403, "permission_error", "cost_not_bounded", operation(ex) + " starts work whose cost the gateway cannot "
                    + "meter or bound, and this API key has a budget. An admin can allow it by naming this endpoint in the key's "
                    + "allowed_endpoints.", null);
        }
        JsonNode background = ex.requestField("background");
        if (rules.budgeted && !explicit && background != null && background.asBoolean(false) && route.billing() == Route.Billing.METERED) {
            // A background response is billed after this request ends; its answer carries no usage.
            return new ApiError(403, "permission_error", "cost_not_bounded", "A background response is billed after the request "
                    + "ends, out of the gateway's sight, and this API key has a budget: send the request without 'background'.", "background");
        }
        return null;
    }

    /** No surrounding whitespace or control characters: a server that trims would run another name than the one judged. */
    private static boolean plainName(String m) {
        if (Character.isWhitespace(m.charAt(0)) || Character.isWhitespace(m.charAt(m.length() - 1))) return false;
        for (int i = 0; i < m.length(); i++) if (Character.isISOControl(m.charAt(i))) return false;
        return true;
    }

    private static ApiError notAllowed(String model, String param) {
        return new ApiError(403, "permission_error", "model_not_allowed", "This API key may not use model '" + ApiError.clip(model) + "'.", param);
    }

    private static String operation(Exchange ex) {
        return ex.method() + " " + ex.endpoint().logPath();
    }
}
