package dev.tollgate.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.access.AccessSettings;
import dev.tollgate.config.ConfigLoader;
import dev.tollgate.config.CoreSettings;
import dev.tollgate.config.Settings;
import dev.tollgate.server.Gateway;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The built image's config, as a container runtime reads it from the archive. */
class ImageConfigTest {

    @Test
    void theArchiveNamesOneImageTaggedWithTheProjectVersion() throws Exception {
        ContainerImage image = ContainerImage.get();
        assertThat(image.manifest().get("RepoTags").toString())
                .isEqualTo("[\"tollgate:" + System.getProperty("tollgate.version") + "\"]");
        assertThat(image.imageConfig().get("os").asText()).isEqualTo("linux");
        assertThat(image.imageConfig().get("architecture").asText()).isEqualTo("amd64");
        // FROM scratch: every layer is Tollgate's own (dependencies, resources, classes, class path, runtime, config).
        assertThat(image.manifest().get("Layers")).hasSize(image.imageConfig().get("history").size());
    }

    @Test
    void itRunsTheGatewayOnTheImagesOwnJavaWithFlagsFittedToTheContainer() throws Exception {
        ContainerImage image = ContainerImage.get();
        assertThat(image.entrypoint()).containsExactly("/opt/java/bin/java",
                "-XX:MaxRAMPercentage=70", "-XX:InitialRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData",
                "-Dfile.encoding=UTF-8", "-cp", "@/app/jib-classpath-file", "dev.tollgate.Main");
        assertThat(image.cmd()).containsExactly("serve", "--config", "/config/tollgate.yaml");
    }

    @Test
    void itRunsAsANonRootUserOnPort9000WithConfigAndDataAsVolumes() throws Exception {
        JsonNode config = ContainerImage.get().containerConfig();
        assertThat(config.get("User").asText()).isEqualTo("65532:65532");
        assertThat(names(config.get("ExposedPorts"))).containsExactly("9000/tcp");
        assertThat(names(config.get("Volumes"))).containsExactlyInAnyOrder("/config", "/data");
        assertThat(config.get("WorkingDir").asText()).isEqualTo("/data");
    }

    @Test
    void itsEnvironmentListensOnEveryInterfaceAndKeepsStateInTheDataVolume() throws Exception {
        Map<String, String> env = ContainerImage.get().env();
        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of(
                "PATH", "/opt/java/bin:/usr/bin:/bin",
                "JAVA_HOME", "/opt/java",
                "LANG", "C.UTF-8",
                "HOST", "0.0.0.0",
                "PORT", "9000",
                "TOLLGATE_DATA_DIR", "/data",
                "TOLLGATE_DATABASE", "/data/tollgate.db"));

        // Every variable the gateway reads is a setting, and the gateway takes the values as they are.
        Set<String> forTheSystem = Set.of("PATH", "JAVA_HOME", "LANG");
        env.keySet().stream().filter(k -> !forTheSystem.contains(k))
                .forEach(k -> assertThat(Gateway.catalog().byKey(k)).as(k).isNotNull());
        Settings settings = new ConfigLoader(Gateway.catalog()).load(null, env).settings();
        assertThat(settings.get(CoreSettings.HOST)).isEqualTo("0.0.0.0");
        assertThat(settings.get(CoreSettings.PORT)).isEqualTo(9000);
        assertThat(settings.get(AccessSettings.DATA_DIR)).isEqualTo("/data");
        assertThat(settings.get(AccessSettings.DATABASE)).isEqualTo("/data/tollgate.db");
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
