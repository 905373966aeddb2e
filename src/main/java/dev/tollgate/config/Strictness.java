package dev.tollgate.config;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether a per-request value is at least as strict as the configured one, so a
 * request header can tighten a setting but never loosen it (unless config allows loosening).
 */
@FunctionalInterface
public interface Strictness<T> {

    boolean atLeastAsStrict(T candidate, T configured);

    /** A check that is on when true: turning it off loosens. */
    static Strictness<Boolean> checkOn() {
        return (candidate, configured) -> candidate || !configured;
    }

    /** A cap where 0 means "no cap": lower is stricter, 0 is the loosest. */
    static Strictness<Integer> capZeroUnlimited() {
        return (candidate, configured) -> {
            if (configured == 0) return true;
            return candidate != 0 && candidate <= configured;
        };
    }

    /** A count where more means more load (retries): lower or equal is stricter. */
    static Strictness<Integer> atMost() {
        return (candidate, configured) -> candidate <= configured;
    }

    /** An allow-list where empty means "everything": the request's list must be a non-empty subset. */
    static Strictness<List<String>> allowListSubset() {
        return (candidate, configured) -> {
            if (configured.isEmpty()) return true;
            if (candidate.isEmpty()) return false;
            Set<String> allowed = new HashSet<>();
            for (String c : configured) allowed.add(c.toLowerCase(Locale.ROOT));
            for (String c : candidate) if (!allowed.contains(c.toLowerCase(Locale.ROOT))) return false;
            return true;
        };
    }

    /** A deny-list: the request's list must contain every configured entry. */
    static Strictness<List<String>> denyListSuperset() {
        return (candidate, configured) -> {
            Set<String> have = new HashSet<>();
            for (String c : candidate) have.add(c.toLowerCase(Locale.ROOT));
            for (String c : configured) if (!have.contains(c.toLowerCase(Locale.ROOT))) return false;
            return true;
        };
    }
}
