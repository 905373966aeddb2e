package dev.tollgate.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.AccessRules;
import dev.tollgate.chain.Policy;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingCatalog;
import dev.tollgate.config.Settings;
import dev.tollgate.hybrid.DataPlaneSync;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.observe.SecretScrubber;
import dev.tollgate.policy.Policies;
import dev.tollgate.provider.Deployment;
import dev.tollgate.provider.ModelRoute;
import dev.tollgate.provider.Router;
import dev.tollgate.provider.RoutingSettings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * A data plane's gateway-wide layer: the settings that travel in its control plane's snapshot
 * (policies', prices, shared limits, the models list) replace its own values of them, wholly (a
 * setting the control plane leaves unset reads as its default here too); everything else (ports,
 * timeouts, provider keys, TLS, the data directory) stays this data plane's own. Each snapshot's
 * settings make a new {@link ConfigGeneration}, checked as start-up checks a configuration, and
 * put in place at once; requests under way keep theirs.
 */
final class TravellingSettings implements DataPlaneSync.SettingsLayer {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    private final GatewayContext ctx;
    /** This data plane's own settings, the travelling ones unset. */
    private final Settings own;
    private final Map<String, Setting<?>> travelling = new LinkedHashMap<>();
    private final SettingCatalog catalog;
    private final List<Policy> policies;
    private final Function<String, String> env;
    private final GatewayMetrics metrics;
    /** Every credential any generation held: the scrubber keeps masking a key after its deployment leaves. */
    private final Set<String> secrets = new LinkedHashSet<>();

    TravellingSettings(GatewayContext ctx, Settings own, List<Setting<?>> travelling, SettingCatalog catalog, List<Policy> policies,
                       Function<String, String> env, GatewayMetrics metrics, List<String> startSecrets) {
        this.ctx = ctx;
        this.own = own;
        for (Setting<?> s : travelling) this.travelling.put(s.key(), s);
        this.catalog = catalog;
        this.policies = policies;
        this.env = env;
        this.metrics = metrics;
        this.secrets.addAll(startSecrets);
    }

    /** A data plane's own settings without the travelling ones: the snapshot decides those. */
    static Settings withoutTravelling(Settings s, List<Setting<?>> travelling) {
        for (Setting<?> t : travelling) s = s.without(t);
        return s;
    }

    /** The travelling settings this data plane's own configuration sets (ignored: named in a warning at start). */
    static List<String> setLocally(Settings s, List<Setting<?>> travelling) {
        List<String> out = new ArrayList<>();
        for (Setting<?> t : travelling) if (s.isSet(t)) out.add(t.key());
        return out;
    }

    @Override
    public Runnable prepare(ObjectNode snapshot) {
        Settings s = own;
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : snapshot.properties()) {
            Setting<?> st = travelling.get(e.getKey());
            if (st == null) {
                errors.add(e.getKey() + ": " + (catalog.byKey(e.getKey()) == null ? "unknown setting" : "not a setting that travels"));
                continue;
            }
            try {
                s = with(s, st, e.getValue());
            } catch (IllegalArgumentException bad) {
                errors.add(e.getKey() + ": " + bad.getMessage());
            }
        }
        if (errors.isEmpty()) {
            try {
                Policies.validate(policies, s);
            } catch (ConfigException bad) {
                errors.add(problems(bad));
            }
        }
        if (!errors.isEmpty()) throw new IllegalArgumentException(String.join("; ", errors));
        ConfigGeneration before = ctx.generation();
        AccessRules rules = AccessRules.of(s);
        // The same models list keeps its router (and so its circuit breakers' state); a new one shares the breakers by deployment id.
        Router router = Objects.equals(s.get(RoutingSettings.MODELS), before.settings().get(RoutingSettings.MODELS))
                ? before.router() : Router.of(s, env, before.router().health());
        ConfigGeneration next = new ConfigGeneration(s, router, rules.pricedAs(Gateway.pricing(router)));
        List<String> changed = changed(before.settings(), s);
        return () -> install(next, changed);
    }

    private void install(ConfigGeneration next, List<String> changed) {
        List<String> fresh = Gateway.secrets(next.settings(), catalog, next.router());
        SecretScrubber scrubber;
        synchronized (secrets) {
            secrets.addAll(fresh);
            scrubber = SecretScrubber.of(secrets);
        }
        SecretScrubber.registerForLogs(fresh);
        ctx.generation(next, scrubber);
        dev.tollgate.provider.DeploymentHealth health = next.router().health(); // one for the gateway's life: shared by every router
        for (ModelRoute r : next.router().listed()) {
            for (Deployment d : r.deployments()) metrics.deploymentCircuit(d.id(), () -> health.state(d.id())); // registered once per id
        }
        if (!changed.isEmpty()) {
            LOG.info("data plane: gateway-wide settings from the control plane in use; changed: {}", String.join(", ", changed));
        }
    }

    /** The travelling settings whose values differ (names only: values may be long, and are the control plane's to show). */
    private List<String> changed(Settings before, Settings after) {
        List<String> out = new ArrayList<>();
        for (Setting<?> t : travelling.values()) {
            if (!Objects.equals(before.get(t), after.get(t)) || before.isSet(t) != after.isSet(t)) out.add(t.key());
        }
        return out;
    }

    private static <T> Settings with(Settings s, Setting<T> st, JsonNode value) {
        return s.with(st, st.type().fromYaml(value));
    }

    /** A ConfigException's problems without its "invalid configuration:" heading. */
    private static String problems(ConfigException e) {
        String m = e.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(nl + 1)).trim().replaceAll("\\s*\n\\s*", "; ");
    }
}
