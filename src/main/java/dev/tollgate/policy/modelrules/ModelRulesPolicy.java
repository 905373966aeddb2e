package dev.tollgate.policy.modelrules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;
import dev.tollgate.json.Json;
import io.vertx.core.Future;

import java.util.List;

/**
 * Which models may be used, decided before anything is sent upstream: a deny-list
 * (POLICY_DISABLED_MODELS, the seeds' key) and an allow-list (POLICY_ALLOWED_MODELS; empty means
 * any). Names match whole and case-insensitively; on image endpoints the {@code size}
 * ("256x256") is matched against the deny-list too, as in the seeds.
 */
public final class ModelRulesPolicy implements Policy {

    public static final String ID = "model-rules";

    public static final Setting<List<String>> DISABLED_MODELS = Setting.restriction("POLICY_DISABLED_MODELS",
            "disabled-models", SettingType.stringList(), List.of(), Strictness.denyListSuperset(),
            "Models refused before anything is sent upstream (whole names, case-insensitive); on image endpoints "
            + "the `size` (`256x256`) is matched too. Header: must contain every configured entry (it may add "
            + "more).");

    public static final Setting<List<String>> ALLOWED_MODELS = Setting.restriction("POLICY_ALLOWED_MODELS",
            "allowed-models", SettingType.stringList(), List.of(), Strictness.allowListSubset(),
            "When not empty, the only models accepted; a request naming no model is then refused too. Header: a "
            + "non-empty subset of the configured list (any list when none is configured).");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(DISABLED_MODELS, ALLOWED_MODELS);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        return ex.hasJsonBody() && !(ex.settings().get(DISABLED_MODELS).isEmpty() && ex.settings().get(ALLOWED_MODELS).isEmpty());
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        ObjectNode body = ex.body();
        // Where the endpoint names its model (nested for some); a missing one was refused by ModelGate.
        String model = ex.model();
        String param = ex.endpoint().route().modelParam();
        List<String> disabled = ex.settings().get(DISABLED_MODELS);
        if (model != null && contains(disabled, model)) {
            return Future.succeededFuture(block(param, "model_disabled", "model '" + model + "' is disabled on this gateway."));
        }
        List<String> allowed = ex.settings().get(ALLOWED_MODELS);
        if (!allowed.isEmpty() && model != null && !contains(allowed, model)) {
            return Future.succeededFuture(block(param, "model_not_allowed", "model '" + model + "' is not among the models this gateway allows."));
        }
        if (ex.endpoint().route().body() != dev.tollgate.api.Route.Body.FORM) {
            // A second model named inside the request (a tool's, a transcription's) meets the same rules.
            Verdict nested = dev.tollgate.api.NamedModels.first(body, (m, at) -> {
                if (contains(disabled, m)) return block(at, "model_disabled", "model '" + m + "' is disabled on this gateway.");
                if (!allowed.isEmpty() && !contains(allowed, m)) {
                    return block(at, "model_not_allowed", "model '" + m + "' is not among the models this gateway allows.");
                }
                return null;
            });
            if (nested != null) return Future.succeededFuture(nested);
        }
        if (ex.endpoint().isImages()) {
            String size = Json.text(body, "size");
            if (size != null && contains(disabled, size)) {
                return Future.succeededFuture(block("size", "image_size_disabled", "image size '" + size + "' is disabled on this gateway."));
            }
        }
        return Verdict.PROCEED_FUTURE;
    }

    private static Verdict block(String param, String code, String message) {
        return Verdict.reject(ApiError.policyBlock(ID, code, message, param), new Finding(ID, code, message, Finding.Action.BLOCK));
    }

    private static boolean contains(List<String> list, String value) {
        for (String s : list) if (s.equalsIgnoreCase(value)) return true;
        return false;
    }
}
