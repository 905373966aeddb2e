package dev.tollgate.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every key Tollgate knows, by name and by per-request header suffix. */
public final class SettingCatalog {

    private final Map<String, Setting<?>> byKey = new LinkedHashMap<>();
    private final Map<String, Setting<?>> byHeader = new LinkedHashMap<>();

    public SettingCatalog(Collection<? extends Setting<?>> settings) {
        for (Setting<?> s : settings) {
            if (byKey.putIfAbsent(s.key(), s) != null) throw new IllegalStateException("duplicate setting " + s.key());
            if (s.header() != null && byHeader.putIfAbsent(s.header(), s) != null) {
                throw new IllegalStateException("duplicate setting header " + s.header());
            }
        }
    }

    /**
     * Core settings, the seeds' compatibility keys, then the given key mode's, routing and
     * providers', and policies' settings (the config package knows none of them).
     */
    public static SettingCatalog of(List<Setting<?>> accessSettings, List<Setting<?>> providerSettings, List<Setting<?>> policySettings) {
        List<Setting<?>> all = new ArrayList<>(CoreSettings.ALL);
        all.addAll(SeedSettings.CLOUD_ONLY);
        all.add(SeedSettings.REDACTION_STRING);
        all.add(SeedSettings.PROMPT_REFLECTION_DELIMETER);
        all.addAll(accessSettings);
        all.addAll(providerSettings);
        all.addAll(policySettings);
        return new SettingCatalog(all);
    }

    public Setting<?> byKey(String key) {
        return byKey.get(key);
    }

    /** The per-request setting for a header suffix, e.g. "disabled-models". */
    public Setting<?> byHeader(String headerSuffix) {
        return byHeader.get(headerSuffix);
    }

    public Collection<Setting<?>> all() {
        return byKey.values();
    }

    /** The closest known key, for "did you mean" hints; null when nothing is close. */
    public String closest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String key : byKey.keySet()) {
            int d = distance(unknown.toUpperCase(java.util.Locale.ROOT), key);
            if (d < bestDistance) {
                bestDistance = d;
                best = key;
            }
        }
        return bestDistance <= Math.max(2, unknown.length() / 4) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
