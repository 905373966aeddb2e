package dev.tollgate.config;

import java.util.List;

/**
 * The seeds' keys that belong to no policy: Usage Panda's cloud keys, recognised and ignored with a
 * warning (Tollgate never calls home), and the redaction and reflection-delimiter strings.
 */
public final class SeedSettings {

    private SeedSettings() {}

    /** Accepted and ignored: they configure Usage Panda's SaaS, which Tollgate does not have. */
    public static final List<Setting<?>> CLOUD_ONLY = List.of(
            Setting.secret("USAGE_PANDA_API_KEY", "Usage Panda SaaS key (ignored: Tollgate has no cloud service)"),
            Setting.global("USAGE_PANDA_API", SettingType.string(), null, "Usage Panda SaaS URL (ignored)"),
            Setting.global("CONFIG_CACHE_MINUTES", SettingType.integer(0, 1_000_000), 5, "Usage Panda SaaS config cache (ignored)"));

    public static final Setting<String> REDACTION_STRING = Setting.global("REDACTION_STRING",
            SettingType.string(), "****", "Replacement text for redacted words and segments");

    public static final Setting<String> PROMPT_REFLECTION_DELIMETER = Setting.global("PROMPT_REFLECTION_DELIMETER",
            SettingType.nonEmptyString(), "||", "Marks protected prompt segments (the seeds' spelling)");

}
