package dev.tollgate.secret;

import java.util.function.Function;

/**
 * A password given by naming the environment variable that holds it, never by value: settings
 * and options such as {@code TOLLGATE_DATABASE_PASSWORD_ENV}, {@code TOLLGATE_REDIS_PASSWORD_ENV}
 * and {@code db copy --to-password-env} all read it this way.
 */
public final class PasswordVariable {

    private PasswordVariable() {}

    /**
     * The value of the variable {@code variable} names, or null when no variable is named;
     * an error naming {@code setting} when the named variable is not set.
     */
    public static String read(String setting, String variable, Function<String, String> env) {
        if (variable == null || variable.isBlank()) return null;
        String password = env.apply(variable.trim());
        if (password == null) throw new IllegalArgumentException(setting + " names " + variable.trim() + ", which is not set");
        return password;
    }
}
