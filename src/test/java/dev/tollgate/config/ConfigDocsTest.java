package dev.tollgate.config;

import dev.tollgate.server.Gateway;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README documents every configuration key and every per-request header the gateway knows. */
class ConfigDocsTest {

    @Test
    void everyKeyAndHeaderIsDocumented() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Setting<?> s : Gateway.catalog().all()) {
            assertThat(readme).as("README documents %s", s.key()).contains("`" + s.key() + "`");
            if (s.header() != null) assertThat(readme).as("README documents its header").contains("x-tollgate-" + s.header());
        }
    }
}
