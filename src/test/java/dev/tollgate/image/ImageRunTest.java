package dev.tollgate.image;

import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.GatewayProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image starts: its layers unpacked into a directory, its own {@code java} run there as its user with its
 * environment, as a container runtime would (see {@link ContainerImage}).
 */
class ImageRunTest {

    private static final String CHAT_ANSWER = "{\"id\":\"chatcmpl-image\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello from upstream\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theImagesJavaIsTheRuntimeItsBuildRecorded() throws Exception {
        ContainerImage image = ContainerImage.get();
        List<String> recorded = Files.readAllLines(image.rootfs().resolve("usr/share/tollgate-runtime/packages.txt"));
        String version = line(recorded, "java ").split(" ")[1];
        ContainerImage.Result r = image.exec(List.of(image.entrypoint().get(0), "-version"), image.env());
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("Runtime Environment (build " + version + ")").contains("64-Bit Server VM");

        ContainerImage.Result modules = image.exec(List.of(image.entrypoint().get(0), "--list-modules"), image.env());
        assertThat(modules.exitCode()).isZero();
        List<String> names = modules.output().lines().map(l -> l.replaceAll("@.*", "")).sorted().toList();
        assertThat(names).containsExactlyElementsOf(Arrays.stream(line(recorded, "modules ").split(" ")[1].split(",")).sorted().toList())
                .contains("java.base", "java.sql", "jdk.crypto.ec", "jdk.unsupported").doesNotContain("java.desktop");
    }

    @Test
    void itRunsInTheDataDirectoryWithUtf8StreamsAndFileNames() throws Exception {
        ContainerImage image = ContainerImage.get();
        ContainerImage.Result r = image.exec(List.of(image.entrypoint().get(0), "-XshowSettings:properties", "-version"), image.env());
        assertThat(r.output()).contains("sun.jnu.encoding = UTF-8", "native.encoding = UTF-8", "file.encoding = UTF-8",
                "java.io.tmpdir = /tmp", "user.dir = /data");
        if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
            assertThat(r.output()).contains("user.name = nonroot", "user.home = /data"); // its /etc/passwd entry
        }
    }

    @Test
    void itsEntrypointAnswersServeHelpAndChecksItsOwnConfigFile() throws Exception {
        ContainerImage image = ContainerImage.get();
        ContainerImage.Result help = image.exec(with(image.entrypoint(), "serve", "--help"), image.env());
        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).startsWith("Usage: tollgate serve ").contains("--config=<config>");

        ContainerImage.Result check = image.exec(with(image.entrypoint(), "config", "check", "/config/tollgate.yaml"), image.env());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).isEqualTo("config ok: /config/tollgate.yaml\n");
    }

    @Test
    void itServesAsItsNonRootUserWithItsDatabaseInTheDataVolumeAndStopsOnSigterm() throws Exception {
        ContainerImage image = ContainerImage.get();
        Path root = image.rootfs();
        try (FakeUpstream upstream = new FakeUpstream().handle(req -> FakeUpstream.json(req, 200, CHAT_ANSWER))) {
            int port = GatewayProcess.freePort();
            Map<String, String> env = new HashMap<>(image.env());
            env.put("HOST", "127.0.0.1"); // the test shares the host's network: loopback only
            env.put("PORT", Integer.toString(port));
            env.put("TOLLGATE_ADMIN_TOKEN", "image-test-admin-token-0123456789");
            env.put("LLM_API_BASE_PATH", upstream.baseUrl());
            List<String> argv = new ArrayList<>(image.entrypoint());
            argv.addAll(image.cmd());
            Path log = Files.createTempFile(root.getParent(), "serve-", ".log");
            Process gateway = image.command(argv, env).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                String base = "http://127.0.0.1:" + port;
                awaitReady(gateway, base, log);
                HttpResponse<String> health = get(base + "/healthz");
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");

                // Key mode: the key goes into SQLite in /data (its native library unpacked into /tmp), as the image's user.
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/v1/keys"))
                        .header("Authorization", "Bearer image-test-admin-token-0123456789").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"image-test\"}")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                String key = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).get("key").asText();

                HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
                assertThat(chat.body()).isEqualTo(CHAT_ANSWER);

                assertThat(root.resolve("data/tollgate.db")).exists();
                if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
                    assertThat(Files.getAttribute(root.resolve("data/tollgate.db"), "unix:uid")).isEqualTo(65532);
                    try (var tmp = Files.list(root.resolve("tmp"))) {
                        assertThat(tmp.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith("libsqlitejdbc.so"));
                    }
                }

                gateway.destroy(); // SIGTERM, as a runtime stops a container
                assertThat(gateway.waitFor(40, TimeUnit.SECONDS)).as("stopped within the shutdown grace").isTrue();
                assertThat(Files.readString(log)).contains("\"message\":\"shutting down: draining in-flight requests\"")
                        .contains("\"message\":\"stopped\"").doesNotContain("\"level\":\"error\"");
            } finally {
                gateway.destroyForcibly();
            }
        }
    }

    private void awaitReady(Process gateway, String base, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!gateway.isAlive()) throw new AssertionError("the gateway exited with " + gateway.exitValue() + ":\n" + Files.readString(log));
            try {
                HttpResponse<String> r = get(base + "/readyz");
                if (r.statusCode() == 200) {
                    assertThat(r.body()).isEqualTo("{\"status\":\"ready\"}");
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the gateway was not ready within 90 s:\n" + Files.readString(log));
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> with(List<String> entrypoint, String... args) {
        List<String> argv = new ArrayList<>(entrypoint);
        argv.addAll(List.of(args));
        return argv;
    }

    private static String line(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no line " + prefix));
    }
}
