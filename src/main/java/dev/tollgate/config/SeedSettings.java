package dev.tollgate.config;

import java.util.List;

/**
 * The seeds' keys that belong to no policy: Usage Panda's cloud keys, recognised and ignored with a
 * warning (Tollgate never calls home), and the redaction and reflection-delimiter strings.
 */
public final class SeedSettings {

    private SeedSettings() {}

    /** Usage Panda's cloud keys: hybrid mode's data-plane token, control-plane URL and snapshot refresh period. */
    public static final List<Setting<?>> CLOUD_ONLY = List.of(
            Setting.secret("USAGE_PANDA_API_KEY",
            "Usage Panda's cloud key: on a data plane, accepted in place of `TOLLGATE_DATA_PLANE_TOKEN`; ignored with a warning otherwise."),
            Setting.global("USAGE_PANDA_API", SettingType.string(), null, "Usage Panda's cloud URL: on a data plane, accepted in place of `TOLLGATE_CONTROL_PLANE_URL`; ignored with a warning otherwise."),
            Setting.global("CONFIG_CACHE_MINUTES", SettingType.integer(0, 1_000_000), 5, "A data plane fetches a whole configuration snapshot from its control plane this often, in minutes (0: every 30 s); changes arrive at once in between through a long poll. See [Hybrid mode](hybrid.md)."));

    public static final Setting<String> REDACTION_STRING = Setting.global("REDACTION_STRING",
            SettingType.string(), "****", "Replacement for redacted text (word lists and prompt reflection with `redact`).");

    public static final Setting<String> PROMPT_REFLECTION_DELIMETER = Setting.global("PROMPT_REFLECTION_DELIMETER",
            SettingType.nonEmptyString(), "||",
            "Marks protected prompt segments for `POLICY_PROMPT_REFLECTION`: text between pairs of it in system "
            + "or developer messages, Responses `instructions` or a legacy `prompt` is protected, and the "
            + "delimiters are removed before the request goes upstream (the seeds' spelling of \"delimiter\").");

}
