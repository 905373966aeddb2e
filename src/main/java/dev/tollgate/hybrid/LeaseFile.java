package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The control plane's open leases on disk, so that a restarted control plane still counts what
 * its data planes may spend from leases granted before the restart. Written whole to a temporary
 * file and moved into place. Blocking: call from a worker thread (or at start-up).
 */
final class LeaseFile {

    static final String NAME = "tollgate-leases.json";

    private final Path file;

    LeaseFile(Path dataDir) {
        this.file = dataDir.resolve(NAME);
    }

    Path path() {
        return file;
    }

    void save(List<LeaseBook.Saved> leases) throws IOException {
        ArrayNode all = Json.MAPPER.createArrayNode();
        for (LeaseBook.Saved s : leases) {
            ObjectNode o = all.addObject();
            o.put("id", s.id());
            o.put("plane", s.planeId());
            o.put("budget", s.subject());
            o.put("period_start", s.periodStart());
            o.put("granted_nano_usd", s.granted());
            o.put("reported_nano_usd", s.reported());
            o.put("expires_at", s.expiresAt());
        }
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("schema", 1);
        doc.set("leases", all);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(NAME + ".tmp");
        Files.write(tmp, Json.MAPPER.writeValueAsBytes(doc));
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The saved leases (none when there is no file); IOException when it cannot be read as one. */
    List<LeaseBook.Saved> load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        JsonNode doc = Json.MAPPER.readTree(bytes);
        if (doc == null || doc.path("schema").asInt() != 1 || !doc.path("leases").isArray()) throw new IOException("not a lease file");
        List<LeaseBook.Saved> out = new ArrayList<>();
        for (JsonNode o : doc.get("leases")) {
            String id = o.path("id").asText();
            String subject = o.path("budget").asText();
            if (!id.matches("ls_[0-9a-f]{16,64}") || !subject.matches(LeaseEndpoint.SUBJECT)) throw new IOException("not a lease file");
            out.add(new LeaseBook.Saved(id, o.path("plane").asText(), subject, o.path("period_start").asLong(),
                    o.path("granted_nano_usd").asLong(), o.path("reported_nano_usd").asLong(), o.path("expires_at").asLong()));
        }
        return out;
    }
}
