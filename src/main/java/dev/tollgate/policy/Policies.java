package dev.tollgate.policy;

import dev.tollgate.chain.Policy;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.Setting;
import dev.tollgate.config.Settings;
import dev.tollgate.policy.autoreply.AutoReplyPolicy;
import dev.tollgate.policy.maxtokens.MaxTokensPolicy;
import dev.tollgate.policy.moderation.ModerationPolicy;
import dev.tollgate.policy.modelrules.ModelRulesPolicy;
import dev.tollgate.policy.promptsize.PromptSizePolicy;
import dev.tollgate.policy.reflection.PromptReflectionPolicy;
import dev.tollgate.policy.userids.UserIdsPolicy;
import dev.tollgate.policy.wordfilter.WordFilterPolicy;
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
                // First: it reads the answer as the upstream sent it, before any policy changes or holds it back.
                new UsageAccountingPolicy(),
                new ModelRulesPolicy(),
                new UserIdsPolicy(),
                new MaxTokensPolicy(),
                new PromptSizePolicy(),
                new WordFilterPolicy(),
                new ModerationPolicy(),
                new PromptReflectionPolicy(),
                new AutoReplyPolicy(),
                new RequestLoggingPolicy());
    }

    /** Every policy's whole-configuration check; throws one ConfigException listing all problems. */
    public static void validate(List<Policy> policies, Settings settings) {
        List<String> errors = new ArrayList<>();
        for (Policy p : policies) errors.addAll(p.validate(settings));
        if (!errors.isEmpty()) throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", errors));
    }

    public static List<Setting<?>> settingsOf(List<Policy> policies) {
        List<Setting<?>> out = new ArrayList<>();
        for (Policy p : policies) out.addAll(p.settings());
        return out;
    }
}
