package dev.tollgate.config;

import java.util.List;

/**
 * Keys Tollgate recognises but does not act on in this version: Usage Panda's cloud keys (Tollgate
 * never calls home) and keys of features that have not landed yet (none at present). A
 * cloud key is ignored with a warning; a not-yet-supported key set to anything but its default
 * stops start-up, because silently not doing what was configured would be worse than refusing.
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

    /** Recognised with their seed types; a non-default value is refused until the feature ships. (None left.) */
    public static final List<Setting<?>> NOT_YET_SUPPORTED = List.of();

    /** Header suffixes of the not-yet-supported policies: a request using one is refused, not ignored. */
    public static final List<String> NOT_YET_SUPPORTED_HEADERS = List.of();
}
