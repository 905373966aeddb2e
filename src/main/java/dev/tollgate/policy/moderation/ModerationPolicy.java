package dev.tollgate.policy.moderation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.wire.PromptText;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;
import dev.tollgate.json.Json;
import dev.tollgate.upstream.SideCall;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * POLICY_AUTO_MODERATE: before the call, the end user's text is sent to the upstream's moderation
 * endpoint; a flagged input is blocked, naming the flagged categories. When moderation itself
 * fails (unreachable, timeout, error answer) the request is refused (TOLLGATE_MODERATION_ON_ERROR
 * = block, the default: fail closed) or let through with a flag (allow); either way it is logged.
 */
public final class ModerationPolicy implements Policy {

    public static final String ID = "auto-moderate";
    private static final Logger LOG = LoggerFactory.getLogger(ModerationPolicy.class);

    public static final Setting<Boolean> AUTO_MODERATE = Setting.restriction("POLICY_AUTO_MODERATE", "auto-moderate",
            SettingType.bool(), false, Strictness.checkOn(),
            "Send the end user's text (user messages, prompts, inputs; not system text) to the upstream's "
            + "`/v1/moderations` first, and refuse flagged input with 403 `content_flagged`. Header: may turn "
            + "moderation on, not off.");

    public static final Setting<String> ON_ERROR = Setting.global("TOLLGATE_MODERATION_ON_ERROR",
            SettingType.oneOf("block", "allow"), "block",
            "When the moderation call fails (unreachable, timeout, error, malformed answer): refuse the request "
            + "with 503 `moderation_unavailable` (`block`, fail closed), or let it through with a "
            + "`moderation_failed` flag (`allow`).");

    public static final Setting<String> MODEL = Setting.global("TOLLGATE_MODERATION_MODEL",
            SettingType.nonEmptyString(), "omni-moderation-latest", "Model of the moderation call.");

    public static final Setting<Integer> TIMEOUT_MS = Setting.global("TOLLGATE_MODERATION_TIMEOUT_MS",
            SettingType.integer(50, 600_000), 10_000, "How long the moderation call may take.");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(AUTO_MODERATE, ON_ERROR, MODEL, TIMEOUT_MS);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        Endpoint.Kind k = ex.endpoint().kind();
        return ex.hasJsonBody() && ex.settings().get(AUTO_MODERATE) && k != Endpoint.Kind.MODERATIONS && k != Endpoint.Kind.OTHER;
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        ArrayNode input = Json.MAPPER.createArrayNode();
        for (PromptText.Segment s : PromptText.of(ex.endpoint().kind(), ex.body())) {
            if (s.role().equals("user") && !s.text().isBlank()) input.add(s.text());
        }
        if (input.isEmpty()) return Verdict.PROCEED_FUTURE;
        ObjectNode request = Json.object().put("model", ex.settings().get(MODEL));
        request.set("input", input);
        return ex.upstreamApi().postJson("/moderations", request, ex.settings().get(TIMEOUT_MS))
                .map(this::judge)
                .recover(err -> Future.succeededFuture(failed(ex, err)));
    }

    private Verdict judge(JsonNode answer) {
        JsonNode results = answer.path("results");
        if (!results.isArray() || results.isEmpty()) throw new IllegalStateException("malformed moderation answer");
        TreeSet<String> categories = new TreeSet<>();
        boolean flagged = false;
        for (JsonNode r : results) {
            if (!r.path("flagged").asBoolean(false)) continue;
            flagged = true;
            for (Map.Entry<String, JsonNode> c : r.path("categories").properties()) {
                if (c.getValue().asBoolean(false)) categories.add(c.getKey());
            }
        }
        if (!flagged) return Verdict.proceed();
        String named = categories.isEmpty() ? "unspecified" : String.join(", ", categories);
        String message = "the input was flagged by moderation (" + named + ").";
        return Verdict.reject(ApiError.policyBlock(ID, "content_flagged", message, null),
                new Finding(ID, "content_flagged", "flagged: " + named, Finding.Action.BLOCK));
    }

    private static Verdict failed(Exchange ex, Throwable err) {
        String why = err instanceof SideCall.Failed f ? "the moderation endpoint answered " + f.status
                : err instanceof IllegalStateException ? "the moderation answer was malformed" : "the moderation endpoint could not be reached";
        boolean block = ex.settings().get(ON_ERROR).equals("block");
        LOG.warn("moderation failed for request {}: {}; request {}", ex.requestId(), why, block ? "refused" : "let through");
        Finding finding = new Finding(ID, "moderation_failed", why, block ? Finding.Action.BLOCK : Finding.Action.AUDIT);
        if (!block) return new Verdict.Proceed(List.of(finding));
        return Verdict.reject(new ApiError(503, "upstream_error", "moderation_unavailable",
                "Moderation is required for this request and could not be completed; the request was not sent.", null), finding);
    }
}
