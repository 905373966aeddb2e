package dev.tollgate.server;

import dev.tollgate.access.AccessRules;
import dev.tollgate.config.Settings;
import dev.tollgate.provider.Router;

/**
 * One generation of the gateway-wide configuration a request is judged by: the settings the
 * policies read (before a key's settings and the headers layer on top), the models list's router,
 * and the prices and shared limits. Immutable: a data plane puts a new generation in place when
 * its control plane's settings change, and each request reads the generation once at its start,
 * so it sees one consistent configuration to its end while later requests see the new one.
 */
public record ConfigGeneration(Settings settings, Router router, AccessRules rules) {}
