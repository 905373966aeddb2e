package dev.tollgate.arch;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The pieces one request is handled by stay small enough to read as one job each (issue 11: at most ~250 lines). */
class RequestPiecesSizeTest {

    @ParameterizedTest
    @ValueSource(strings = {"ProxyRequest", "RequestReader", "RequestJudging", "UpstreamAttempts", "AnswerRelay", "GatewayAnswers"})
    void eachPieceIsAtMost250Lines(String name) throws IOException {
        Path source = Path.of("src/main/java/dev/tollgate/server", name + ".java");
        assertThat(Files.readAllLines(source).size()).as(name + " lines").isLessThanOrEqualTo(250);
    }
}
