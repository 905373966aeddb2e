package dev.tollgate.config;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One configuration key: its name (the same in YAML and in the environment), type, default and,
 * for per-request settings, the header suffix ({@code x-tollgate-<header>}) and how strictness is
 * compared. Each setting gets a dense index so {@link Settings} lookups are an array read.
 */
public final class Setting<T> {

    /** What a request header may do to this setting. */
    public enum HeaderRule {
        /** Not settable per request. */
        NONE,
        /**
         * The header may only make the setting stricter (see {@link Strictness}). There is no
         * "any value" rule: every per-request setting limits what a caller may do, spend or make
         * the upstream do (retries multiply upstream calls), so a header may only tighten it.
         */
        TIGHTEN_ONLY
    }

    private static final AtomicInteger NEXT_INDEX = new AtomicInteger();

    private final String key;
    private final SettingType<T> type;
    private final T defaultValue;
    private final String header;
    private final HeaderRule override;
    private final Strictness<T> strictness;
    private final boolean secret;
    private final String help;
    final int index;

    private Setting(String key, SettingType<T> type, T defaultValue, String header, HeaderRule override,
                    Strictness<T> strictness, boolean secret, String help) {
        this.key = Objects.requireNonNull(key);
        this.type = Objects.requireNonNull(type);
        this.defaultValue = defaultValue;
        this.header = header;
        this.override = override;
        this.strictness = strictness;
        this.secret = secret;
        this.help = help;
        this.index = NEXT_INDEX.getAndIncrement();
    }

    /** A gateway-wide setting that requests cannot change. */
    public static <T> Setting<T> global(String key, SettingType<T> type, T defaultValue, String help) {
        return new Setting<>(key, type, defaultValue, null, HeaderRule.NONE, null, false, help);
    }

    /** A secret: never echoed in errors or logs. */
    public static Setting<String> secret(String key, String help) {
        return new Setting<>(key, SettingType.string(), null, null, HeaderRule.NONE, null, true, help);
    }

    /** A per-request setting a header may only tighten. */
    public static <T> Setting<T> restriction(String key, String header, SettingType<T> type, T defaultValue,
                                             Strictness<T> strictness, String help) {
        return new Setting<>(key, type, defaultValue, header, HeaderRule.TIGHTEN_ONLY, Objects.requireNonNull(strictness), false, help);
    }

    public String key() { return key; }
    public SettingType<T> type() { return type; }
    public T defaultValue() { return defaultValue; }
    /** Header suffix after {@code x-tollgate-}, or null when not settable per request. */
    public String header() { return header; }
    public HeaderRule override() { return override; }
    public Strictness<T> strictness() { return strictness; }
    public boolean secret() { return secret; }
    public String help() { return help; }

    @Override
    public String toString() {
        return key;
    }
}
