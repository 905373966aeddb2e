package dev.tollgate.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Settings;
import dev.tollgate.provider.azure.Azure;
import dev.tollgate.provider.azure.AzureHeaderRoutes;
import dev.tollgate.provider.openai.OpenAi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Where a request goes: the {@code TOLLGATE_MODELS} list maps the model a client asks for (or an
 * alias) to deployments, balanced by weight, then to fallback models. A model not in the list goes
 * to the default upstream ({@code LLM_API_BASE_PATH}, or the seeds' Azure resource) or is refused.
 * Deployments that keep failing are skipped for a while ({@link DeploymentHealth}).
 */
public final class Router {

    /** The attempts for one request, in order; empty when the model is refused. */
    public record Plan(String route, List<Deployment> attempts) {}

    private final Map<String, ModelRoute> routes;       // by name and alias
    private final List<ModelRoute> listed;              // in config order, for /v1/models
    private final Deployment defaultDeployment;         // null when unlisted models are refused
    private final DeploymentHealth health;
    private final boolean routed;
    private final AzureHeaderRoutes azureHeader;

    private Router(Map<String, ModelRoute> routes, List<ModelRoute> listed, Deployment defaultDeployment, DeploymentHealth health,
                   AzureHeaderRoutes azureHeader) {
        this.routes = routes;
        this.listed = listed;
        this.defaultDeployment = defaultDeployment;
        this.health = health;
        this.azureHeader = azureHeader;
        this.routed = !listed.isEmpty() || defaultDeployment == null || defaultDeployment.provider() != OpenAi.SPEC;
    }

    /** Builds the routes; credentials are read through {@code env} (variable name → value). Errors name the entry. */
    public static Router of(Settings s, Function<String, String> env, LongSupplier clock) {
        return of(s, env, new DeploymentHealth(s.get(RoutingSettings.CIRCUIT_FAILURES), s.get(RoutingSettings.CIRCUIT_COOLDOWN_MS), clock));
    }

    /**
     * As above, sharing the circuit breakers of an earlier router (a data plane's new models list):
     * a deployment that stays keeps its state, since breakers are kept by deployment id.
     */
    public static Router of(Settings s, Function<String, String> env, DeploymentHealth health) {
        // The seeds' Azure resource, when set, takes unlisted models instead of LLM_API_BASE_PATH.
        Deployment seedAzure = Azure.SPEC.seedDefault(s);
        Deployment fallbackDefault = seedAzure != null ? seedAzure : OpenAi.SPEC.defaultDeployment(s);
        Map<String, ModelRoute> byName = new HashMap<>();
        List<ModelRoute> listed = new ArrayList<>();
        JsonNode models = s.get(RoutingSettings.MODELS);
        if (models != null) {
            int i = 0;
            for (JsonNode entry : models) {
                ModelRoute r = RouteParser.route(entry, "TOLLGATE_MODELS[" + i++ + "]", s, env);
                for (String name : names(r)) {
                    if (byName.putIfAbsent(name, r) != null) throw new IllegalArgumentException("TOLLGATE_MODELS: the name '" + name + "' is used twice");
                }
                listed.add(r);
            }
            for (ModelRoute r : listed) {
                for (String f : r.fallbacks()) {
                    if (!byName.containsKey(f)) {
                        throw new IllegalArgumentException("TOLLGATE_MODELS: fallback '" + f + "' of '" + r.name() + "' is not a listed model");
                    }
                }
            }
        }
        for (ProviderSpec p : Providers.ALL) p.check(s);
        boolean refuse = s.get(RoutingSettings.UNLISTED_MODELS).equals("refuse");
        return new Router(byName, List.copyOf(listed), refuse ? null : fallbackDefault, health, AzureHeaderRoutes.of(s));
    }

    private static Set<String> names(ModelRoute r) {
        Set<String> out = new LinkedHashSet<>();
        out.add(r.name());
        out.addAll(r.aliases());
        return out;
    }

    /** Whether anything but the plain OpenAI pass-through is configured (else the fast path runs). */
    public boolean routed() {
        return routed;
    }

    public DeploymentHealth health() {
        return health;
    }

    public List<ModelRoute> listed() {
        return listed;
    }

    /** Whether unlisted models go to the default upstream. */
    public boolean passesUnlisted() {
        return defaultDeployment != null;
    }

    public Deployment defaultDeployment() {
        return defaultDeployment;
    }

    /**
     * The deployment for a request that names an Azure resource in its header (the seeds' form),
     * or null when the resource is not allowed: a header must never send a key to an arbitrary host.
     */
    public Deployment headerAzure(String resource, String deploymentHeader) {
        return azureHeader.deployment(resource, deploymentHeader);
    }

    /** The route a model name resolves to (by name or alias), or null. */
    public ModelRoute route(String model) {
        return model == null ? null : routes.get(model);
    }

    /**
     * The deployments to try for a model: its own, one chosen by weight first, healthy before
     * cooling-down ones; then each fallback model's in turn. A model without a route goes to the
     * default upstream, or nowhere when unlisted models are refused.
     */
    public Plan plan(String model) {
        ModelRoute r = route(model);
        if (r == null) {
            return defaultDeployment == null ? new Plan(null, List.of()) : new Plan(null, List.of(defaultDeployment));
        }
        List<Deployment> out = new ArrayList<>();
        Set<String> seenRoutes = new LinkedHashSet<>();
        addRoute(r, out, seenRoutes);
        for (String f : r.fallbacks()) addRoute(routes.get(f), out, seenRoutes);
        return new Plan(r.name(), out);
    }

    private void addRoute(ModelRoute r, List<Deployment> out, Set<String> seen) {
        if (r == null || !seen.add(r.name())) return;
        List<Deployment> ordered = weightedOrder(r.deployments());
        for (Deployment d : ordered) if (!health.coolingDown(d) && !out.contains(d)) out.add(d);
        for (Deployment d : ordered) if (health.coolingDown(d) && !out.contains(d)) out.add(d);
    }

    /** A random order in which each deployment comes first with probability weight / total (Efraimidis–Spirakis). */
    static List<Deployment> weightedOrder(List<Deployment> ds) {
        if (ds.size() == 1) return ds;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Map<Deployment, Double> key = new LinkedHashMap<>();
        for (Deployment d : ds) key.put(d, Math.pow(rnd.nextDouble(), 1.0 / Math.max(1, d.weight())));
        List<Deployment> out = new ArrayList<>(ds);
        out.sort(Comparator.comparingDouble((Deployment d) -> key.get(d)).reversed());
        return out;
    }
}
