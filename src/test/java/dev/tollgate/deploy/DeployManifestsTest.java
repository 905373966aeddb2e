package dev.tollgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.access.AccessControl;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingCatalog;
import dev.tollgate.config.Settings;
import dev.tollgate.server.Gateway;
import dev.tollgate.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compose file and the Kubernetes manifests cannot drift from the code: every variable they set is a setting the
 * gateway takes, every probe asks for a path it serves, they wait for its shutdown, and their pieces refer to each other.
 */
class DeployManifestsTest {

    private static final SettingCatalog CATALOG = Gateway.catalog();
    /** What a value that comes from outside the file (a Secret, the shell) stands as here. */
    private static final String OUTSIDE_VALUE = "outside-value-0123456789abcdef0123456789";
    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("\\$\\{[^}]*}");

    @Test
    void everyYamlFileUnderDeployParses() throws Exception {
        List<Path> files = DeployFiles.yamlFiles();
        assertThat(files).contains(Path.of("deploy/compose/compose.yaml"), Path.of("deploy/kubernetes/deployment.yaml"),
                Path.of("deploy/prometheus/alerts.yaml"), Path.of("deploy/compose/test-services.yaml"));
        for (Path f : files) {
            // The image's default config file is empty on purpose (ImageRunTest checks it with `config check`).
            if (!f.startsWith("deploy/image")) assertThat(DeployFiles.documents(f)).as(f.toString()).isNotEmpty();
        }
    }

    @Test
    void theComposeGatewaysGetOnlySettingsWithValuesTheGatewayTakes() throws Exception {
        Map<String, Map<String, String>> gateways = composeGateways();
        assertThat(gateways.keySet()).containsExactly("gateway-1", "gateway-2");
        for (var g : gateways.entrySet()) assertGatewayEnvironment("compose " + g.getKey(), g.getValue());
    }

    @Test
    void theKubernetesPodsGetOnlySettingsWithValuesTheGatewayTakesAndSecretsThatExist() throws Exception {
        JsonNode container = gatewayContainer();
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode secret = DeployFiles.kubernetes("Secret", "tollgate-secrets").get("stringData");
        for (JsonNode e : container.get("env")) {
            JsonNode ref = e.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                assertThat(ref.get("name").asText()).isEqualTo("tollgate-secrets");
                assertThat(secret.has(ref.get("key").asText())).as("secret.example.yaml has " + ref.get("key")).isTrue();
                env.put(e.get("name").asText(), OUTSIDE_VALUE);
            } else {
                env.put(e.get("name").asText(), e.get("value").asText());
            }
        }
        assertThat(env).containsKeys("OPENAI_API_KEY", "TOLLGATE_ADMIN_TOKEN", "TOLLGATE_DATABASE", "TOLLGATE_REDIS_URL");
        assertGatewayEnvironment("kubernetes deployment", env);
    }

    @Test
    void everyProbeAsksForAPathTheGatewayServesOnItsPort() throws Exception {
        JsonNode container = gatewayContainer();
        Map<String, String> paths = new LinkedHashMap<>();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(get.isMissingNode()).as(probe).isFalse();
            assertThat(containerPort(container, get.get("port"))).as(probe + " port").isEqualTo(CoreSettings.PORT.defaultValue());
            paths.put(probe, get.get("path").asText());
        }
        assertThat(paths).containsExactly(Map.entry("startupProbe", "/healthz"), Map.entry("livenessProbe", "/healthz"),
                Map.entry("readinessProbe", "/readyz"));
        try (TestGateway gateway = TestGateway.start(null, Map.of())) {
            for (String path : paths.values()) {
                HttpResponse<String> r = gateway.get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(200);
            }
            assertThat(gateway.get("/healthz").body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(gateway.get("/readyz").body()).isEqualTo("{\"status\":\"ready\"}");
        }
    }

    @Test
    void kubernetesAndComposeWaitLongerThanTheGatewayTakesToStop() throws Exception {
        // Main's shutdown hook: drain for up to TOLLGATE_SHUTDOWN_GRACE_MS, then up to 5 s to stop and 5 s to flush the logs.
        long afterDrainMs = 10_000;
        JsonNode pod = DeployFiles.kubernetes("Deployment", "tollgate").path("spec").path("template").path("spec");
        JsonNode container = gatewayContainer();
        long graceMs = shutdownGraceMs(container.get("env"));
        long preStopMs = container.path("lifecycle").path("preStop").path("sleep").path("seconds").asLong() * 1000;
        assertThat(graceMs).isEqualTo(30_000);
        assertThat(preStopMs).isEqualTo(5_000);
        assertThat(pod.get("terminationGracePeriodSeconds").asLong() * 1000).isGreaterThanOrEqualTo(preStopMs + graceMs + afterDrainMs);

        for (var g : composeGateways().entrySet()) {
            JsonNode service = DeployFiles.yaml("compose/compose.yaml").get("services").get(g.getKey());
            long grace = Long.parseLong(g.getValue().getOrDefault(CoreSettings.SHUTDOWN_GRACE_MS.key(),
                    CoreSettings.SHUTDOWN_GRACE_MS.defaultValue().toString()));
            Matcher stop = Pattern.compile("(\\d+)s").matcher(service.get("stop_grace_period").asText());
            assertThat(stop.matches()).isTrue();
            assertThat(Long.parseLong(stop.group(1)) * 1000).as(g.getKey()).isGreaterThanOrEqualTo(grace + afterDrainMs);
        }
    }

    @Test
    void theKubernetesObjectsReferToEachOther() throws Exception {
        JsonNode deployment = DeployFiles.kubernetes("Deployment", "tollgate");
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        assertThat(deployment.at("/spec/selector/matchLabels")).isEqualTo(podLabels);
        JsonNode service = DeployFiles.kubernetes("Service", "tollgate");
        assertThat(service.at("/spec/selector")).isEqualTo(podLabels);
        JsonNode servicePort = service.at("/spec/ports/0");
        assertThat(containerPort(gatewayContainer(), servicePort.get("targetPort"))).isEqualTo(9000);
        JsonNode monitor = DeployFiles.kubernetes("ServiceMonitor", "tollgate");
        assertThat(monitor.at("/spec/selector/matchLabels")).isEqualTo(service.at("/metadata/labels"));
        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo(servicePort.get("name").asText());
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
        assertThat(DeployFiles.kubernetes("PodDisruptionBudget", "tollgate").at("/spec/selector/matchLabels")).isEqualTo(podLabels);
        JsonNode hpa = DeployFiles.kubernetes("HorizontalPodAutoscaler", "tollgate");
        assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo("tollgate");
        assertThat(hpa.at("/spec/minReplicas").asInt()).isGreaterThan(DeployFiles.kubernetes("PodDisruptionBudget", "tollgate")
                .at("/spec/minAvailable").asInt()); // a node drain never waits on the autoscaler's minimum

        // The pod runs as the image's user, with the image's writable directories mounted (its root is read-only).
        JsonNode pod = deployment.at("/spec/template/spec");
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(65532);
        assertThat(pod.at("/securityContext/runAsGroup").asInt()).isEqualTo(65532);
        Map<String, String> mounts = new LinkedHashMap<>();
        gatewayContainer().get("volumeMounts").forEach(m -> mounts.put(m.get("mountPath").asText(), m.get("name").asText()));
        assertThat(mounts).containsOnlyKeys("/config", "/data", "/tmp");
        Set<String> volumes = new TreeSet<>();
        pod.get("volumes").forEach(v -> volumes.add(v.get("name").asText()));
        assertThat(volumes).containsExactlyInAnyOrderElementsOf(mounts.values());

        // The config map mounted at /config holds the file the image's command reads, and the gateway takes it.
        String configMap = null;
        for (JsonNode v : pod.get("volumes")) if (v.get("name").asText().equals(mounts.get("/config"))) configMap = v.at("/configMap/name").asText();
        String file = DeployFiles.kubernetes("ConfigMap", configMap).at("/data/tollgate.yaml").asText();
        assertConfigFileLoads(file);

        // Kustomize applies every manifest but the Secret example, and names the image.
        JsonNode kustomization = DeployFiles.yaml("kubernetes/kustomization.yaml");
        Set<String> resources = new TreeSet<>();
        kustomization.get("resources").forEach(r -> resources.add(r.asText()));
        Set<String> files = new TreeSet<>();
        try (var list = Files.list(DeployFiles.DEPLOY.resolve("kubernetes"))) {
            list.map(p -> p.getFileName().toString()).filter(n -> !n.equals("kustomization.yaml") && !n.equals("secret.example.yaml"))
                    .forEach(files::add);
        }
        assertThat(resources).isEqualTo(files);
        assertThat(kustomization.at("/images/0/name").asText()).isEqualTo(gatewayContainer().get("image").asText());
        assertThat(kustomization.at("/images/0/newTag").asText()).isEqualTo(projectVersion());
    }

    @Test
    void theComposeFileMountsFilesThatExistAndPrometheusScrapesEveryGateway() throws Exception {
        JsonNode compose = DeployFiles.yaml("compose/compose.yaml");
        Path dir = DeployFiles.DEPLOY.resolve("compose");
        Map<String, String> mounted = new LinkedHashMap<>(); // container path -> file or directory in the repository
        compose.get("services").fields().forEachRemaining(s -> s.getValue().path("volumes").forEach(v -> {
            String[] parts = v.asText().split(":");
            if (parts[0].startsWith(".")) {
                Path source = dir.resolve(parts[0]).normalize();
                assertThat(source).as(s.getKey() + " mounts " + parts[0]).exists();
                mounted.put(parts[1], source.toString());
            }
        }));
        assertConfigFileLoads(Files.readString(Path.of(mounted.get("/config"), "tollgate.yaml")));

        for (String name : composeGateways().keySet()) {
            JsonNode service = compose.get("services").get(name);
            assertThat(service.get("image").asText()).isEqualTo("tollgate:" + projectVersion());
            assertThat(service.get("ports").get(0).asText()).endsWith(":9000");
        }
        JsonNode prometheus = DeployFiles.yaml("prometheus/prometheus.yml");
        List<String> targets = new ArrayList<>();
        prometheus.at("/scrape_configs/0/static_configs/0/targets").forEach(t -> targets.add(t.asText()));
        assertThat(targets).containsExactlyElementsOf(composeGateways().keySet().stream().map(n -> n + ":9000").toList());
        assertThat(prometheus.at("/scrape_configs/0/metrics_path").asText()).isEqualTo("/metrics");
        assertThat(mounted.get(prometheus.at("/rule_files/0").asText())).isEqualTo("deploy/prometheus/alerts.yaml");
        String dashboards = DeployFiles.yaml("grafana/provisioning/dashboards/tollgate.yaml").at("/providers/0/options/path").asText();
        assertThat(mounted.get(dashboards)).isEqualTo("deploy/grafana/dashboards");
    }

    /** The gateway services of the compose file (those that run the Tollgate image) and their environment. */
    private static Map<String, Map<String, String>> composeGateways() throws Exception {
        Map<String, Map<String, String>> gateways = new LinkedHashMap<>();
        DeployFiles.yaml("compose/compose.yaml").get("services").fields().forEachRemaining(s -> {
            if (!s.getValue().path("image").asText().startsWith("tollgate:")) return;
            Map<String, String> env = new LinkedHashMap<>();
            s.getValue().path("environment").fields().forEachRemaining(e ->
                    env.put(e.getKey(), COMPOSE_VARIABLE.matcher(e.getValue().asText()).replaceAll(OUTSIDE_VALUE)));
            gateways.put(s.getKey(), env);
        });
        return gateways;
    }

    private static JsonNode gatewayContainer() throws Exception {
        JsonNode containers = DeployFiles.kubernetes("Deployment", "tollgate").at("/spec/template/spec/containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** A probe's or a Service's port (a number or a port's name) as the container's port number. */
    private static int containerPort(JsonNode container, JsonNode port) {
        if (port.isInt()) return port.asInt();
        for (JsonNode p : container.get("ports")) if (p.get("name").asText().equals(port.asText())) return p.get("containerPort").asInt();
        throw new AssertionError("no container port named " + port);
    }

    private static long shutdownGraceMs(JsonNode env) {
        for (JsonNode e : env) if (e.get("name").asText().equals(CoreSettings.SHUTDOWN_GRACE_MS.key())) return Long.parseLong(e.get("value").asText());
        return CoreSettings.SHUTDOWN_GRACE_MS.defaultValue();
    }

    /**
     * Every variable is a setting, an OpenTelemetry variable, or the one a {@code *_PASSWORD_ENV} setting names (which must
     * not look like a setting: the gateway refuses unknown {@code TOLLGATE_} variables); the gateway loads them all.
     */
    private static void assertGatewayEnvironment(String where, Map<String, String> env) {
        Set<String> named = new TreeSet<>();
        for (Setting<?> s : CATALOG.all()) if (s.key().endsWith("_ENV") && env.containsKey(s.key())) named.add(env.get(s.key()));
        for (String name : env.keySet()) {
            assertThat(CATALOG.byKey(name) != null || name.startsWith("OTEL_") || named.contains(name))
                    .as(where + ": " + name + " is not a setting").isTrue();
        }
        for (String name : named) {
            assertThat(env).as(where + ": the variable a *_PASSWORD_ENV setting names").containsKey(name);
            assertThat(name).as(where).doesNotStartWith("TOLLGATE_");
        }
        Settings settings = new ConfigLoader(CATALOG).load(null, env).settings();
        assertThat(AccessControl.validate(settings)).as(where).isEmpty();
    }

    private static void assertConfigFileLoads(String yaml) throws Exception {
        Path file = Files.createTempFile("tollgate-config-", ".yaml");
        try {
            Files.writeString(file, yaml);
            ConfigLoader.Loaded loaded = new ConfigLoader(CATALOG).load(file, Map.of());
            assertThat(loaded.warnings()).isEmpty();
            assertThat(loaded.settings().get(CoreSettings.LLM_API_BASE_PATH)).isEqualTo("https://api.openai.com/v1");
        } finally {
            Files.delete(file);
        }
    }

    private static String projectVersion() throws Exception {
        Matcher m = Pattern.compile("<artifactId>tollgate</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
