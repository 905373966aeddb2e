package dev.tollgate.policy.userids;

import com.fasterxml.jackson.databind.JsonNode;
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
 * POLICY_ENFORCE_USER_IDS: requests that can name their end user (chat, completions, responses,
 * embeddings, images) must carry a non-empty {@code user} (or the Responses API's
 * {@code safety_identifier}), so abuse can be traced to a person.
 */
public final class UserIdsPolicy implements Policy {

    public static final String ID = "user-ids";

    public static final Setting<Boolean> ENFORCE_USER_IDS = Setting.restriction("POLICY_ENFORCE_USER_IDS", "enforce-user-ids",
            SettingType.bool(), false, Strictness.checkOn(),
            "Refuse chat, completions, responses, embeddings and image requests without a non-empty `user` (or "
            + "the Responses API's `safety_identifier`). Header: may turn the check on, not off.");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(ENFORCE_USER_IDS);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        Endpoint.Kind k = ex.endpoint().kind();
        return ex.hasJsonBody() && ex.settings().get(ENFORCE_USER_IDS) && (k == Endpoint.Kind.CHAT_COMPLETIONS
                || k == Endpoint.Kind.COMPLETIONS || k == Endpoint.Kind.RESPONSES || k == Endpoint.Kind.EMBEDDINGS
                || k == Endpoint.Kind.IMAGES_GENERATIONS);
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        if (present(ex.body().get("user")) || present(ex.body().get("safety_identifier"))) return Verdict.PROCEED_FUTURE;
        String message = "requests must name their end user in a non-empty 'user' field.";
        return Future.succeededFuture(Verdict.reject(ApiError.policyBlock(ID, "user_required", message, "user"),
                new Finding(ID, "user_required", "request without a user id", Finding.Action.BLOCK)));
    }

    private static boolean present(JsonNode v) {
        return v != null && v.isTextual() && !v.textValue().isBlank();
    }
}
