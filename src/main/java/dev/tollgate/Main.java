package dev.tollgate;

import dev.tollgate.access.AccessControl;
import dev.tollgate.chain.Policy;
import dev.tollgate.cli.DataPlanesCommand;
import dev.tollgate.cli.DbCommand;
import dev.tollgate.cli.KeysCommand;
import dev.tollgate.cli.RequestsCommand;
import dev.tollgate.cli.UsageCommand;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.Setting;
import dev.tollgate.config.Settings;
import dev.tollgate.config.SettingsReference;
import dev.tollgate.observe.StdoutLines;
import dev.tollgate.policy.Policies;
import dev.tollgate.server.Gateway;
import dev.tollgate.trace.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Command-line entry: {@code tollgate serve}, {@code tollgate config check FILE}, {@code tollgate config docs}, and the admin
 * commands {@code tollgate keys ...} and {@code tollgate usage} (which call a running gateway), and {@code tollgate db copy}
 * (which works on databases directly).
 */
@Command(name = "tollgate", mixinStandardHelpOptions = true, version = "tollgate 0.1.0",
        description = "Self-hosted LLM API gateway.",
        subcommands = {Main.Serve.class, Main.ConfigCommand.class, KeysCommand.class, DataPlanesCommand.class, UsageCommand.class,
                RequestsCommand.class, DbCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) System.exit(code);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Settings from file and environment, with command-line overrides applied last. */
    static ConfigLoader.Loaded load(Path file, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(overrides);
        ConfigLoader.Loaded loaded = new ConfigLoader(Gateway.catalog()).load(file, env);
        Policies.validate(Policies.standard(), loaded.settings());
        Gateway.router(loaded.settings(), env::get, System::currentTimeMillis); // the models list, credentials included
        List<String> accessErrors = new java.util.ArrayList<>(dev.tollgate.hybrid.HybridSettings.validate(loaded.settings()));
        accessErrors.addAll(AccessControl.validate(loaded.settings()));
        accessErrors.addAll(dev.tollgate.oidc.OidcSettings.validate(loaded.settings()));
        if (!accessErrors.isEmpty()) throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", accessErrors));
        return loaded;
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the gateway.")
    static final class Serve implements Callable<Integer> {
        private static final Logger LOG = LoggerFactory.getLogger("tollgate");

        @Option(names = "--config", description = "YAML config file (keys as in the environment)")
        Path config;

        @Option(names = "--port", description = "Port to listen on (default 9000, or PORT)")
        Integer port;

        @Override
        public Integer call() throws Exception {
            ConfigLoader.Loaded loaded;
            try {
                loaded = load(config, Map.of());
            } catch (ConfigException e) {
                System.err.println("tollgate: " + e.getMessage());
                return 2;
            }
            if (port != null) {
                try {
                    loaded = new ConfigLoader.Loaded(loaded.settings().with(CoreSettings.PORT,
                            CoreSettings.PORT.type().fromString(port.toString())), loaded.warnings());
                } catch (IllegalArgumentException e) {
                    System.err.println("tollgate: --port: " + e.getMessage());
                    return 2;
                }
            }
            loaded.warnings().forEach(LOG::warn);
            Settings settings = loaded.settings();
            // A data plane is in key mode whatever its file says: warn about what it will really do.
            warnIfOpen(dev.tollgate.hybrid.HybridSettings.role(settings) == dev.tollgate.hybrid.HybridSettings.Role.DATA_PLANE
                    ? dev.tollgate.hybrid.HybridSettings.dataPlaneSettings(settings) : settings);
            Gateway gateway;
            try {
                gateway = Gateway.start(settings).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.error("could not start: {}", rootMessage(e));
                return 1;
            }
            LOG.info("listening on {}:{}, upstream {}", settings.get(CoreSettings.HOST), gateway.port(),
                    settings.get(CoreSettings.LLM_API_BASE_PATH));
            if (gateway.router().routed()) {
                LOG.info("routing {} listed models; unlisted models {}", gateway.router().listed().size(),
                        gateway.router().passesUnlisted() ? "go to " + gateway.router().defaultDeployment() : "are refused");
            }
            if (gateway.tracing().on()) LOG.info("tracing {}", gateway.tracing().description());
            if (gateway.context().dataPlane() != null) {
                LOG.info("data plane {}: key mode from the control plane's snapshot; admin API off", gateway.context().dataPlane().planeId());
            } else if (gateway.access().keyMode()) {
                LOG.info("key mode: {} keys loaded from {}; admin API {}", gateway.access().keys().keys().size(),
                        dev.tollgate.store.Database.Target.of(settings.get(dev.tollgate.access.AccessSettings.DATABASE), null, null, 1).display(), gateway.access().adminEnabled() ? "on" : "off");
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                LOG.info("shutting down: draining in-flight requests");
                try {
                    gateway.stop().toCompletionStage().toCompletableFuture()
                            .get(settings.get(CoreSettings.SHUTDOWN_GRACE_MS) + 5_000L, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    LOG.warn("shutdown did not finish cleanly: {}", e.getClass().getSimpleName());
                }
                LOG.info("stopped");
                StdoutLines.get().flush(5_000); // the last request lines reach stdout before exit
                stopped.countDown();
            }, "tollgate-shutdown"));
            stopped.await();
            return 0;
        }

        private static void warnIfOpen(Settings s) throws Exception {
            if (dev.tollgate.access.AccessSettings.keyMode(s) && s.get(CoreSettings.OPENAI_API_KEY) == null) {
                LOG.warn("key mode is on and OPENAI_API_KEY is not set: calls reach the upstream without credentials "
                        + "(right for a local server, wrong for a hosted API)");
            }
            if (s.get(CoreSettings.OPENAI_API_KEY) != null && !dev.tollgate.access.AccessSettings.keyMode(s)
                    && !InetAddress.getByName(s.get(CoreSettings.HOST)).isLoopbackAddress()) {
                LOG.warn("OPENAI_API_KEY is injected and the gateway listens on {}: anyone who can reach this port "
                        + "spends that key. Bind HOST=127.0.0.1, restrict access to the port, or turn key mode on (TOLLGATE_ADMIN_TOKEN).", s.get(CoreSettings.HOST));
            }
        }

        private static String rootMessage(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null) t = t.getCause();
            return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true, description = "Configuration tools.",
            subcommands = {ConfigCheck.class, ConfigDocs.class})
    static final class ConfigCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a config file (and the environment) without starting.")
    static final class ConfigCheck implements Callable<Integer> {
        @Parameters(index = "0", description = "YAML config file")
        Path file;

        @Override
        public Integer call() {
            try {
                ConfigLoader.Loaded loaded = load(file, Map.of());
                loaded.warnings().forEach(w -> System.out.println("warning: " + w));
                try (Tracing tracing = Tracing.fromEnvironment(System.getenv())) { // the OTEL_* variables, as serve reads them
                    if (tracing.on()) System.out.println("tracing " + tracing.description());
                }
                System.out.println("config ok: " + file);
                return 0;
            } catch (ConfigException e) {
                System.err.println("tollgate: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "docs", mixinStandardHelpOptions = true,
            description = "Print the configuration reference (docs/configuration.md) as markdown.")
    static final class ConfigDocs implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(configurationReference());
            System.out.flush();
            return 0;
        }
    }

    /** The configuration reference of the standard gateway: every setting, policies' under their policy. */
    public static String configurationReference() {
        Map<String, List<Setting<?>>> byPolicy = new LinkedHashMap<>();
        for (Policy p : Policies.standard()) byPolicy.put(p.id(), p.settings());
        return new SettingsReference(Gateway.catalog(), byPolicy).markdown();
    }
}
