package dev.tollgate.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.support.TestServices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The container image {@code mvn -Pimage} built before the tests ({@code target/tollgate-image.tar}, named by the
 * {@code tollgate.image} system property the profile sets): its manifest and config as a runtime reads them, and its
 * layers unpacked into a root filesystem where commands run as a container runtime would run them: that root, the
 * image's user, working directory and environment, with the host's {@code /dev} and {@code /proc} mounted in a mount
 * namespace of their own ({@code unshare}), and the host's network (so a test reaches it on 127.0.0.1).
 */
final class ContainerImage {

    private static final String HOW = "mvn -Pimage test (on Linux, with a JDK that has jmods/), as .ci/run does";
    private static final Path WORK = Path.of("target", "image-test");
    private static ContainerImage unpacked;

    private final JsonNode manifest;
    private final JsonNode config;
    private final Path archive;
    private Path rootfs;

    private ContainerImage(Path archive) throws IOException {
        this.archive = archive;
        ObjectMapper json = new ObjectMapper();
        this.manifest = json.readTree(archive.resolve("manifest.json").toFile()).get(0);
        this.config = json.readTree(archive.resolve(manifest.get("Config").asText()).toFile());
    }

    /** The image, unpacked once per test run; skips the test (fails it under CI) when it was not built. */
    static synchronized ContainerImage get() throws IOException, InterruptedException {
        String tar = System.getProperty("tollgate.image");
        TestServices.need("The container image", tar != null && Files.isRegularFile(Path.of(tar)), HOW);
        if (unpacked == null) {
            deleteTree(WORK);
            Path archive = Files.createDirectories(WORK.resolve("archive"));
            run(List.of("tar", "-xf", Path.of(tar).toAbsolutePath().toString(), "-C", archive.toString()));
            unpacked = new ContainerImage(archive);
        }
        return unpacked;
    }

    /** The manifest entry ({@code Config}, {@code RepoTags}, {@code Layers}). */
    JsonNode manifest() {
        return manifest;
    }

    /** The image config's {@code config} object: Entrypoint, Cmd, Env, User, ExposedPorts, Volumes, WorkingDir. */
    JsonNode containerConfig() {
        return config.get("config");
    }

    /** The whole image config (architecture, os, history, rootfs). */
    JsonNode imageConfig() {
        return config;
    }

    List<String> entrypoint() {
        return strings(containerConfig().get("Entrypoint"));
    }

    List<String> cmd() {
        return strings(containerConfig().get("Cmd"));
    }

    /** The image's environment, in its order. */
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : containerConfig().get("Env")) {
            String s = e.asText();
            env.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        }
        return env;
    }

    /** The layers applied in order, as a runtime does (the image is FROM scratch: nothing to delete). */
    synchronized Path rootfs() throws IOException, InterruptedException {
        if (rootfs == null) {
            Path root = Files.createDirectories(WORK.resolve("rootfs")).toAbsolutePath();
            for (JsonNode layer : manifest.get("Layers")) {
                // As root, tar keeps the layers' owners and modes, as a runtime does.
                run(List.of("tar", "--warning=no-unknown-keyword", "-xzpf", archive.resolve(layer.asText()).toString(), "-C", root.toString()));
            }
            Files.createDirectories(root.resolve("proc")); // mount points a runtime makes
            Files.createDirectories(root.resolve("dev"));
            rootfs = root;
        }
        return rootfs;
    }

    /**
     * A process running {@code argv} inside the image: its root, its working directory, as its user (when the tests
     * run as root; otherwise as the namespace's root, the only user an unprivileged namespace maps), with exactly
     * {@code env} as its environment.
     */
    ProcessBuilder command(List<String> argv, Map<String, String> env) throws IOException, InterruptedException {
        Path root = rootfs();
        String unshare = tool("unshare");
        String mount = tool("mount");
        boolean root0 = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        String[] user = containerConfig().get("User").asText().split(":");
        String switchUser = root0 ? " --setuid " + user[0] + " --setgid " + user[1] : "";
        String script = "r=$1; m=$2; u=$3; shift 3; \"$m\" --rbind /dev \"$r/dev\" && \"$m\" --rbind /proc \"$r/proc\" && "
                + "exec \"$u\" --root=\"$r\" --wd=" + containerConfig().get("WorkingDir").asText() + switchUser + " -- \"$@\"";
        List<String> command = new ArrayList<>(List.of(unshare));
        if (!root0) command.add("--map-root-user");
        command.addAll(List.of("--mount", "--", "/bin/sh", "-c", script, "sh", root.toString(), mount, unshare));
        command.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }

    /** Runs {@code argv} inside the image to its end (at most a minute): exit code and output. */
    Result exec(List<String> argv, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile(Files.createDirectories(WORK), "exec-", ".out");
        Process p = command(argv, env).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(argv + " did not end within a minute:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    record Result(int exitCode, String output) {}

    private static String tool(String name) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        TestServices.need(name + " (util-linux)", false, "apt-get install util-linux");
        throw new IllegalStateException("unreachable");
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return list;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed:\n" + output);
    }

    private static void deleteTree(Path dir) throws IOException, InterruptedException {
        if (Files.exists(dir)) run(List.of("rm", "-rf", dir.toString())); // files the image's user made, modes as the image has them
    }
}
