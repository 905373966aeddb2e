package dev.tollgate.config;

import dev.tollgate.api.ApiError;
import io.vertx.core.MultiMap;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Applies per-request {@code x-tollgate-<setting>} headers (Usage Panda's {@code x-usagepanda-<setting>}
 * accepted as an alias) on top of the configured settings. A restriction may only be tightened
 * unless {@link CoreSettings#ALLOW_HEADER_LOOSENING} is on; an unknown or malformed header is
 * refused rather than ignored, so a typo never silently disables a check the caller relies on.
 */
public final class HeaderOverrides {

    public static final String PREFIX = "x-tollgate-";
    public static final String ALIAS_PREFIX = "x-usagepanda-";

    /** Our headers that are not settings: read elsewhere, never sent upstream. */
    private static final Set<String> CONTROL = Set.of("api-key", "trace-id", "azure-resource", "azure-deployment");

    private final SettingCatalog catalog;

    public HeaderOverrides(SettingCatalog catalog) {
        this.catalog = catalog;
    }

    /** Either the effective settings or the error to answer with. */
    public record Result(Settings settings, ApiError error) {}

    public Result resolve(Settings configured, MultiMap headers) {
        // Several lines of one header (or of its alias) form one comma-separated value (RFC 9110 §5.3).
        Map<String, String> values = null;
        Map<String, String> names = null; // the header name as the caller sent it, for errors
        for (Map.Entry<String, String> h : headers) {
            String suffix = suffix(h.getKey());
            if (suffix == null || CONTROL.contains(suffix)) continue;
            if (values == null) {
                values = new LinkedHashMap<>();
                names = new LinkedHashMap<>();
            }
            values.merge(suffix, h.getValue(), (a, b) -> a + "," + b);
            names.putIfAbsent(suffix, h.getKey().toLowerCase(java.util.Locale.ROOT));
        }
        if (values == null) return new Result(configured, null);

        Settings effective = configured;
        for (Map.Entry<String, String> v : values.entrySet()) {
            String suffix = v.getKey();
            String shown = names.get(suffix);
            Setting<?> setting = catalog.byHeader(suffix);
            if (setting == null) {
                return error(400, "unknown_setting_header", "Unknown header " + shown + ".");
            }
            try {
                effective = apply(effective, configured, setting, v.getValue());
            } catch (IllegalArgumentException e) {
                return error(400, "invalid_header_value", "Header " + shown + ": " + e.getMessage() + ".");
            } catch (Loosening e) {
                return error(403, "setting_override_forbidden", "Header " + shown + " would loosen the gateway's "
                        + setting.key() + " setting; a request may only tighten it.");
            }
        }
        return new Result(effective, null);
    }

    /** The lower-case suffix of one of our headers, or null for any other header. */
    public static String suffix(String headerName) {
        if (headerName.length() > PREFIX.length() && headerName.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return headerName.substring(PREFIX.length()).toLowerCase(java.util.Locale.ROOT);
        }
        if (headerName.length() > ALIAS_PREFIX.length() && headerName.regionMatches(true, 0, ALIAS_PREFIX, 0, ALIAS_PREFIX.length())) {
            return headerName.substring(ALIAS_PREFIX.length()).toLowerCase(java.util.Locale.ROOT);
        }
        return null;
    }

    /** The value of one of our control headers (either prefix), or null. */
    public static String control(MultiMap headers, String suffix) {
        String[] names = CONTROL_NAMES.computeIfAbsent(suffix, s -> new String[]{PREFIX + s, ALIAS_PREFIX + s});
        String v = headers.get(names[0]);
        return v != null ? v : headers.get(names[1]);
    }

    /** Both header names of each control suffix, built once: these are read on every request. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String[]> CONTROL_NAMES = new java.util.concurrent.ConcurrentHashMap<>();

    private <T> Settings apply(Settings effective, Settings configured, Setting<T> setting, String raw) {
        T value = setting.type().fromString(raw);
        if (setting.override() == Setting.HeaderRule.TIGHTEN_ONLY && !configured.get(CoreSettings.ALLOW_HEADER_LOOSENING)
                && !setting.strictness().atLeastAsStrict(value, configured.get(setting))) {
            throw new Loosening();
        }
        return effective.with(setting, value);
    }

    private static Result error(int status, String code, String message) {
        String type = status == 403 ? "permission_error" : ApiError.INVALID_REQUEST;
        return new Result(null, new ApiError(status, type, code, message, null));
    }

    private static final class Loosening extends RuntimeException {
        Loosening() {
            super(null, null, false, false);
        }
    }
}
