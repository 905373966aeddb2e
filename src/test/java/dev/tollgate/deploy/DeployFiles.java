package dev.tollgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files under {@code deploy/}, read as the tools that use them read them: YAML with anchors, aliases and merge
 * keys resolved (Docker Compose relies on them; Jackson's YAML parser leaves them unresolved), as JSON trees.
 */
final class DeployFiles {

    static final Path DEPLOY = Path.of("deploy");
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeployFiles() {}

    /** Every YAML file under deploy/. */
    static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    /** The documents of one YAML file. */
    static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(r)) {
                if (doc != null) docs.add(JSON.valueToTree(doc));
            }
        }
        return docs;
    }

    static JsonNode yaml(String path) throws IOException {
        List<JsonNode> docs = documents(DEPLOY.resolve(path));
        if (docs.size() != 1) throw new IllegalStateException(path + " holds " + docs.size() + " documents");
        return docs.get(0);
    }

    static JsonNode json(String path) throws IOException {
        return JSON.readTree(DEPLOY.resolve(path).toFile());
    }

    /** Every Kubernetes object under deploy/kubernetes (documents with a kind), the kustomization included. */
    static List<JsonNode> kubernetesObjects() throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        for (Path file : yamlFiles()) {
            if (!file.startsWith(DEPLOY.resolve("kubernetes"))) continue;
            for (JsonNode doc : documents(file)) if (doc.has("kind")) objects.add(doc);
        }
        return objects;
    }

    /** The one Kubernetes object of this kind and name. */
    static JsonNode kubernetes(String kind, String name) throws IOException {
        return kubernetesObjects().stream()
                .filter(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/kubernetes"));
    }
}
