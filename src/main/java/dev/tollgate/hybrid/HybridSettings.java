package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessSettings;
import dev.tollgate.config.SeedSettings;
import dev.tollgate.json.Json;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Settings;

import java.util.ArrayList;
import java.util.List;

/**
 * Hybrid mode's settings: which role this gateway plays, and for a data plane where its control
 * plane is and the token it shows there. The seeds' {@code USAGE_PANDA_API} and
 * {@code USAGE_PANDA_API_KEY} are accepted in place of the URL and the token.
 */
public final class HybridSettings {

    private HybridSettings() {}

    /** What a gateway is in hybrid mode. */
    public enum Role {
        STANDALONE("standalone"), CONTROL_PLANE("control-plane"), DATA_PLANE("data-plane");

        public final String id;

        Role(String id) {
            this.id = id;
        }

        static Role of(String id) {
            for (Role r : values()) if (r.id.equals(id)) return r;
            throw new IllegalArgumentException(id);
        }
    }

    public static final Setting<String> ROLE = Setting.global("TOLLGATE_ROLE",
            SettingType.oneOf("standalone", "control-plane", "data-plane"), "standalone",
            "Hybrid mode: `standalone` (one gateway, or replicas on one database), `control-plane` (owns the database "
            + "and the admin API, serves configuration snapshots to data planes, may serve traffic too) or `data-plane` "
            + "(serves traffic from the control plane's snapshot: no database, no admin API, always key mode). See "
            + "[Hybrid mode](hybrid.md).");

    public static final Setting<String> CONTROL_PLANE_URL = Setting.global("TOLLGATE_CONTROL_PLANE_URL",
            SettingType.string(), null,
            "A data plane's control plane: `https://control.example.com:9000` (the seeds' `USAGE_PANDA_API` is accepted "
            + "in its place). Required when `TOLLGATE_ROLE=data-plane`.");

    public static final Setting<String> DATA_PLANE_TOKEN = Setting.secret("TOLLGATE_DATA_PLANE_TOKEN",
            "A data plane's token (`tgdp-…`, made with `tollgate dataplanes create` on the control plane; the seeds' "
            + "`USAGE_PANDA_API_KEY` is accepted in its place). It fetches configuration and nothing else. Required when "
            + "`TOLLGATE_ROLE=data-plane`.");

    public static final List<Setting<?>> ALL = List.of(ROLE, CONTROL_PLANE_URL, DATA_PLANE_TOKEN);

    public static Role role(Settings s) {
        return Role.of(s.get(ROLE));
    }

    /** The control plane's URL, from {@code TOLLGATE_CONTROL_PLANE_URL} or the seeds' {@code USAGE_PANDA_API}. */
    public static String controlPlaneUrl(Settings s) {
        String v = blankToNull(s.get(CONTROL_PLANE_URL));
        if (v == null) v = blankToNull(s.get(seed("USAGE_PANDA_API")));
        return v == null ? null : v.replaceAll("/+$", "");
    }

    /** The data-plane token, from {@code TOLLGATE_DATA_PLANE_TOKEN} or the seeds' {@code USAGE_PANDA_API_KEY}. */
    public static String token(Settings s) {
        String v = blankToNull(s.get(DATA_PLANE_TOKEN));
        return v != null ? v : blankToNull(s.get(seed("USAGE_PANDA_API_KEY")));
    }

    /** How often a data plane fetches a whole snapshot: the seeds' {@code CONFIG_CACHE_MINUTES} (0 = every 30 s). */
    public static long refreshMillis(Settings s) {
        int minutes = s.get(seed("CONFIG_CACHE_MINUTES"));
        return minutes <= 0 ? 30_000L : minutes * 60_000L;
    }

    /** A data plane's settings: key mode always on, the admin API always off (it lives on the control plane). */
    public static Settings dataPlaneSettings(Settings s) {
        return s.with(AccessSettings.KEY_MODE, true).with(AccessSettings.ADMIN_TOKEN, null);
    }

    /** The gateway-wide settings a snapshot carries: those of {@code travelling} set on the control plane, by key. */
    public static ObjectNode travelling(Settings s, List<Setting<?>> travelling) {
        ObjectNode o = Json.object();
        for (Setting<?> st : travelling) {
            if (!st.secret() && s.isSet(st)) o.set(st.key(), json(st, s));
        }
        return o;
    }

    private static <T> com.fasterxml.jackson.databind.JsonNode json(Setting<T> st, Settings s) {
        T value = s.get(st);
        return value == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : st.type().toJson(value);
    }

    /** Problems of the role's settings, each naming the setting to give. */
    public static List<String> validate(Settings s) {
        List<String> errors = new ArrayList<>();
        if (role(s) == Role.CONTROL_PLANE) {
            String admin = s.get(AccessSettings.ADMIN_TOKEN);
            if (admin == null || admin.isEmpty()) errors.add(AccessSettings.ADMIN_TOKEN.key() + ": required when TOLLGATE_ROLE=control-plane");
        }
        if (role(s) != Role.DATA_PLANE) return errors;
        String url = controlPlaneUrl(s);
        if (url == null) {
            errors.add(CONTROL_PLANE_URL.key() + ": required when TOLLGATE_ROLE=data-plane (or USAGE_PANDA_API)");
        } else if (!url.matches("(?i)https?://[^/\\s?#@]+(/[^\\s?#]*)?")) {
            errors.add(CONTROL_PLANE_URL.key() + ": expected http://host:port or https://host:port");
        }
        String token = token(s);
        if (token == null) {
            errors.add(DATA_PLANE_TOKEN.key() + ": required when TOLLGATE_ROLE=data-plane (or USAGE_PANDA_API_KEY)");
        } else if (!DataPlaneTokens.looksLikeToken(token)) {
            errors.add(DATA_PLANE_TOKEN.key() + ": not a data-plane token (tgdp-…; make one with `tollgate dataplanes create`)");
        }
        return errors;
    }

    @SuppressWarnings("unchecked")
    private static <T> Setting<T> seed(String key) {
        for (Setting<?> st : SeedSettings.CLOUD_ONLY) if (st.key().equals(key)) return (Setting<T>) st;
        throw new IllegalStateException(key);
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }
}
