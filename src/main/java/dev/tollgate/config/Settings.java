package dev.tollgate.config;

import java.util.Arrays;

/** An immutable set of setting values; unset settings read as their default. */
public final class Settings {

    private final Object[] values;

    private Settings(Object[] values) {
        this.values = values;
    }

    public static Settings defaults() {
        return new Settings(new Object[0]);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        int i = setting.index;
        if (i < values.length) {
            Object v = values[i];
            if (v != null) return v == NULL ? null : (T) v;
        }
        return setting.defaultValue();
    }

    /** Whether a value was set explicitly (by file, environment or header), even if equal to the default. */
    public boolean isSet(Setting<?> setting) {
        int i = setting.index;
        return i < values.length && values[i] != null;
    }

    public <T> Settings with(Setting<T> setting, T value) {
        int i = setting.index;
        Object[] copy = Arrays.copyOf(values, Math.max(values.length, i + 1));
        copy[i] = value == null ? NULL : value;
        return new Settings(copy);
    }

    /** The same values with this one unset (read as its default again). */
    public Settings without(Setting<?> setting) {
        int i = setting.index;
        if (i >= values.length || values[i] == null) return this;
        Object[] copy = Arrays.copyOf(values, values.length);
        copy[i] = null;
        return new Settings(copy);
    }

    private static final Object NULL = new Object();
}
