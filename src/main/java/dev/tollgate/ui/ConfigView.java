package dev.tollgate.ui;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Setting;
import dev.tollgate.config.Settings;
import dev.tollgate.json.Json;
import dev.tollgate.observe.SecretScrubber;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ModelRoute;
import dev.tollgate.provider.Router;
import dev.tollgate.secret.Redaction;

import java.util.Collection;
import java.util.Comparator;

/**
 * {@code GET /admin/v1/config}: the effective settings (secrets only as set or unset; other values
 * scrubbed of URL passwords and of anything shaped like a credential) and the models list with each
 * deployment's circuit state. Never a credential.
 */
public final class ConfigView {

    private static final String[] CIRCUIT = {"closed", "open", "half_open"};

    private ConfigView() {}

    public static ObjectNode of(Settings settings, Collection<Setting<?>> catalog, Router router, SecretScrubber scrubber) {
        ObjectNode o = Json.object();
        o.put("object", "tollgate.config");
        ArrayNode list = o.putArray("settings");
        catalog.stream().sorted(Comparator.comparing(Setting::key)).forEach(s -> {
            ObjectNode n = list.addObject();
            n.put("name", s.key());
            n.put("secret", s.secret());
            n.put("set", settings.isSet(s));
            if (!s.secret()) {
                String v = formatted(settings, s);
                n.put("value", v == null ? null : scrubber.scrub(Redaction.scrub(v)));
            }
            n.put("source", settings.isSet(s) ? "set" : "default");
        });
        ArrayNode models = o.putArray("models");
        for (ModelRoute r : router.listed()) {
            ObjectNode m = models.addObject();
            m.put("id", r.name());
            ArrayNode aliases = m.putArray("aliases");
            r.aliases().forEach(aliases::add);
            ArrayNode deployments = m.putArray("deployments");
            for (Deployment d : r.deployments()) {
                ObjectNode dn = deployments.addObject();
                dn.put("name", d.id());
                dn.put("provider", d.provider().id());
                dn.put("model", d.upstreamModel());
                dn.put("weight", d.weight());
                dn.put("circuit", CIRCUIT[Math.max(0, Math.min(2, router.health().state(d.id())))]);
            }
            ArrayNode fallbacks = m.putArray("fallbacks");
            r.fallbacks().forEach(fallbacks::add);
        }
        return o;
    }

    private static <T> String formatted(Settings settings, Setting<T> s) {
        return s.type().format(settings.get(s));
    }
}
