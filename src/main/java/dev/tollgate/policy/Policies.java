package dev.tollgate.policy;

import dev.tollgate.chain.Policy;
import dev.tollgate.config.Setting;
import dev.tollgate.policy.autoreply.AutoReplyPolicy;
import dev.tollgate.policy.maxtokens.MaxTokensPolicy;
import dev.tollgate.policy.moderation.ModerationPolicy;
import dev.tollgate.policy.modelrules.ModelRulesPolicy;
import dev.tollgate.policy.promptsize.PromptSizePolicy;
import dev.tollgate.policy.reflection.PromptReflectionPolicy;
import dev.tollgate.policy.userids.UserIdsPolicy;
import dev.tollgate.policy.logging.RequestLoggingPolicy;
import dev.tollgate.policy.usage.UsageAccountingPolicy;

import java.util.ArrayList;
import java.util.List;

/**
 * The chain, in order. Every phase runs policies in this order; adding a policy is one package
 * plus one line here. Blocking checks come first; accounting and logging last, so they see what
 * the caller actually gets.
 */
public final class Policies {

    private Policies() {}

    public static List<Policy> standard() {
        return List.of(
                new ModelRulesPolicy(),
                new UserIdsPolicy(),
                new MaxTokensPolicy(),
                new PromptSizePolicy(),
                new ModerationPolicy(),
                new PromptReflectionPolicy(),
                new AutoReplyPolicy(),
                new UsageAccountingPolicy(),
                new RequestLoggingPolicy());
    }

    public static List<Setting<?>> settingsOf(List<Policy> policies) {
        List<Setting<?>> out = new ArrayList<>();
        for (Policy p : policies) out.addAll(p.settings());
        return out;
    }
}
