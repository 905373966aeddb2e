package dev.tollgate.oidc;

import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Settings;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Single sign-on to the dashboard with an OpenID Connect provider. Off while the issuer is unset. */
public final class OidcSettings {

    private OidcSettings() {}

    public static final Setting<String> ISSUER = Setting.global("TOLLGATE_OIDC_ISSUER", SettingType.string(), "",
            "The OpenID Connect issuer (e.g. `https://accounts.google.com`): its discovery document is read from "
            + "`<issuer>/.well-known/openid-configuration` and must name exactly this issuer. Unset: no single sign-on. "
            + "https only (http for a loopback host). See [Dashboard](dashboard.md#single-sign-on).");

    public static final Setting<String> CLIENT_ID = Setting.global("TOLLGATE_OIDC_CLIENT_ID", SettingType.string(), "",
            "The client id registered with the provider; ID tokens must name it in `aud`.");

    public static final Setting<String> CLIENT_SECRET = Setting.secret("TOLLGATE_OIDC_CLIENT_SECRET",
            "The client's secret, sent to the token endpoint (HTTP Basic, or in the form when the provider only "
            + "supports that). Unset: a public client (PKCE only).");

    public static final Setting<List<String>> ADMIN_DOMAINS = Setting.global("TOLLGATE_OIDC_ADMIN_DOMAINS", SettingType.stringList(),
            List.of(), "E-mail domains (exact, case-insensitive) whose verified addresses sign in as `admin`.");

    public static final Setting<List<String>> VIEWER_DOMAINS = Setting.global("TOLLGATE_OIDC_VIEWER_DOMAINS", SettingType.stringList(),
            List.of(), "E-mail domains (exact, case-insensitive) whose verified addresses sign in as `viewer` (read-only).");

    public static final Setting<String> GROUPS_CLAIM = Setting.global("TOLLGATE_OIDC_GROUPS_CLAIM", SettingType.string(), "",
            "The ID token claim holding the user's groups (a list of strings, or one string), e.g. `groups`.");

    public static final Setting<List<String>> ADMIN_GROUPS = Setting.global("TOLLGATE_OIDC_ADMIN_GROUPS", SettingType.stringList(),
            List.of(), "Groups (exact) whose members sign in as `admin`. Needs `TOLLGATE_OIDC_GROUPS_CLAIM`.");

    public static final Setting<List<String>> VIEWER_GROUPS = Setting.global("TOLLGATE_OIDC_VIEWER_GROUPS", SettingType.stringList(),
            List.of(), "Groups (exact) whose members sign in as `viewer`. Needs `TOLLGATE_OIDC_GROUPS_CLAIM`.");

    public static final Setting<String> REDIRECT_URL = Setting.global("TOLLGATE_OIDC_REDIRECT_URL", SettingType.string(), "",
            "The callback URL registered with the provider, `https://<gateway>/ui/oidc/callback`. Unset: made from the "
            + "address the browser used (behind a proxy, set it).");

    public static final List<Setting<?>> ALL = List.of(ISSUER, CLIENT_ID, CLIENT_SECRET, ADMIN_DOMAINS, VIEWER_DOMAINS, GROUPS_CLAIM,
            ADMIN_GROUPS, VIEWER_GROUPS, REDIRECT_URL);

    public static boolean enabled(Settings s) {
        return !s.get(ISSUER).isBlank();
    }

    /** What is wrong with the single sign-on settings (empty when they are off or sound). */
    public static List<String> validate(Settings s) {
        List<String> errors = new ArrayList<>();
        if (!enabled(s)) return errors;
        String issuer = s.get(ISSUER).trim();
        if (!secureOrLoopback(issuer)) {
            errors.add(ISSUER.key() + ": expected an https:// URL (http only for a loopback host)");
        }
        if (s.get(CLIENT_ID).isBlank()) errors.add(CLIENT_ID.key() + ": required when " + ISSUER.key() + " is set");
        boolean byDomain = !s.get(ADMIN_DOMAINS).isEmpty() || !s.get(VIEWER_DOMAINS).isEmpty();
        boolean byGroup = !s.get(ADMIN_GROUPS).isEmpty() || !s.get(VIEWER_GROUPS).isEmpty();
        if (!byDomain && !byGroup) {
            errors.add(ISSUER.key() + ": name who may sign in: TOLLGATE_OIDC_ADMIN_DOMAINS / _VIEWER_DOMAINS, or "
                    + "TOLLGATE_OIDC_GROUPS_CLAIM with TOLLGATE_OIDC_ADMIN_GROUPS / _VIEWER_GROUPS");
        }
        if (byGroup && s.get(GROUPS_CLAIM).isBlank()) errors.add(GROUPS_CLAIM.key() + ": required with TOLLGATE_OIDC_ADMIN_GROUPS / _VIEWER_GROUPS");
        String redirect = s.get(REDIRECT_URL).trim();
        if (!redirect.isEmpty() && (!secureOrLoopback(redirect) || !redirect.endsWith("/ui/oidc/callback"))) {
            errors.add(REDIRECT_URL.key() + ": expected https://<gateway>/ui/oidc/callback");
        }
        return errors;
    }

    static boolean secureOrLoopback(String url) {
        try {
            URI u = URI.create(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (u.getHost() == null) return false;
            if (scheme.equals("https")) return true;
            String h = u.getHost();
            return scheme.equals("http") && (h.equals("localhost") || h.equals("127.0.0.1") || h.equals("[::1]") || h.equals("::1"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
