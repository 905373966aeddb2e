package dev.tollgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.support.TestServices;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The Prometheus alert rules and config, and the Grafana dashboard and its provisioning, as their tools would read them. */
class MonitoringFilesTest {

    private static final String PROMTOOL_HOW = "promtool from Debian's prometheus package: apt-get install prometheus, or only the "
            + "tool, as .ci/run does: apt-get download prometheus && dpkg-deb -x prometheus_*.deb x && cp x/usr/bin/promtool /usr/local/bin/";

    @Test
    void everyAlertRuleHasAWellFormedQueryADurationASeverityAndWordsForTheOnCall() throws Exception {
        JsonNode groups = DeployFiles.yaml("prometheus/alerts.yaml").get("groups");
        assertThat(groups).isNotEmpty();
        Set<String> names = new HashSet<>();
        int rules = 0;
        for (JsonNode group : groups) {
            assertThat(group.get("name").asText()).isNotBlank();
            for (JsonNode rule : group.get("rules")) {
                rules++;
                String alert = rule.get("alert").asText();
                assertThat(alert).matches("Tollgate[A-Z][A-Za-z]+");
                assertThat(names.add(alert)).as(alert + " is defined once").isTrue();
                assertThat(PromQl.problems(rule.get("expr").asText())).as(alert).isEmpty();
                assertThat(rule.get("for").asText()).as(alert).matches("\\d+[smh]");
                assertThat(rule.at("/labels/severity").asText()).as(alert).isIn("warning", "critical");
                assertThat(rule.at("/annotations/summary").asText()).as(alert).isNotBlank();
                assertThat(rule.at("/annotations/description").asText()).as(alert).isNotBlank();
            }
        }
        assertThat(rules).isEqualTo(11);
    }

    @Test
    void promtoolAcceptsTheAlertRulesAndThePrometheusConfig() throws Exception {
        String promtool = promtool();
        Result rules = run(promtool, "check", "rules", "deploy/prometheus/alerts.yaml");
        assertThat(rules.exitCode()).as(rules.output()).isZero();
        assertThat(rules.output()).contains("SUCCESS: 11 rules found");

        // The config names the rules where the compose file mounts them; checked here with the repository's path.
        Path config = Files.createTempFile("prometheus-", ".yml");
        try {
            Files.writeString(config, Files.readString(Path.of("deploy/prometheus/prometheus.yml"))
                    .replace("/etc/prometheus/alerts.yaml", Path.of("deploy/prometheus/alerts.yaml").toAbsolutePath().toString()));
            Result checked = run(promtool, "check", "config", config.toString());
            assertThat(checked.exitCode()).as(checked.output()).isZero();
            assertThat(checked.output()).contains("SUCCESS: 1 rule files found").contains("SUCCESS: 11 rules found");
        } finally {
            Files.delete(config);
        }
    }

    @Test
    void everyDashboardPanelQueriesTheProvisionedDataSourceWithAWellFormedQuery() throws Exception {
        JsonNode datasource = DeployFiles.yaml("grafana/provisioning/datasources/prometheus.yaml").at("/datasources/0");
        assertThat(datasource.get("type").asText()).isEqualTo("prometheus");
        assertThat(datasource.get("url").asText()).isEqualTo("http://prometheus:9090"); // the compose service
        JsonNode dashboard = DeployFiles.json("grafana/dashboards/tollgate.json");
        assertThat(dashboard.get("uid").asText()).isEqualTo("tollgate");
        assertThat(dashboard.get("title").asText()).isEqualTo("Tollgate");
        Set<Integer> ids = new HashSet<>();
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            String title = panel.get("title").asText();
            assertThat(ids.add(panel.get("id").asInt())).as(title + ": its id is unique").isTrue();
            assertThat(panel.at("/datasource/uid").asText()).as(title).isEqualTo(datasource.get("uid").asText());
            assertThat(panel.get("targets")).as(title).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                assertThat(target.at("/datasource/uid").asText()).as(title).isEqualTo(datasource.get("uid").asText());
                assertThat(PromQl.problems(target.get("expr").asText())).as(title + ": " + target.get("expr").asText()).isEmpty();
                exprs.add(target.get("expr").asText());
            }
        }
        assertThat(exprs).hasSize(25);
    }

    private static String promtool() {
        for (String dir : List.of("/usr/local/bin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "promtool"))) return dir + "/promtool";
        }
        TestServices.need("promtool", false, PROMTOOL_HOW);
        throw new IllegalStateException("unreachable");
    }

    private record Result(int exitCode, String output) {}

    private static Result run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }
}
