package dev.tollgate.provider;

import java.util.List;

/** A model name clients ask for, its aliases, where it is served, and what to try when all of that fails. */
public record ModelRoute(String name, List<String> aliases, List<Deployment> deployments, List<String> fallbacks) {}
